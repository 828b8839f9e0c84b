using System;
using System.Collections.Generic;
using System.IO;
using System.Net.Http;
using System.Threading;
using Azure;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Azure.Storage.Sas;
using NebulaVideo.Core.Http;
using NebulaOptions = NebulaVideo.Core.Http.ClientOptions;

namespace NebulaVideo.Core.Storage
{
    /// <summary>
    /// Everything of the image store that touches the Azure SDK, so that the SDK loads only once a store is made. Each
    /// method is ONE attempt of one storage call; its failures come out in the terms <see cref="Transient"/> knows
    /// (<see cref="StorageStatusException"/>, <see cref="HttpRequestException"/>, <see cref="AttemptTimeoutException"/>),
    /// and the store retries them with the read policy: the SDK's own retries are off, so there is one policy.
    /// </summary>
    internal sealed class BlobContainerAccess
    {
        private readonly BlobContainerClient _container;

        private BlobContainerAccess(BlobContainerClient container, string account, bool hasKey)
        {
            _container = container;
            Account = account;
            HasKey = hasKey;
            var uri = container.Uri;
            Location = uri.GetLeftPart(UriPartial.Path).TrimEnd('/');
        }

        public string Account { get; }
        public string Container => _container.Name;

        /// <summary>The container's address, without a query or a trailing slash.</summary>
        public string Location { get; }

        /// <summary>True when the store signs with the account key (it mints each blob's read SAS itself).</summary>
        public bool HasKey { get; }

        public bool IsHttps => _container.Uri.Scheme == Uri.UriSchemeHttps;

        /// <summary>A store on a connection string with an account key; null with the reason when it cannot be one.</summary>
        public static BlobContainerAccess? FromConnectionString(string connectionString, string container, NebulaOptions options, Action<string>? log, out string? problem)
        {
            problem = null;
            var policy = new StorageCallPolicy(log);
            BlobContainerClient client;
            try
            {
                client = new BlobContainerClient(connectionString, container, BlobOptions(options, policy));
            }
            catch (Exception ex) when (ex is FormatException || ex is ArgumentException || ex is InvalidOperationException || ex is UriFormatException)
            {
                // Not the SDK's message: it may quote the string it could not read.
                problem = "it is not an Azure Storage connection string (AccountName=...;AccountKey=...;EndpointSuffix=... or BlobEndpoint=...).";
                return null;
            }
            if (!client.CanGenerateSasUri)
            {
                problem = "it carries no account key (a SAS connection string, perhaps); give one with AccountKey=, or use a container SAS: a write token and a read token.";
                return null;
            }
            policy.Endpoint = client.Uri;
            return new BlobContainerAccess(client, client.AccountName, hasKey: true);
        }

        /// <summary>
        /// A container on a connection string with an account key, checked as every store checks one, without any network
        /// call: a string that is empty, is not a connection string, has no key, or names a plain-http endpoint elsewhere
        /// than this machine is StorageSettingInvalid, the container (or null) as target.
        /// </summary>
        public static BlobContainerAccess WithAccountKey(string connectionString, string container, object? target, NebulaOptions options, Action<string>? log)
        {
            if (string.IsNullOrWhiteSpace(connectionString))
                throw StoreSettings.Invalid("The storage connection string is empty.", target, "Give the storage account's connection string (the portal's Access keys, or az storage account show-connection-string).");
            var access = FromConnectionString(connectionString, container, options, log, out var problem)
                ?? throw StoreSettings.Invalid($"The storage connection string cannot be used: {problem}", target, "Copy the connection string again from the storage account's Access keys.");
            StoreSettings.CheckSecure(new Uri(access.Location), target ?? access.Account);
            return access;
        }

        /// <summary>A store on a container's address and a write SAS.</summary>
        public static BlobContainerAccess? FromContainerSas(Uri containerUri, string writeToken, NebulaOptions options, Action<string>? log, out string? problem)
        {
            problem = null;
            if (!TryContainerParts(containerUri, out var account))
            {
                problem = "it is not a container's address: give https://ACCOUNT.blob.core.windows.net/CONTAINER.";
                return null;
            }
            var policy = new StorageCallPolicy(log) { Endpoint = containerUri };
            var client = new BlobContainerClient(containerUri, new AzureSasCredential(writeToken), BlobOptions(options, policy));
            return new BlobContainerAccess(client, account, hasKey: false);
        }

        /// <summary>Whether the address names a container (and nothing under it), and the account it is in.</summary>
        private static bool TryContainerParts(Uri address, out string account)
        {
            account = string.Empty;
            try
            {
                var parts = new BlobUriBuilder(address);
                account = parts.AccountName ?? string.Empty;
                return !string.IsNullOrEmpty(parts.BlobContainerName) && string.IsNullOrEmpty(parts.BlobName);
            }
            catch (Exception ex) when (ex is FormatException || ex is ArgumentException)
            {
                return false;
            }
        }

        private static BlobClientOptions BlobOptions(NebulaOptions options, StorageCallPolicy policy) =>
            // Images are small; a body is sent with its request, never held back for a 100-continue.
            StorageCalls.Configure(new BlobClientOptions { Request100ContinueOptions = new Request100ContinueOptions { Mode = Request100ContinueMode.Never } },
                options, policy);

        /// <summary>Creates the container unless it exists; true when this call created it.</summary>
        public bool CreateContainerIfMissing(CancellationToken cancellation) =>
            StorageCalls.Attempt(() => _container.CreateIfNotExists(PublicAccessType.None, null, cancellation) is not null, cancellation);

        /// <summary>
        /// Puts the blob only if no blob has its name (If-None-Match: *). False when one had: its name is its content's
        /// hash, so it is the same image, kept and reused.
        /// </summary>
        public bool UploadIfAbsent(string blobName, byte[] bytes, string mediaType, CancellationToken cancellation) =>
            StorageCalls.Attempt(() =>
            {
                using var content = new MemoryStream(bytes, writable: false);
                try
                {
                    _container.GetBlockBlobClient(blobName).Upload(content, new BlobUploadOptions
                    {
                        HttpHeaders = new BlobHttpHeaders { ContentType = mediaType },
                        Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
                    }, cancellation);
                    return true;
                }
                catch (RequestFailedException ex) when (ex.Status == 412 || (ex.Status == 409 && (ex.ErrorCode is null || ex.ErrorCode == BlobErrorCode.BlobAlreadyExists.ToString())))
                {
                    Touch(blobName, cancellation);
                    return false;
                }
            }, cancellation);

        // A reused image is in use again: its last-written time moves to now (metadata only, the bytes stay), so
        // Remove-NebulaVideoStagedImage, which goes by that time, never deletes an image a new task still needs.
        // Best effort: a write token that may only create blobs cannot, and the upload still stands.
        private void Touch(string blobName, CancellationToken cancellation)
        {
            try
            {
                _container.GetBlobClient(blobName).SetMetadata(
                    new Dictionary<string, string> { ["nebulavideo_staged"] = DateTimeOffset.UtcNow.ToString("o", System.Globalization.CultureInfo.InvariantCulture) },
                    cancellationToken: cancellation);
            }
            catch (RequestFailedException ex) when (ex.Status == 403)
            {
            }
        }

        /// <summary>A service SAS for one blob, signed here with the account key: read only, from a little before now.</summary>
        public string MintReadQuery(string blobName, TimeSpan lifetime)
        {
            var now = DateTimeOffset.UtcNow;
            var sas = new BlobSasBuilder
            {
                BlobContainerName = _container.Name,
                BlobName = blobName,
                Resource = "b",
                // A gateway's clock may run behind ours.
                StartsOn = now - AzureBlobImageStore.ClockSkew,
                ExpiresOn = now + lifetime,
                Protocol = IsHttps ? SasProtocol.Https : SasProtocol.HttpsAndHttp,
            };
            sas.SetPermissions(BlobSasPermissions.Read);
            return _container.GetBlobClient(blobName).GenerateSasUri(sas).Query.TrimStart('?');
        }

        /// <summary>The blobs whose names start with <paramref name="prefix"/>, last changed before <paramref name="before"/>.</summary>
        public List<StagedBlob> List(string prefix, DateTimeOffset before, CancellationToken cancellation) =>
            StorageCalls.Attempt(() =>
            {
                var found = new List<StagedBlob>();
                foreach (var item in _container.GetBlobs(BlobTraits.None, BlobStates.None, prefix, cancellation))
                {
                    var modified = item.Properties.LastModified ?? DateTimeOffset.MinValue;
                    if (modified < before)
                        found.Add(new StagedBlob(item.Name, Location + "/" + item.Name, modified, item.Properties.ContentLength ?? 0));
                }
                return found;
            }, cancellation);

        /// <summary>Puts one block of a blob being written; it stays invisible until a commit names it.</summary>
        public bool StageBlock(string blobName, string blockId, byte[] buffer, int count, CancellationToken cancellation) =>
            StorageCalls.Attempt(() =>
            {
                using var content = new MemoryStream(buffer, 0, count, writable: false);
                _container.GetBlockBlobClient(blobName).StageBlock(blockId, content, null, cancellation);
                return true;
            }, cancellation);

        /// <summary>
        /// Makes the blob out of its staged blocks, or (no blocks) out of <paramref name="buffer"/> in one request: either
        /// way it appears whole or not at all. Unless <paramref name="overwrite"/>, only where no blob has its name yet
        /// (If-None-Match: *): null when one had. Returns when the blob was written.
        /// </summary>
        public DateTimeOffset? Commit(string blobName, IReadOnlyList<string> blockIds, byte[] buffer, int count, IDictionary<string, string> metadata,
            string mediaType, bool overwrite, CancellationToken cancellation) =>
            StorageCalls.Attempt<DateTimeOffset?>(() =>
            {
                var blob = _container.GetBlockBlobClient(blobName);
                var headers = new BlobHttpHeaders { ContentType = mediaType };
                var conditions = overwrite ? null : new BlobRequestConditions { IfNoneMatch = ETag.All };
                try
                {
                    if (blockIds.Count > 0)
                        return blob.CommitBlockList(blockIds, new CommitBlockListOptions { HttpHeaders = headers, Metadata = metadata, Conditions = conditions },
                            cancellation).Value.LastModified;
                    using var content = new MemoryStream(buffer, 0, count, writable: false);
                    return blob.Upload(content, new BlobUploadOptions { HttpHeaders = headers, Metadata = metadata, Conditions = conditions }, cancellation).Value.LastModified;
                }
                catch (RequestFailedException ex) when (!overwrite && (ex.Status == 412 || (ex.Status == 409 && (ex.ErrorCode is null || ex.ErrorCode == BlobErrorCode.BlobAlreadyExists.ToString()))))
                {
                    return null;
                }
            }, cancellation);

        /// <summary>The blob's size, last change and metadata; null when there is no such blob.</summary>
        public (long Length, DateTimeOffset LastModified, IDictionary<string, string> Metadata)? Properties(string blobName, CancellationToken cancellation) =>
            StorageCalls.Attempt<(long, DateTimeOffset, IDictionary<string, string>)?>(() =>
            {
                try
                {
                    var properties = _container.GetBlobClient(blobName).GetProperties(null, cancellation).Value;
                    return (properties.ContentLength, properties.LastModified, properties.Metadata);
                }
                catch (RequestFailedException ex) when (ex.Status == 404)
                {
                    return null;
                }
            }, cancellation);

        /// <summary>Deletes the blob (and its snapshots) if it is there; true when it was.</summary>
        public bool DeleteIfExists(string blobName, CancellationToken cancellation) =>
            StorageCalls.Attempt(() => _container.DeleteBlobIfExists(blobName, DeleteSnapshotsOption.IncludeSnapshots, null, cancellation).Value, cancellation);
    }
}
