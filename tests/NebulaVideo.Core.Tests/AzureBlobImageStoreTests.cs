using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Threading;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Sas;
using NebulaVideo.Core.Http;
using NebulaVideo.Core.Storage;
using NebulaVideo.Tests.Shared;
using Xunit;

namespace NebulaVideo.Core.Tests
{
    /// <summary>
    /// The Azure Blob image store against Azurite over real HTTP: what is uploaded, the read URL a gateway gets, what is
    /// refused before anything is sent, and what a failing account looks like to the user.
    /// </summary>
    public sealed class AzureBlobImageStoreTests
    {
        // Small delays, so the retries run in milliseconds.
        private static readonly ClientOptions Fast = ClientOptions.Default with
        {
            MaxReadRetries = 2, RetryBaseDelay = TimeSpan.FromMilliseconds(10), MaxRetryDelay = TimeSpan.FromMilliseconds(50), RequestTimeout = TimeSpan.FromSeconds(10),
        };

        private static readonly HttpClient Plain = new HttpClient();

        private readonly ConcurrentQueue<string> _log = new ConcurrentQueue<string>();

        private AzureBlobImageStore Store(string container, TimeSpan? lifetime = null, ClientOptions? options = null, string? connectionString = null) =>
            AzureBlobImageStore.FromConnectionString(connectionString ?? TestStorage.ConnectionString!, container, lifetime ?? AzureBlobImageStore.DefaultUrlLifetime,
                options ?? Fast, _log.Enqueue);

        internal static StagingImage Image(string? path = null)
        {
            var bytes = new byte[200];
            RandomNumberGenerator.Fill(bytes);
            new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }.CopyTo(bytes, 0);
            var hash = Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant();
            return new StagingImage(path ?? Path.Combine(Path.GetTempPath(), "frame-" + hash.Substring(0, 8) + ".png"), bytes, hash, "png", "image/png");
        }

        private static BlobContainerClient Container(string name) => new BlobContainerClient(TestStorage.ConnectionString, name);

        private static Dictionary<string, string> Query(Uri url) =>
            url.Query.TrimStart('?').Split('&').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => Uri.UnescapeDataString(p[1]));

        [StorageFact]
        public void The_first_stage_uploads_and_gives_a_read_only_url_of_that_one_blob_that_a_plain_client_can_fetch()
        {
            var container = TestStorage.NewName("stage");
            var store = Store(container, TimeSpan.FromHours(3));
            var image = Image();

            var staged = store.Stage(image, CancellationToken.None);

            Assert.True(staged.Uploaded);
            Assert.Equal($"{store.Location}/nebulavideo/{image.Sha256}.png", staged.Location);
            Assert.DoesNotContain("?", staged.Location);
            Assert.Equal(staged.Location, staged.ReadUrl.GetLeftPart(UriPartial.Path));
            using (var answer = Plain.GetAsync(staged.ReadUrl).Result)
            {
                Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
                Assert.Equal(image.Bytes, answer.Content.ReadAsByteArrayAsync().Result);
                Assert.Equal("image/png", answer.Content.Headers.ContentType?.MediaType);
            }
            var sas = Query(staged.ReadUrl);
            Assert.Equal("r", sas["sp"]);
            Assert.Equal("b", sas["sr"]);
            // http too only for an emulator on this machine.
            Assert.Equal(store.Location.StartsWith("https:", StringComparison.Ordinal) ? "https" : "https,http", sas["spr"]);
            Assert.InRange(DateTimeOffset.Parse(sas["se"]), DateTimeOffset.UtcNow.AddHours(3).AddMinutes(-2), DateTimeOffset.UtcNow.AddHours(3).AddMinutes(1));
            Assert.InRange(DateTimeOffset.Parse(sas["st"]), DateTimeOffset.UtcNow.AddMinutes(-10), DateTimeOffset.UtcNow.AddMinutes(-1));
            // The read URL reads; it writes nothing.
            using var put = new HttpRequestMessage(HttpMethod.Put, staged.ReadUrl) { Content = new ByteArrayContent(new byte[] { 1 }) };
            put.Headers.Add("x-ms-blob-type", "BlockBlob");
            using var refused = Plain.SendAsync(put).Result;
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }

        [StorageFact]
        public void The_same_content_staged_again_is_reused_not_uploaded_twice()
        {
            var store = Store(TestStorage.NewName("again"));
            var image = Image();

            var first = store.Stage(image, CancellationToken.None);
            var second = store.Stage(image with { Path = "/elsewhere/same-content.png" }, CancellationToken.None);

            Assert.True(first.Uploaded);
            Assert.False(second.Uploaded);
            Assert.Equal(first.Location, second.Location);
            Assert.Equal(image.Bytes, Plain.GetByteArrayAsync(second.ReadUrl).Result);
        }

        [StorageFact]
        public void A_blob_already_under_that_name_is_reused_and_never_overwritten()
        {
            var name = TestStorage.NewName("preexisting");
            var image = Image();
            var existing = Container(name);
            existing.Create();
            existing.GetBlobClient($"nebulavideo/{image.Sha256}.png").Upload(new BinaryData(new byte[] { 1, 2, 3 }));

            var staged = Store(name).Stage(image, CancellationToken.None);

            Assert.False(staged.Uploaded);
            Assert.Equal(new byte[] { 1, 2, 3 }, Plain.GetByteArrayAsync(staged.ReadUrl).Result);
        }

        [StorageFact]
        public void The_planned_location_is_where_the_image_lands_and_needs_no_network()
        {
            var image = Image();
            var offline = Store("planned", connectionString: $"DefaultEndpointsProtocol=http;AccountName={TestStorage.AccountName};AccountKey={TestStorage.AccountKey};BlobEndpoint=http://127.0.0.1:{ClosedPort()}/{TestStorage.AccountName};");
            Assert.Equal($"http://127.0.0.1:{new Uri(offline.Location).Port}/{TestStorage.AccountName}/planned/nebulavideo/{image.Sha256}.png", offline.PlannedLocation(image));
            Assert.Empty(_log);

            var store = Store(TestStorage.NewName("planned"));
            Assert.Equal(store.PlannedLocation(image), store.Stage(image, CancellationToken.None).Location);
            Assert.Equal(store.PlannedLocation(image), ((IImageStore)store).PlannedLocation(image));
        }

        [StorageFact]
        public void A_missing_container_is_created()
        {
            var name = TestStorage.NewName("created");
            Assert.False(Container(name).Exists().Value);

            Store(name).Stage(Image(), CancellationToken.None);

            Assert.True(Container(name).Exists().Value);
            Assert.Equal(PublicAccessType.None, Container(name).GetProperties().Value.PublicAccess ?? PublicAccessType.None);
            Assert.Contains(_log, line => line.StartsWith("Created the container ", StringComparison.Ordinal));
        }

        [StorageFact]
        public void What_the_store_shows_of_itself_names_the_container_and_never_the_key()
        {
            var name = TestStorage.NewName("info");
            var store = Store(name, TimeSpan.FromHours(5));

            Assert.Equal(new ImageStoreInfo("AzureBlob", TestStorage.AccountName, name, $"{TestStorage.BlobEndpoint}/{name}", TimeSpan.FromHours(5), "AccountKey"), store.Info);
            Assert.DoesNotContain(TestStorage.AccountKey, store.ToString());
            Assert.DoesNotContain(TestStorage.AccountKey, store.Info.ToString());
            Assert.StartsWith("AzureBlob ", store.ToString());
        }

        [StorageFact]
        public void A_wrong_account_key_is_access_denied_on_the_file_and_no_key_is_said()
        {
            var wrongKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(64));
            var connection = $"DefaultEndpointsProtocol=http;AccountName={TestStorage.AccountName};AccountKey={wrongKey};BlobEndpoint={TestStorage.BlobEndpoint};";
            var image = Image();

            var error = Assert.Throws<NebulaVideoException>(() => Store(TestStorage.NewName("wrongkey"), connectionString: connection).Stage(image, CancellationToken.None));

            Assert.Same(ErrorIds.StorageAccessDenied, error.Id);
            Assert.Equal(ErrorKind.PermissionDenied, error.Kind);
            Assert.Equal(image.Path, error.Target);
            Assert.Contains("403", error.Message);
            Assert.Contains("account key", error.RecommendedAction);
            foreach (var secret in new[] { wrongKey, TestStorage.AccountKey })
            {
                Assert.DoesNotContain(secret, error.ToString());
                Assert.DoesNotContain(secret, error.RecommendedAction);
                Assert.DoesNotContain(_log, line => line.Contains(secret));
            }
        }

        [StorageFact]
        public void A_cancelled_stage_stops_as_a_cancellation_not_as_a_storage_error()
        {
            using var cancelled = new CancellationTokenSource();
            cancelled.Cancel();
            Assert.ThrowsAny<OperationCanceledException>(() => Store(TestStorage.NewName("cancel")).Stage(Image(), cancelled.Token));
        }

        [StorageFact]
        public void Each_storage_call_is_said_without_its_query_or_signature()
        {
            var store = Store(TestStorage.NewName("logged"));
            var staged = store.Stage(Image(), CancellationToken.None);
            store.Stage(Image(), CancellationToken.None);
            store.ListStaged(DateTimeOffset.UtcNow.AddMinutes(1), CancellationToken.None);

            Assert.Contains(_log, line => line.StartsWith($"PUT {staged.Location}: 201", StringComparison.Ordinal) && line.EndsWith(" ms", StringComparison.Ordinal));
            Assert.Contains(_log, line => line.StartsWith($"GET {store.Location}: 200", StringComparison.Ordinal));
            foreach (var line in _log)
            {
                Assert.DoesNotContain("?", line);
                Assert.DoesNotContain("sig=", line, StringComparison.OrdinalIgnoreCase);
                Assert.DoesNotContain(TestStorage.AccountKey, line);
            }
        }

        [StorageFact]
        public void Old_staged_images_are_listed_and_deleted_and_nothing_else_is()
        {
            var name = TestStorage.NewName("cleanup");
            var store = Store(name);
            var a = store.Stage(Image(), CancellationToken.None);
            var b = store.Stage(Image(), CancellationToken.None);
            Container(name).GetBlobClient("other/keep.png").Upload(new BinaryData(new byte[] { 7 }));

            Assert.Empty(store.ListStaged(DateTimeOffset.UtcNow.AddHours(-1), CancellationToken.None));
            var old = store.ListStaged(DateTimeOffset.UtcNow.AddMinutes(1), CancellationToken.None);
            Assert.Equal(new[] { a.Location, b.Location }.OrderBy(x => x), old.Select(x => x.Location).OrderBy(x => x));
            Assert.All(old, blob => Assert.StartsWith(AzureBlobImageStore.BlobPrefix, blob.Name));
            Assert.All(old, blob => Assert.Equal(200, blob.Size));

            Assert.True(store.DeleteStaged(old[0].Name, CancellationToken.None));
            Assert.False(store.DeleteStaged(old[0].Name, CancellationToken.None));
            Assert.Single(store.ListStaged(DateTimeOffset.UtcNow.AddMinutes(1), CancellationToken.None));
            Assert.Throws<ArgumentException>(() => store.DeleteStaged("other/keep.png", CancellationToken.None));
            Assert.Throws<ArgumentException>(() => store.DeleteStaged("nebulavideo/../other/keep.png", CancellationToken.None));
            Assert.True(Container(name).GetBlobClient("other/keep.png").Exists().Value);
        }

        /// <summary>A loopback port with nothing listening on it (bound, then let go).</summary>
        internal static int ClosedPort()
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            return port;
        }

        /// <summary>A SAS of the test's own for the container: what a user mints in the portal or with the az CLI.</summary>
        internal static string Sas(string container, string permissions, DateTimeOffset? expires = null)
        {
            var sas = new BlobSasBuilder { BlobContainerName = container, Resource = "c", ExpiresOn = expires ?? DateTimeOffset.UtcNow.AddHours(2), Protocol = SasProtocol.HttpsAndHttp };
            sas.SetPermissions(permissions);
            return Container(container).GenerateSasUri(sas).Query.TrimStart('?');
        }
    }
}
