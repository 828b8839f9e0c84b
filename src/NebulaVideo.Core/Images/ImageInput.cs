using System;
using System.IO;

namespace NebulaVideo.Core.Images
{
    public enum ImageInputKind
    {
        File,
        Url,
        DataUri,
    }

    /// <summary>
    /// The image a video starts from: a local file (sent inline as a data URI), an https URL the gateway
    /// fetches itself, or a data URI the caller built.
    /// </summary>
    public sealed class ImageInput
    {
        private ImageInput(ImageInputKind kind, string value, byte[]? bytes, ImageInfo? info, string? stagedAt = null, Uri? readUrl = null)
        {
            Kind = kind;
            Value = value;
            Bytes = bytes;
            Info = info;
            StagedAt = stagedAt;
            ReadUrl = readUrl;
        }

        public ImageInputKind Kind { get; }

        /// <summary>The file path, URL or data URI as the caller gave it.</summary>
        public string Value { get; }

        /// <summary>The image bytes when they are known locally (files and data URIs).</summary>
        public byte[]? Bytes { get; }

        /// <summary>Format and size when the bytes are known and readable.</summary>
        public ImageInfo? Info { get; }

        /// <summary>
        /// A local image bound for a gateway that takes images only by URL: where the session's image store keeps it
        /// (an address without a query, or its content's hash where the store names it only on upload). It stands
        /// for the image in the request's fingerprint, so the same still is the same request whatever URL is minted.
        /// </summary>
        public string? StagedAt { get; }

        /// <summary>The URL the gateway fetches once the image is staged (read-only, short-lived); null until then.</summary>
        public Uri? ReadUrl { get; }

        /// <summary>This image, to be staged at <paramref name="location"/>.</summary>
        public ImageInput StagingAt(string location) => new ImageInput(Kind, Value, Bytes, Info, location);

        /// <summary>This image, staged: the gateway gets <paramref name="readUrl"/>.</summary>
        public ImageInput Staged(Uri readUrl) => new ImageInput(Kind, Value, Bytes, Info, StagedAt, readUrl);

        /// <summary>How the image is shown to people: the path or URL, never a whole data URI.</summary>
        public string DisplayName => Kind == ImageInputKind.DataUri ? DataUriName : Value;

        private const string DataUriName = "(data URI)";

        /// <summary>An image as given (a path, a URL or a data URI) as it may appear in a message: a data URI by name only.</summary>
        public static string Describe(string given) =>
            given.StartsWith("data:", StringComparison.OrdinalIgnoreCase) ? DataUriName : given;

        /// <summary>
        /// What goes on the wire: a URL as is, a staged image's read URL, anything else local as a base64 data URI. An
        /// image to be staged but not yet staged gives its store address: that body is only ever fingerprinted.
        /// </summary>
        public string ToWireValue() => ReadUrl?.AbsoluteUri ?? StagedAt ?? Kind switch
        {
            ImageInputKind.Url => Value,
            ImageInputKind.DataUri => Value,
            _ => $"data:{Info?.MediaType ?? "application/octet-stream"};base64,{Convert.ToBase64String(Bytes!)}",
        };

        /// <summary>Reads a local image. Throws <see cref="NebulaVideoException"/> when it cannot be read.</summary>
        public static ImageInput FromFile(string path, long? maxBytes = null)
        {
            FileInfo file;
            try
            {
                file = new FileInfo(path);
            }
            catch (Exception ex) when (ex is ArgumentException || ex is NotSupportedException || ex is PathTooLongException)
            {
                throw new NebulaVideoException(ErrorIds.ImagePathInvalid,
                    $"'{path}' is not a valid file path.", path, $"Give the path of an image file ({ImageProbe.FormatNames}).", ex);
            }
            if (Directory.Exists(file.FullName))
                throw new NebulaVideoException(ErrorIds.ImageIsFolder,
                    $"'{path}' is a folder, not an image.", path,
                    "Give image files only; from a listing that holds folders too: Get-ChildItem <folder> -File -Filter *.png | New-NebulaVideo ...");
            if (!file.Exists)
                throw new NebulaVideoException(ErrorIds.ImageNotFound,
                    $"Cannot find the image '{path}'.", path, "Check the path; use -LiteralPath for names with wildcard characters.");
            if (file.Length > maxBytes)
                throw ImageTooLarge(path, file.Length, maxBytes.Value);

            byte[] bytes;
            try
            {
                bytes = File.ReadAllBytes(file.FullName);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is System.Security.SecurityException)
            {
                throw new NebulaVideoException(ErrorIds.ImageUnreadable,
                    $"Cannot read the image '{path}': {ex.Message}", path, "Check that the file is not locked and that you may read it.", ex);
            }
            return new ImageInput(ImageInputKind.File, file.FullName, bytes, RequireKnownFormat(bytes, path));
        }

        /// <summary>
        /// An https URL or a data URI. Throws <see cref="NebulaVideoException"/> for anything else, advising
        /// inline images only where the gateway takes them (<paramref name="inlineAccepted"/>).
        /// </summary>
        public static ImageInput FromUrl(string url, long? maxBytes = null, bool inlineAccepted = true)
        {
            if (url.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
                return FromDataUri(url, maxBytes);
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps)
                throw new NebulaVideoException(ErrorIds.ImageUrlInvalid,
                    $"The image URL '{url}' is not an https URL or a data URI.", url,
                    inlineAccepted
                        ? "Give an https:// URL the gateway can fetch, a data:image/png;base64,... URI, or a local file with -Path."
                        : "Give an https:// URL the gateway can fetch: this gateway takes images only by URL.");
            return new ImageInput(ImageInputKind.Url, uri.AbsoluteUri, null, null);
        }

        private static ImageInput FromDataUri(string dataUri, long? maxBytes)
        {
            var comma = dataUri.IndexOf(',');
            var header = comma < 0 ? string.Empty : dataUri.Substring(0, comma);
            if (comma < 0 || !header.EndsWith(";base64", StringComparison.OrdinalIgnoreCase))
                throw new NebulaVideoException(ErrorIds.ImageUrlInvalid,
                    "The image data URI is not base64 encoded.", DataUriName, "Use the form data:image/png;base64,<data>.");
            byte[] bytes;
            try
            {
                bytes = Convert.FromBase64String(dataUri.Substring(comma + 1));
            }
            catch (FormatException ex)
            {
                throw new NebulaVideoException(ErrorIds.ImageUrlInvalid,
                    "The image data URI does not hold valid base64.", DataUriName, "Encode the image with [Convert]::ToBase64String.", ex);
            }
            if (bytes.Length > maxBytes) throw ImageTooLarge(DataUriName, bytes.Length, maxBytes.Value);
            return new ImageInput(ImageInputKind.DataUri, dataUri, bytes, RequireKnownFormat(bytes, DataUriName));
        }

        private static ImageInfo RequireKnownFormat(byte[] bytes, string target) =>
            ImageProbe.Probe(bytes) ?? throw new NebulaVideoException(ErrorIds.ImageFormatNotSupported,
                $"The image '{target}' is not a {ImageProbe.FormatNames} file.", target,
                $"Convert the image to {ImageProbe.FormatNames}, in a format its model takes (Get-NebulaVideoModel <model> | Format-List shows them).");

        private static NebulaVideoException ImageTooLarge(string target, long size, long maxBytes) =>
            new NebulaVideoException(ErrorIds.ImageTooLarge,
                $"The image '{target}' is {size / 1048576.0:0.0} MB; the limit is {maxBytes / 1048576.0:0.#} MB.", target,
                $"Compress or scale the image below {maxBytes / 1048576.0:0.#} MB.");
    }
}
