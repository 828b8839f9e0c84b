using System;
using System.Security.Cryptography;
using System.Threading;
using NebulaVideo.Core.Images;

namespace NebulaVideo.Core.Storage
{
    /// <summary>
    /// Where the session puts a local image so that a gateway which takes images only by URL can fetch it: the
    /// user's own Azure Blob container, or the user's own uploader. One per session, registered with
    /// Connect-NebulaVideoStorage; the submission engine stages through it only what it is about to send.
    /// </summary>
    public interface IImageStore
    {
        /// <summary>What Get-NebulaVideoStorage shows of it: never a key, token or connection string.</summary>
        ImageStoreInfo Info { get; }

        /// <summary>
        /// Where an image of this content will be (an address without any query), known without any network call, so
        /// -WhatIf can name it and the journal can record it; null where the store learns it only by uploading.
        /// </summary>
        string? PlannedLocation(StagingImage image);

        /// <summary>
        /// Puts the image in the store unless its content is there already, and returns the URL the gateway gets.
        /// Throws <see cref="NebulaVideoException"/> (an id of its own, the file as target) when it cannot.
        /// </summary>
        /// <param name="image">The image.</param>
        /// <param name="log">Where each storage call is said (the calling command's -Verbose); called from any thread.</param>
        /// <param name="cancellation">Ctrl+C.</param>
        StagedImage Stage(StagingImage image, Action<string>? log, CancellationToken cancellation);
    }

    /// <summary>A local image about to be staged: read and checked against its model already.</summary>
    /// <param name="Path">The file as the user named it (full path): the target of any error.</param>
    /// <param name="Bytes">Its content.</param>
    /// <param name="Sha256">The content's SHA-256, lower-case hex: its name in the store, so a content is uploaded once.</param>
    /// <param name="Extension">"png", "jpg", "bmp" or "webp", from its content.</param>
    /// <param name="MediaType">"image/png" and alike, from its content.</param>
    public sealed record StagingImage(string Path, byte[] Bytes, string Sha256, string Extension, string MediaType)
    {
        /// <summary>A local image read already (its bytes and format known), ready to stage.</summary>
        public static StagingImage Of(ImageInput image)
        {
            var bytes = image.Bytes ?? throw new ArgumentException("Only an image read from a file can be staged.", nameof(image));
            using var sha = SHA256.Create();
            var hash = BitConverter.ToString(sha.ComputeHash(bytes)).Replace("-", string.Empty).ToLowerInvariant();
            var format = image.Info?.Format.ToString().ToLowerInvariant() ?? "bin";
            return new StagingImage(image.Value, bytes, hash, format == "jpeg" ? "jpg" : format, image.Info?.MediaType ?? "application/octet-stream");
        }
    }

    /// <summary>An image in the store.</summary>
    /// <param name="Location">Its address without a query (no SAS): what tasks and the journal keep.</param>
    /// <param name="ReadUrl">The URL the gateway fetches (a read-only SAS for a blob): given to the gateway only.</param>
    /// <param name="Uploaded">False when its content was in the store already and was reused.</param>
    public sealed record StagedImage(string Location, Uri ReadUrl, bool Uploaded);

    /// <summary>A store as people see it.</summary>
    /// <param name="Kind">"AzureBlob" or "ScriptBlock".</param>
    /// <param name="Account">The storage account's name; null for a script block.</param>
    /// <param name="Container">The container's name; null for a script block.</param>
    /// <param name="Location">The container's address without a query; null for a script block.</param>
    /// <param name="UrlLifetime">How long a read URL given to a gateway lasts; null where the uploader decides.</param>
    /// <param name="Credential">"AccountKey" or "SasToken" for a container; "ScriptBlock" otherwise.</param>
    public sealed record ImageStoreInfo(string Kind, string? Account, string? Container, string? Location, TimeSpan? UrlLifetime, string Credential);
}
