using System;
using System.Collections.Concurrent;
using System.Net.Http;
using System.Threading;
using Azure.Storage.Blobs;
using NebulaVideo.Core.Http;
using NebulaVideo.Core.Storage;
using NebulaVideo.Tests.Shared;
using Xunit;
using static NebulaVideo.Core.Tests.AzureBlobImageStoreTests;

namespace NebulaVideo.Core.Tests
{
    /// <summary>
    /// The store on a container SAS, without the account key: it uploads with the user's write token and gives gateways
    /// the user's read token, which must be read-only and current, and which is the only token a gateway ever sees.
    /// </summary>
    public sealed class AzureBlobImageStoreSasTests
    {
        private static readonly ClientOptions Fast = ClientOptions.Default with
        {
            MaxReadRetries = 1, RetryBaseDelay = TimeSpan.FromMilliseconds(10), MaxRetryDelay = TimeSpan.FromMilliseconds(50),
        };

        private readonly ConcurrentQueue<string> _log = new ConcurrentQueue<string>();

        private static Uri ContainerUri(string container) => new Uri($"{TestStorage.BlobEndpoint}/{container}");

        private AzureBlobImageStore Store(string container, string write, string read) =>
            AzureBlobImageStore.FromContainerSas(ContainerUri(container), write, read, AzureBlobImageStore.DefaultUrlLifetime, Fast, _log.Enqueue);

        private static string NewContainer()
        {
            var name = TestStorage.NewName("sas");
            new BlobContainerClient(TestStorage.ConnectionString, name).Create();
            return name;
        }

        [StorageFact]
        public void Uploads_with_the_write_token_and_gives_the_gateway_the_read_token_only()
        {
            var container = NewContainer();
            var write = Sas(container, "cw");
            var read = Sas(container, "r");
            var store = Store(container, write, read);
            var image = Image();

            var staged = store.Stage(image, CancellationToken.None);

            Assert.True(staged.Uploaded);
            Assert.Equal(store.PlannedLocation(image), staged.Location);
            Assert.Equal(staged.Location + "?" + read, staged.ReadUrl.ToString());
            Assert.DoesNotContain(Signature(write), staged.ReadUrl.ToString());
            Assert.Equal(image.Bytes, new HttpClient().GetByteArrayAsync(staged.ReadUrl).Result);
            Assert.False(store.Stage(image, CancellationToken.None).Uploaded);

            Assert.Equal(new ImageStoreInfo("AzureBlob", TestStorage.AccountName, container, ContainerUri(container).ToString(), null, "SasToken"), store.Info);
            foreach (var shown in new[] { store.ToString(), store.Info.ToString() })
            {
                Assert.DoesNotContain(Signature(write), shown);
                Assert.DoesNotContain(Signature(read), shown);
            }
            foreach (var line in _log)
            {
                Assert.DoesNotContain("?", line);
                Assert.DoesNotContain("sig=", line, StringComparison.OrdinalIgnoreCase);
            }
        }

        [StorageFact]
        public void A_missing_container_the_token_cannot_create_is_reported_on_the_file()
        {
            var container = TestStorage.NewName("nosuch");
            // Minted for a container that is not there: a container SAS cannot create its container.
            var store = Store(container, Sas(container, "cw"), Sas(container, "r"));
            var image = Image();

            var error = Assert.Throws<NebulaVideoException>(() => store.Stage(image, CancellationToken.None));

            Assert.Same(ErrorIds.StorageContainerUnavailable, error.Id);
            Assert.Equal(image.Path, error.Target);
            Assert.Contains(ContainerUri(container).ToString(), error.Message);
            Assert.Contains("Create the container", error.RecommendedAction);
        }

        [StorageFact]
        public void A_write_token_for_another_container_is_access_denied()
        {
            var container = NewContainer();
            var other = NewContainer();
            var store = Store(container, Sas(other, "cw"), Sas(container, "r"));
            var image = Image();

            var error = Assert.Throws<NebulaVideoException>(() => store.Stage(image, CancellationToken.None));

            Assert.Same(ErrorIds.StorageAccessDenied, error.Id);
            Assert.Equal(image.Path, error.Target);
            Assert.Contains("write token", error.RecommendedAction);
        }

        private static string Signature(string token) =>
            Array.Find(token.Split('&'), p => p.StartsWith("sig=", StringComparison.Ordinal))!.Substring(4);
    }
}
