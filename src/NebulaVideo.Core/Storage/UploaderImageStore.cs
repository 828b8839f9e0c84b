using System;
using System.Threading;
using NebulaVideo.Core.Http;

namespace NebulaVideo.Core.Storage
{
    /// <summary>
    /// The user's own uploader as an image store (Connect-NebulaVideoStorage -ScriptBlock): given a file, it puts it
    /// wherever it likes (S3, a web server, a gateway's file API) and answers the URL the gateway is to fetch. The
    /// module knows nothing of that place, so it checks only that the answer is a URL a gateway may be given.
    /// </summary>
    public sealed class UploaderImageStore : IImageStore
    {
        private readonly Func<StagingImage, CancellationToken, object?> _upload;

        /// <param name="upload">Uploads the file and returns its URL (a string or a Uri); runs on the caller's thread.</param>
        public UploaderImageStore(Func<StagingImage, CancellationToken, object?> upload) => _upload = upload;

        public ImageStoreInfo Info { get; } = new ImageStoreInfo("ScriptBlock", null, null, null, null, "ScriptBlock");

        /// <summary>Unknown until the uploader answers.</summary>
        public string? PlannedLocation(StagingImage image) => null;

        public StagedImage Stage(StagingImage image, Action<string>? log, CancellationToken cancellation)
        {
            var answer = _upload(image, cancellation);
            var text = (answer as Uri)?.OriginalString ?? answer?.ToString();
            if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp))
                throw new NebulaVideoException(ErrorIds.StagingScriptFailed,
                    $"The image store's script block returned {(text is null ? "nothing" : $"'{Shorten(text)}'")} for '{image.Path}', not an absolute http(s) URL.",
                    image.Path, "Make the script block's last output the URL the gateway is to fetch, such as https://.../image.png?<signature>.");
            // A gateway fetches the image from wherever it runs: plain http is for a loopback test server only.
            if (url.Scheme == Uri.UriSchemeHttp && !HostRules.IsLoopback(url))
                throw new NebulaVideoException(ErrorIds.StagingScriptFailed,
                    $"The image store's script block returned an http URL for '{image.Path}'; a gateway is given https addresses only.",
                    image.Path, "Return an https URL (a presigned or SAS URL of the uploaded file).");
            return new StagedImage(WithoutQuery(url), url, Uploaded: true);
        }

        /// <summary>An address as tasks and the journal may keep it: no query (where signatures live), no fragment.</summary>
        internal static string WithoutQuery(Uri url) => url.GetLeftPart(UriPartial.Path);

        // An answer may be anything a script printed: enough of it to recognise, never a page of it, never its query.
        private static string Shorten(string text)
        {
            var question = text.IndexOf('?');
            if (question >= 0) text = text.Substring(0, question) + "?...";
            return text.Length > 120 ? text.Substring(0, 117) + "..." : text;
        }
    }
}
