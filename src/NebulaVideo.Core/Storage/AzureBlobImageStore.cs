using System;
using System.Collections.Generic;
using System.Text.RegularExpressions;
using System.Threading;
using NebulaVideo.Core.Http;
using Polly;

namespace NebulaVideo.Core.Storage
{
    /// <summary>
    /// The image store in the user's own Azure Blob container. A local image goes in once, named by its content's hash
    /// (<see cref="BlobPrefix"/>&lt;sha256&gt;.&lt;ext&gt;), so two rows or a rerun with the same image upload it once; the
    /// gateway gets a read-only SAS URL of that one blob. With an account key the store signs each blob's URL itself; with
    /// a container SAS it uploads with the write token and hands the gateway the read token.
    /// </summary>
    /// <remarks>
    /// Nothing here names an Azure SDK type (they live in BlobContainerAccess), so the SDK loads only when a store is
    /// made. No key, token or connection string is ever in <see cref="Info"/>, <see cref="ToString"/>, a message or a
    /// verbose line, and the key and the write token only ever go to the storage endpoint.
    /// </remarks>
    public sealed class AzureBlobImageStore : IImageStore
    {
        /// <summary>Where in the container staged images go: the one folder <see cref="ListStaged"/> looks in.</summary>
        public const string BlobPrefix = "nebulavideo/";

        /// <summary>How long a gateway's read URL lasts unless the user says otherwise.</summary>
        public static readonly TimeSpan DefaultUrlLifetime = TimeSpan.FromHours(24);

        /// <summary>The longest a read URL may last: a week, as long as Azure lets a user delegation SAS last.</summary>
        public static readonly TimeSpan MaxUrlLifetime = TimeSpan.FromDays(7);

        /// <summary>How far before now a minted read URL starts, for a gateway whose clock runs behind.</summary>
        internal static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

        private static readonly Regex Hash = new Regex("^[0-9a-f]{64}$", RegexOptions.CultureInvariant);
        private static readonly Regex Extension = new Regex("^[a-z0-9]{1,8}$", RegexOptions.CultureInvariant);

        private readonly BlobContainerAccess _access;
        private readonly SasToken? _readToken;
        private readonly SasToken? _writeToken;
        private readonly TimeSpan _lifetime;
        private readonly ResiliencePipeline _retry;
        private readonly StorageFailures _failures;
        private readonly Action<string>? _log;
        private readonly object _gate = new object();
        private bool _containerReady;

        private AzureBlobImageStore(BlobContainerAccess access, TimeSpan lifetime, SasToken? writeToken, SasToken? readToken, ClientOptions options, Action<string>? log)
        {
            _access = access;
            _lifetime = lifetime;
            _writeToken = writeToken;
            _readToken = readToken;
            _log = log;
            _retry = ReadRetry.Create(options, log);
            _failures = new StorageFailures(access.Location, access.HasKey, options);
            // With a read token the gateway's URL lasts as long as that token, whatever lifetime was asked for.
            Info = new ImageStoreInfo("AzureBlob", access.Account.Length == 0 ? null : access.Account, access.Container, access.Location,
                access.HasKey ? lifetime : (TimeSpan?)null,
                access.HasKey ? "AccountKey" : "SasToken");
        }

        /// <summary>
        /// A store on a connection string with an account key (AccountName=...;AccountKey=...): it creates the container
        /// when missing and signs a read-only service SAS for each blob (sp=r, sr=b, from a few minutes ago until
        /// <paramref name="urlLifetime"/> from now). The endpoint must be https, or http on this machine (Azurite).
        /// </summary>
        public static AzureBlobImageStore FromConnectionString(string connectionString, string container, TimeSpan urlLifetime, ClientOptions options, Action<string>? log)
        {
            StoreSettings.CheckLifetime(urlLifetime);
            StoreSettings.CheckContainerName(container);
            return new AzureBlobImageStore(BlobContainerAccess.WithAccountKey(connectionString, container, container, options, log), urlLifetime, null, null, options, log);
        }

        /// <summary>
        /// A store on a container's address and two SAS tokens of the user's: <paramref name="writeSasToken"/> uploads
        /// (it must allow create or write) and goes only to the storage endpoint; <paramref name="readSasToken"/> is what
        /// gateways get beside each blob's address, so it must grant read and nothing else (sp=r) and be for the container.
        /// Neither may have expired. A read URL lasts as long as the read token: <paramref name="urlLifetime"/> is what
        /// <see cref="Info"/> says, and a read token that ends sooner is said with the log.
        /// </summary>
        public static AzureBlobImageStore FromContainerSas(Uri containerUri, string writeSasToken, string readSasToken, TimeSpan urlLifetime, ClientOptions options, Action<string>? log)
        {
            StoreSettings.CheckLifetime(urlLifetime);
            if (containerUri is null || !containerUri.IsAbsoluteUri)
                throw StoreSettings.Invalid("The container address is not an absolute URL.", null, "Give the container's address: https://ACCOUNT.blob.core.windows.net/CONTAINER.");
            var shown = containerUri.GetLeftPart(UriPartial.Path);
            if (containerUri.Query.Length > 0)
                throw StoreSettings.Invalid($"The container address {shown} carries a query; its tokens must be given apart.", shown,
                    "Give the address without '?...', the write token and the read token separately.");
            StoreSettings.CheckSecure(containerUri, shown);
            var write = SasToken.TryParse(writeSasToken)
                ?? throw StoreSettings.Invalid("The write token is not a SAS token (sv=...&sp=...&se=...&sig=...).", shown, "Mint a SAS for the container that allows create and write (sp=cw).");
            var read = SasToken.TryParse(readSasToken)
                ?? throw StoreSettings.Invalid("The read token is not a SAS token (sv=...&sp=r&se=...&sig=...).", shown, "Mint a read-only SAS for the container (sp=r).");
            StoreSettings.CheckNotExpired(write, "write", shown);
            StoreSettings.CheckNotExpired(read, "read", shown);
            if ((write.Permissions ?? string.Empty).IndexOfAny(new[] { 'c', 'w' }) < 0)
                throw StoreSettings.Invalid("The write token does not allow creating blobs (its sp has neither c nor w).", shown, "Mint a SAS for the container that allows create and write (sp=cw).");
            StoreSettings.CheckReadOnly(read, shown);
            var access = BlobContainerAccess.FromContainerSas(new Uri(shown), write.Query, options, log, out var problem)
                ?? throw StoreSettings.Invalid($"The container address {shown} cannot be used: {problem}", shown, "Give the container's address: https://ACCOUNT.blob.core.windows.net/CONTAINER.");
            var store = new AzureBlobImageStore(access, urlLifetime, write, read, options, log);
            if (read.ExpiresOn is DateTimeOffset end && end < DateTimeOffset.UtcNow + urlLifetime)
                log?.Invoke($"The read token expires at {end:u}, sooner than the URL lifetime ({urlLifetime}): gateways must fetch staged images before then.");
            return store;
        }

        public ImageStoreInfo Info { get; }

        /// <summary>The container's address, without a query.</summary>
        public string Location => _access.Location;

        /// <summary>The blob's address (without a query) that <see cref="Stage(StagingImage, Action{string}, CancellationToken)"/> will give this content: no network call.</summary>
        public string PlannedLocation(StagingImage image) => Location + "/" + BlobName(image);

        string? IImageStore.PlannedLocation(StagingImage image) => PlannedLocation(image);

        public StagedImage Stage(StagingImage image, CancellationToken cancellation) => Stage(image, null, cancellation);

        public StagedImage Stage(StagingImage image, Action<string>? log, CancellationToken cancellation)
        {
            using var calls = CallLog.With(log);
            if (image is null) throw new ArgumentNullException(nameof(image));
            var name = BlobName(image);
            var location = Location + "/" + name;
            var operation = $"the upload of {name}";
            CheckStillValid(image.Path);
            bool uploaded;
            try
            {
                EnsureContainer(image.Path, cancellation);
                try
                {
                    uploaded = Run($"PUT {location}", token => _access.UploadIfAbsent(name, image.Bytes, image.MediaType, token), cancellation);
                }
                catch (StorageStatusException missing) when (missing.Status == 404)
                {
                    // The container went away (or, with a SAS, was never there): make it once more, then upload again.
                    lock (_gate) _containerReady = false;
                    CreateContainer(operation, image.Path, cancellation);
                    uploaded = Run($"PUT {location}", token => _access.UploadIfAbsent(name, image.Bytes, image.MediaType, token), cancellation);
                }
            }
            catch (Exception ex) when (_failures.Describe(ex, operation, image.Path, ErrorIds.StorageUploadFailed) is { } error)
            {
                throw error;
            }
            var said = uploaded ? $"Staged {image.Path} as {location}." : $"{image.Path} is in the store already as {location}; reusing it.";
            _log?.Invoke(said);
            log?.Invoke(said);
            var query = _readToken?.Query ?? _access.MintReadQuery(name, _lifetime);
            return new StagedImage(location, new Uri(location + "?" + query), uploaded);
        }

        /// <summary>
        /// Makes sure the container is there: with an account key it is created when missing; with a SAS nothing can be
        /// checked before the first upload, which creates it if the write token allows. <see cref="Stage(StagingImage, Action{string}, CancellationToken)"/> does this
        /// before its first upload; a caller may do it earlier to find a wrong key or address at once.
        /// </summary>
        public void EnsureContainer(CancellationToken cancellation) => EnsureContainer(Location, cancellation);

        /// <summary>
        /// The staged images (under <see cref="BlobPrefix"/>) last changed before <paramref name="modifiedBefore"/>: what a
        /// clean-up may delete. With a SAS, the write token must allow list (l).
        /// </summary>
        public IReadOnlyList<StagedBlob> ListStaged(DateTimeOffset modifiedBefore, CancellationToken cancellation) =>
            Guarded($"the listing of {BlobPrefix}", Location,
                () => Run($"GET {Location} (list {BlobPrefix})", token => _access.List(BlobPrefix, modifiedBefore, token), cancellation));

        /// <summary>
        /// Deletes one staged image (a name from <see cref="ListStaged"/>); false when it was gone already. Only names
        /// under <see cref="BlobPrefix"/> are taken. With a SAS, the write token must allow delete (d).
        /// </summary>
        public bool DeleteStaged(string blobName, CancellationToken cancellation)
        {
            if (blobName is null || !blobName.StartsWith(BlobPrefix, StringComparison.Ordinal) || blobName.Length == BlobPrefix.Length
                || blobName.IndexOf("..", StringComparison.Ordinal) >= 0 || blobName.IndexOfAny(new[] { '?', '#', '\\' }) >= 0)
                throw new ArgumentException($"Only a staged image's name ({BlobPrefix}...) can be deleted.", nameof(blobName));
            var location = Location + "/" + blobName;
            return Guarded($"the deletion of {blobName}", location,
                () => Run($"DELETE {location}", token => _access.DeleteIfExists(blobName, token), cancellation));
        }

        public override string ToString() => $"AzureBlob {Location} ({Info.Credential}; read URLs last {_lifetime})";

        private void EnsureContainer(object target, CancellationToken cancellation)
        {
            lock (_gate)
            {
                if (_containerReady) return;
                // With a SAS the first upload finds out (and creates it on a 404, if the token may).
                if (_access.HasKey)
                    Guarded("the creation of the container", target, () => CreateContainer("the creation of the container", target, cancellation));
                _containerReady = true;
            }
        }

        private bool CreateContainer(string operation, object target, CancellationToken cancellation)
        {
            try
            {
                var created = Run($"PUT {Location} (create container)", _access.CreateContainerIfMissing, cancellation);
                if (created) _log?.Invoke($"Created the container {Location}.");
                lock (_gate) _containerReady = true;
                return created;
            }
            catch (StorageStatusException refused) when (!_access.HasKey && refused.Status is 403 or 404 or 409)
            {
                throw _failures.ContainerMissing(operation, target, refused);
            }
        }

        private T Guarded<T>(string operation, object target, Func<T> call)
        {
            try
            {
                return call();
            }
            catch (Exception ex) when (_failures.Describe(ex, operation, target, ErrorIds.StorageRequestFailed) is { } error)
            {
                throw error;
            }
        }

        /// <summary>One storage call through the read retry policy (the one definition of transient).</summary>
        private T Run<T>(string operation, Func<CancellationToken, T> attempt, CancellationToken cancellation) =>
            _retry.Run(operation, attempt, cancellation);

        private void CheckStillValid(string file)
        {
            foreach (var (token, which) in new[] { (_writeToken, "write"), (_readToken, "read") })
                if (token?.ExpiresOn is DateTimeOffset end && end <= DateTimeOffset.UtcNow)
                    throw new NebulaVideoException(ErrorIds.StorageTokenExpired, $"The {which} token of the image store expired at {end:u}.", file,
                        "Mint a new SAS for the container and register the store again (Connect-NebulaVideoStorage).");
        }

        private static string BlobName(StagingImage image)
        {
            if (image is null) throw new ArgumentNullException(nameof(image));
            if (image.Sha256 is null || !Hash.IsMatch(image.Sha256)) throw new ArgumentException("Sha256 must be 64 lower-case hex digits.", nameof(image));
            if (image.Extension is null || !Extension.IsMatch(image.Extension)) throw new ArgumentException("Extension must be a few lower-case letters or digits.", nameof(image));
            return BlobPrefix + image.Sha256 + "." + image.Extension;
        }
    }

    /// <summary>A staged image in the container, as <see cref="AzureBlobImageStore.ListStaged"/> finds it.</summary>
    /// <param name="Name">Its name in the container ("nebulavideo/&lt;sha256&gt;.png"): what DeleteStaged takes.</param>
    /// <param name="Location">Its address, without a query.</param>
    /// <param name="LastModified">When it was uploaded (or last changed).</param>
    /// <param name="Size">Its length in bytes.</param>
    public sealed record StagedBlob(string Name, string Location, DateTimeOffset LastModified, long Size);
}
