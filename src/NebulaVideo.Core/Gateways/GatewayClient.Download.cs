using System;
using System.Buffers;
using System.IO;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using NebulaVideo.Core.Downloads;
using NebulaVideo.Core.Http;

namespace NebulaVideo.Core.Gateways
{
    /// <summary>Downloading: a finished task's video, from its signed link or the gateway's base64 download.</summary>
    public sealed partial class GatewayClient
    {
        /// <summary>
        /// Writes a finished task's video to <paramref name="destination"/> (which must be seekable, so a
        /// failed attempt can start over): from its signed link (without the API key, which that host must
        /// never see), or from the gateway's base64 download where the dialect has one (sora-2), decoded as it
        /// streams. A link the storage host refuses is replaced by a fresh one from the gateway; only a video
        /// the gateway no longer holds is reported expired. Returns the number of bytes written.
        /// </summary>
        public async Task<long> DownloadAsync(VideoTask task, Stream destination, Action<long, long?>? progress, CancellationToken cancellationToken)
        {
            for (var refreshed = 0; ; refreshed++)
            {
                RequireVideo(task);
                try
                {
                    var base64Path = Dialect.Base64DownloadPath(task);
                    if (base64Path is null && task.VideoUrl is null)
                        throw new NebulaVideoException(ErrorIds.VideoLinkMissing,
                            $"The gateway reported task {task.TaskId} done but gave no link to its video.", task,
                            "Read the task again with Get-NebulaVideoTask, then save it.");
                    var current = task;
                    return await ReadAsync(base64Path is null ? $"GET {task.VideoUrl!.GetLeftPart(UriPartial.Path)}" : $"GET {base64Path}", false, current,
                        token => base64Path is null
                            ? DownloadLinkOnceAsync(current, destination, progress, token)
                            : DownloadBase64OnceAsync(current, base64Path, destination, progress, token),
                        cancellationToken).ConfigureAwait(false);
                }
                catch (LinkRefusedException refused) when (refreshed < 2)
                {
                    // Signed links expire (and storage may refuse one early); the gateway hands out a fresh one while it holds the video.
                    _log?.Invoke($"The storage host refused the video link of task {task.TaskId} (HTTP {refused.Status}); asking the gateway for a fresh one.");
                    var fresh = await GetTaskAsync(task, cancellationToken).ConfigureAwait(false);
                    if (fresh.VideoUrl is not null && fresh.VideoUrl == task.VideoUrl && refreshed > 0) throw Expired(fresh, refused.Status);
                    task = fresh;
                }
                catch (LinkRefusedException refused)
                {
                    throw Expired(task, refused.Status);
                }
            }
        }

        private static void RequireVideo(VideoTask task)
        {
            if (task.Status == VideoStatus.Expired)
                throw Expired(task, null);
            if (task.Status != VideoStatus.Succeeded)
                throw new NebulaVideoException(ErrorIds.TaskNotSucceeded,
                    $"Task {task.TaskId} is {task.Status}, so there is no video to save.", task,
                    task.Status == VideoStatus.Failed ? $"The task failed: {task.ErrorMessage}" : "Wait for it first: ... | Wait-NebulaVideoTask | Save-NebulaVideo.");
        }

        private static NebulaVideoException Expired(VideoTask task, int? storageStatus)
        {
            var finished = task.CompletedAt ?? task.SubmittedAt;
            var age = finished is DateTimeOffset at ? DateTimeOffset.UtcNow - at : (TimeSpan?)null;
            var why = task.Status == VideoStatus.Expired || age > TimeSpan.FromHours(24)
                ? "the gateway no longer holds it: videos are kept for 24 hours after they are made, and those have passed"
                : $"the storage host refused its link (HTTP {storageStatus}) and the gateway gave no working one";
            return new NebulaVideoException(ErrorIds.VideoExpired, $"The video of task {task.TaskId} cannot be downloaded: {why}.", task,
                "Submit the request again to make a new video (New-NebulaVideo), and save videos within 24 hours.");
        }

        private async Task<long> DownloadLinkOnceAsync(VideoTask task, Stream destination, Action<long, long?>? progress, CancellationToken cancellationToken)
        {
            Restart(destination);
            using var deadline = new AttemptDeadline(_options.RequestTimeout, cancellationToken);
            using var request = new HttpRequestMessage(HttpMethod.Get, task.VideoUrl);
            using var response = await SendAsync(HttpTransport.Storage, request, deadline).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            if (status == 403 || status == 404 || status == 410)
                throw new LinkRefusedException(task, status);
            if (!response.IsSuccessStatusCode)
                throw Dialect.ParseError(status, await ReadLimitedAsync(response.Content, deadline).ConfigureAwait(false), task, ReadRetry.RetryAfter(response));
            var expected = response.Content.Headers.ContentLength;
            using var body = deadline.Guard(await response.Content.ReadAsStreamAsync().ConfigureAwait(false));
            var written = await CopyAsync(body, destination, n => progress?.Invoke(n, expected), cancellationToken).ConfigureAwait(false);
            if (expected is long length && written != length)
                throw Incomplete(task, written, length);
            return written;
        }

        private async Task<long> DownloadBase64OnceAsync(VideoTask task, string path, Stream destination, Action<long, long?>? progress, CancellationToken cancellationToken)
        {
            Restart(destination);
            using var deadline = new AttemptDeadline(_options.RequestTimeout, cancellationToken);
            using var request = NewGatewayRequest(HttpMethod.Get, path);
            using var response = await SendAsync(HttpTransport.Gateway, request, deadline).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
                throw Dialect.ParseError((int)response.StatusCode, await ReadLimitedAsync(response.Content, deadline).ConfigureAwait(false), task, ReadRetry.RetryAfter(response));
            using var body = deadline.Guard(await response.Content.ReadAsStreamAsync().ConfigureAwait(false));
            var envelope = await Base64VideoReader.CopyAsync(body, destination, n => progress?.Invoke(n, null), cancellationToken).ConfigureAwait(false);
            if (!envelope.FoundVideo)
                throw Dialect.ParseError(200, envelope.Skeleton, task);
            if (!envelope.Success)
                throw new NebulaVideoException(ErrorIds.DownloadFailed,
                    $"The gateway would not hand out the video of task {task.TaskId}.", task, "Check the task with Get-NebulaVideoTask, then try again.");
            if (envelope.Size is long size && size != envelope.BytesWritten)
                throw Incomplete(task, envelope.BytesWritten, size);
            return envelope.BytesWritten;
        }

        // Each attempt writes the whole video again, from the start of the (temporary) file.
        private static void Restart(Stream destination)
        {
            destination.SetLength(0);
            destination.Position = 0;
        }

        // Big enough that a fast loopback or LAN transfer is not dominated by per-read overhead, small enough to keep memory flat.
        // Rented, not made per video: a new 1 MiB array is a large-object allocation, and a runbook saving thousands of small
        // videos made a gen2 collection every few of them (1,000 saves: 1.35 MB allocated and 48 to 225 gen2 collections;
        // rented, 0.33 MB and 2 or 3).
        private const int CopyBufferSize = 1024 * 1024;

        private static async Task<long> CopyAsync(Stream source, Stream destination, Action<long> progress, CancellationToken cancellationToken)
        {
            var buffer = ArrayPool<byte>.Shared.Rent(CopyBufferSize);
            try
            {
                long total = 0;
                int read;
                while ((read = await source.ReadAsync(buffer, 0, CopyBufferSize, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    destination.Write(buffer, 0, read);
                    total += read;
                    progress(total);
                }
                return total;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        private static NebulaVideoException Incomplete(VideoTask task, long written, long expected) =>
            new NebulaVideoException(ErrorIds.DownloadIncomplete,
                $"The video of task {task.TaskId} arrived with {written} of {expected} bytes.", task, "Try the download again.");
    }

    /// <summary>The storage host refused a signed link (expired, or revoked): the gateway may have a fresh one.</summary>
    internal sealed class LinkRefusedException : NebulaVideoException
    {
        public LinkRefusedException(VideoTask task, int status)
            : base(ErrorIds.VideoExpired, $"The storage host refused the video link of task {task.TaskId} (HTTP {status}).", task,
                "Refresh the task with Get-NebulaVideoTask for a new link, or submit it again.")
        {
            Status = status;
        }

        public int Status { get; }
    }
}
