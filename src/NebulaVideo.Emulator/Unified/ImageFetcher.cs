using System;
using System.IO;
using System.Net.Http;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;

namespace NebulaVideo.Emulator.Unified;

/// <summary>
/// Downloads a first frame as the gateway does ("directly viewable by the server": a plain GET, no credentials)
/// and checks it against the documents: a jpeg, png, bmp or webp of at most 10MB, each side in [360, 2000] pixels.
/// Only loopback URLs are ever fetched, so tests never reach a public host; redirects are not followed, so a
/// loopback URL cannot lead off the machine either (a 3xx is refused like any other answer that is not 2xx).
/// </summary>
internal static class ImageFetcher
{
    public const long MaxBytes = 10 * 1024 * 1024;
    public const int MinPixels = 360;
    public const int MaxPixels = 2000;
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    // One client for every emulator in the process: it holds only pooled connections.
    private static readonly HttpClient Http = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false })
    {
        Timeout = System.Threading.Timeout.InfiniteTimeSpan, // the linked token below is the one deadline
    };

    public static async Task<ImageFetch> FetchAsync(Uri url, CancellationToken cancellation)
    {
        var text = url.OriginalString;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        deadline.CancelAfter(Timeout);
        try
        {
            using var response = await Http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
            var status = (int)response.StatusCode;
            if (!response.IsSuccessStatusCode)
                return Refused(text, status, 0, null, $"image_urls could not be downloaded: the image host answered {status}");
            if (response.Content.Headers.ContentLength > MaxBytes)
                return Refused(text, status, 0, null, TooLarge);

            var body = new MemoryStream();
            await using (var stream = await response.Content.ReadAsStreamAsync(deadline.Token))
            {
                var buffer = new byte[81920];
                int read;
                while (body.Length <= MaxBytes && (read = await stream.ReadAsync(buffer, deadline.Token)) > 0)
                    body.Write(buffer, 0, (int)Math.Min(read, MaxBytes + 1 - body.Length));
            }
            if (body.Length > MaxBytes) return Refused(text, status, body.Length, null, TooLarge);

            var bytes = body.ToArray();
            var sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));
            var header = ImageHeader.Read(bytes);
            if (header is null)
                return Refused(text, status, bytes.Length, sha256, "image_urls must point to a jpeg, png, bmp or webp image");
            string? problem = null;
            if (header.Width is < MinPixels or > MaxPixels || header.Height is < MinPixels or > MaxPixels)
                problem = $"image_urls: image width and height must be in [{MinPixels}, {MaxPixels}] pixels, not {header.Width}x{header.Height}";
            else if (header.Alpha)
                problem = "image_urls: a png with a transparent channel is not supported"; // seeds 001/003
            return new ImageFetch(text, status, bytes.Length, sha256, header.Format, header.Width, header.Height, header.Alpha, problem);
        }
        catch (HttpRequestException)
        {
            return Refused(text, null, 0, null, "image_urls could not be downloaded: the image host did not answer");
        }
        catch (IOException)
        {
            return Refused(text, null, 0, null, "image_urls could not be downloaded: the image host broke off the download");
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            return Refused(text, null, 0, null, $"image_urls could not be downloaded within {Timeout.TotalSeconds:0} seconds");
        }
    }

    private const string TooLarge = "image_urls: image size must be no more than 10MB";

    private static ImageFetch Refused(string url, int? status, long length, string? sha256, string problem) =>
        new(url, status, length, sha256, null, null, null, null, problem);
}
