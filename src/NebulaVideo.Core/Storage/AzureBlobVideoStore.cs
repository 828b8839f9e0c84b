using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using NebulaVideo.Core.Http;
using Polly;

namespace NebulaVideo.Core.Storage
{
    /// <summary>
    /// Finished videos saved into a blob container of the user's: each streamed from its download into a block blob,
    /// which appears whole, checked and labelled with its task, or not at all. Like <see cref="AzureBlobImageStore"/>,
    /// nothing here names an Azure SDK type, and no key, token or connection string is in any message or object.
    /// </summary>
    public sealed class AzureBlobVideoStore
    {
        /// <summary>The blob metadata that names the task a video blob came from: how a rerun knows its own video.</summary>
        public const string TaskMetadata = "nebulavideo_task";

        private const string MediaType = "video/mp4";

        private readonly BlobContainerAccess _access;
        private readonly ResiliencePipeline _retry;
        private readonly StorageFailures _failures;
        private readonly object _gate = new object();
        private bool _containerReady;

        private AzureBlobVideoStore(BlobContainerAccess access, ClientOptions options, Action<string>? log)
        {
            _access = access;
            _retry = ReadRetry.Create(options, log);
            _failures = new StorageFailures(access.Location, access.HasKey, options);
        }

        /// <summary>The container <paramref name="container"/> on the account of a connection string with an account key; created on the first save if missing.</summary>
        public static AzureBlobVideoStore FromConnectionString(string connectionString, string container, ClientOptions options, Action<string>? log)
        {
            StoreSettings.CheckContainerName(container);
            return new AzureBlobVideoStore(BlobContainerAccess.WithAccountKey(connectionString, container, container, options, log), options, log);
        }

        /// <summary>The account of a connection string videos can be saved with; StorageSettingInvalid for one they cannot, without any network call.</summary>
        public static string AccountOf(string connectionString) =>
            BlobContainerAccess.WithAccountKey(connectionString, "nebulavideo", null, ClientOptions.Default, null).Account;

        /// <summary>The container's account.</summary>
        public string Account => _access.Account;

        /// <summary>
        /// A container reached by its address and a SAS that may create and write blobs (sp=cw; with r, a rerun also
        /// recognises the videos it saved before).
        /// </summary>
        public static AzureBlobVideoStore FromContainerSas(Uri containerUri, string writeSasToken, ClientOptions options, Action<string>? log)
        {
            var shown = containerUri.GetLeftPart(UriPartial.Path);
            StoreSettings.CheckSecure(containerUri, shown);
            var write = SasToken.TryParse(writeSasToken)
                ?? throw StoreSettings.Invalid("The write token is not a SAS token (sv=...&sp=...&se=...&sig=...).", shown, "Mint a SAS for the container that allows create and write (sp=cw).");
            StoreSettings.CheckNotExpired(write, "write", shown);
            var access = BlobContainerAccess.FromContainerSas(new Uri(shown), write.Query, options, log, out var problem)
                ?? throw StoreSettings.Invalid($"The container address {shown} cannot be used: {problem}", shown, "Give the container's address: https://ACCOUNT.blob.core.windows.net/CONTAINER.");
            return new AzureBlobVideoStore(access, options, log);
        }

        /// <summary>The container's name.</summary>
        public string Container => _access.Container;

        /// <summary>The container's address, without a query.</summary>
        public string Location => _access.Location;

        /// <summary>A blob's address in this container, without a query.</summary>
        public Uri UriOf(string blobName) => new Uri(Location + "/" + blobName);

        /// <summary>The name of the blob at <paramref name="address"/> when it is in this container; null otherwise.</summary>
        public string? NameAt(string? address) =>
            address is not null && address.StartsWith(Location + "/", StringComparison.Ordinal) && address.Length > Location.Length + 1
                ? Uri.UnescapeDataString(address.Substring(Location.Length + 1)) : null;

        /// <summary>
        /// The blob of that name, if there is one (its size, last change and the task its metadata names); null when
        /// there is none, or when a SAS without read permission cannot see (the save's own condition still guards it).
        /// </summary>
        public VideoBlob? Find(string blobName, CancellationToken cancellation)
        {
            try
            {
                var found = Call($"HEAD {UriOf(blobName)}", $"the lookup of {blobName}", UriOf(blobName), token => _access.Properties(blobName, token), cancellation);
                return found is { } blob ? Describe(blobName, blob.Length, blob.LastModified, blob.Metadata) : null;
            }
            catch (NebulaVideoException denied) when (denied.Id == ErrorIds.StorageAccessDenied && !_access.HasKey)
            {
                return null;
            }
        }

        /// <summary>
        /// Saves a video as the blob <paramref name="blobName"/>: <paramref name="write"/> streams it (from the start
        /// again on each attempt) into blocks staged as they fill; only a video of the length written that starts like an
        /// MP4 is committed, with its task in the metadata. Unless <paramref name="overwrite"/>, a blob of that name is
        /// never replaced: one that names the same task is this save's own (a rerun, or a peer process that saved it first)
        /// and is returned; any other is <see cref="ErrorIds.VideoBlobExists"/>.
        /// </summary>
        public async Task<VideoBlob> WriteAsync(string blobName, string taskId, bool overwrite, Func<Stream, CancellationToken, Task> write,
            CancellationToken cancellation)
        {
            var location = UriOf(blobName);
            var upload = $"the upload of {blobName}";
            EnsureContainer(upload, cancellation);
            // The download's own failures go on as they are; only the storage calls' are storage errors.
            using var blocks = new BlockUploadStream((id, buffer, count) =>
                Call($"PUT {location} (block)", upload, location, token => _access.StageBlock(blobName, id, buffer, count, token), cancellation));
            await write(blocks, cancellation).ConfigureAwait(false);
            if (!blocks.StartsLikeMp4)
                throw new NebulaVideoException(ErrorIds.DownloadNotMp4, "The downloaded data is not an MP4 video, so no blob was made.", location.ToString(),
                    "Try again; if it persists, the gateway's answer has changed.");
            blocks.Finish();
            var metadata = new Dictionary<string, string> { [TaskMetadata] = taskId };
            var commit = $"PUT {location} ({(blocks.BlockIds.Count == 0 ? "whole" : $"commit {blocks.BlockIds.Count} blocks")})";
            DateTimeOffset? Commit() => Call(commit, upload, location,
                token => _access.Commit(blobName, blocks.BlockIds, blocks.Pending, blocks.PendingCount, metadata, MediaType, overwrite, token), cancellation);
            var modified = Commit();
            var there = modified is null ? Find(blobName, cancellation) : null;
            if (modified is null && there is null && blocks.BlockIds.Count == 0)
            {
                // Refused, yet no blob is there: blocks an interrupted save left uncommitted under this name can stop a
                // single-request upload (Azurite does), never a commit of blocks; so the video goes as one block.
                blocks.Finish(asBlocks: true);
                modified = Commit();
                there = modified is null ? Find(blobName, cancellation) : null;
            }
            if (modified is DateTimeOffset at) return new VideoBlob(Container, blobName, location, blocks.Length, at, taskId);
            // Someone made the blob meanwhile: the same task's video from a peer (or from this very commit, whose answer
            // was lost and retried) is the save done; anything else is kept.
            return there?.TaskId == taskId ? there : throw Exists(blobName, there);
        }

        /// <summary>The error for a blob that is in the way and is not this task's video.</summary>
        public NebulaVideoException Exists(string blobName, VideoBlob? there) =>
            new NebulaVideoException(ErrorIds.VideoBlobExists,
                $"The blob {UriOf(blobName)} already exists{(there?.TaskId is { } other ? $" (the video of task {other})" : string.Empty)}.",
                UriOf(blobName).ToString(), "Use -Force to overwrite it, -SkipSaved to keep it, or another -NameTemplate.");

        private VideoBlob Describe(string blobName, long length, DateTimeOffset modified, IDictionary<string, string> metadata) =>
            new VideoBlob(Container, blobName, UriOf(blobName), length, modified, metadata.TryGetValue(TaskMetadata, out var task) ? task : null);

        private void EnsureContainer(string operation, CancellationToken cancellation)
        {
            lock (_gate)
            {
                // With a SAS the container must be there already: the first storage call's 404 says so.
                if (_containerReady || !_access.HasKey) return;
                Call($"PUT {Location} (create container)", operation, Location, _access.CreateContainerIfMissing, cancellation);
                _containerReady = true;
            }
        }

        /// <summary>One storage call through the read retry; what is left of its failure is the user's error, the cause inside.</summary>
        private T Call<T>(string call, string operation, object target, Func<CancellationToken, T> attempt, CancellationToken cancellation)
        {
            try
            {
                return _retry.Run(call, attempt, cancellation);
            }
            catch (Exception ex) when (_failures.Describe(ex, operation, target.ToString(), ErrorIds.StorageUploadFailed) is { } error)
            {
                throw error;
            }
        }

        public override string ToString() => $"AzureBlob {Location} (videos)";
    }

    /// <summary>A video saved in a blob container, as Save-NebulaVideo -Container reports it.</summary>
    /// <param name="Container">The container's name.</param>
    /// <param name="Name">The blob's name in it ("cat.mp4", "a/b/cat.mp4").</param>
    /// <param name="Uri">The blob's address, without any SAS.</param>
    /// <param name="Length">Its size in bytes.</param>
    /// <param name="LastModified">When it was written.</param>
    /// <param name="TaskId">The task whose video it is (from the blob's metadata for one found there).</param>
    public sealed record VideoBlob(string Container, string Name, Uri Uri, long Length, DateTimeOffset LastModified, string? TaskId)
    {
        /// <summary>The task's model: set by Save-NebulaVideo from the task.</summary>
        public string? Model { get; init; }

        /// <summary>The image the video was made from: set by Save-NebulaVideo from the task.</summary>
        public string? SourceImage { get; init; }
    }
}
