using System;
using System.Collections.Concurrent;
using NebulaVideo.Core.Http;
using NebulaVideo.Core.Storage;
using Xunit;

namespace NebulaVideo.Core.Tests
{
    /// <summary>
    /// What an image store refuses to be made with, before any network call: a URL lifetime out of range, a
    /// connection string it cannot use, an endpoint in clear text, a read token a gateway should not hold, an expired
    /// token. No refusal repeats the key or a token.
    /// </summary>
    public sealed class AzureBlobImageStoreSettingsTests
    {
        private const string Key = "c2VjcmV0LWFjY291bnQta2V5LXRoYXQtbXVzdC1uZXZlci1iZS1zaG93bg==";
        private const string Address = "https://acct.blob.core.windows.net/box";

        // Well-formed tokens that no request ever carries.
        private const string Write = "sv=2025-01-05&sr=c&sp=cw&se=2099-01-01T00%3A00%3A00Z&sig=d3JpdGUtc2lnbmF0dXJl";
        private const string Read = "sv=2025-01-05&sr=c&sp=r&se=2099-01-01T00%3A00%3A00Z&sig=cmVhZC1zaWduYXR1cmU%3D";

        private readonly ConcurrentQueue<string> _log = new ConcurrentQueue<string>();

        private AzureBlobImageStore FromKey(string connectionString, string container = "box", double hours = 24) =>
            AzureBlobImageStore.FromConnectionString(connectionString, container, TimeSpan.FromHours(hours), ClientOptions.Default, _log.Enqueue);

        private AzureBlobImageStore FromSas(string write = Write, string read = Read, string address = Address) =>
            AzureBlobImageStore.FromContainerSas(new Uri(address), write, read, AzureBlobImageStore.DefaultUrlLifetime, ClientOptions.Default, _log.Enqueue);

        private NebulaVideoException Refused(Func<object> make, ErrorId id)
        {
            var error = Assert.Throws<NebulaVideoException>(() => make());
            Assert.Same(id, error.Id);
            Assert.Equal(ErrorKind.InvalidArgument, error.Kind);
            Assert.False(string.IsNullOrEmpty(error.RecommendedAction));
            foreach (var secret in new[] { Key, "d3JpdGUtc2lnbmF0dXJl", "cmVhZC1zaWduYXR1cmU", "c2VjcmV0" })
            {
                Assert.DoesNotContain(secret, error.Message);
                Assert.DoesNotContain(secret, error.RecommendedAction);
                Assert.DoesNotContain(secret, error.Target?.ToString() ?? string.Empty);
            }
            Assert.Empty(_log);
            return error;
        }

        [Theory]
        [InlineData(0.0)]
        [InlineData(-1.0)]
        [InlineData(24 * 7 + 0.01)]
        [InlineData(24 * 30)]
        public void A_url_lifetime_of_nothing_or_past_a_week_is_refused(double hours)
        {
            var error = Refused(() => FromKey($"DefaultEndpointsProtocol=https;AccountName=acct;AccountKey={Key};EndpointSuffix=core.windows.net", hours: hours), ErrorIds.StorageSettingInvalid);
            Assert.Contains("7 days", error.Message);
            Refused(() => AzureBlobImageStore.FromContainerSas(new Uri(Address), Write, Read, TimeSpan.FromHours(hours), ClientOptions.Default, _log.Enqueue), ErrorIds.StorageSettingInvalid);
        }

        [Fact]
        public void A_week_exactly_is_taken_and_shown_without_the_key()
        {
            var store = FromKey($"DefaultEndpointsProtocol=https;AccountName=acct;AccountKey={Key};EndpointSuffix=core.windows.net", hours: 24 * 7);
            Assert.Equal(new ImageStoreInfo("AzureBlob", "acct", "box", Address, TimeSpan.FromDays(7), "AccountKey"), store.Info);
            Assert.DoesNotContain(Key, store.ToString());
            Assert.Equal($"{Address}/nebulavideo/{new string('a', 64)}.webp",
                store.PlannedLocation(new StagingImage("/x.webp", new byte[1], new string('a', 64), "webp", "image/webp")));
        }

        [Theory]
        [InlineData("not a connection string")]
        [InlineData("BlobEndpoint=https://acct.blob.core.windows.net;SharedAccessSignature=sv=2025-01-05&sp=rwl&sig=c2VjcmV0")] // no key
        [InlineData("DefaultEndpointsProtocol=http;AccountName=acct;AccountKey=" + Key + ";EndpointSuffix=core.windows.net")] // clear text
        [InlineData("DefaultEndpointsProtocol=http;AccountName=acct;AccountKey=" + Key + ";BlobEndpoint=http://10.0.0.5:10000/acct")] // clear text, not this machine
        public void A_connection_string_that_cannot_be_used_safely_is_refused_without_being_repeated(string connectionString) =>
            Refused(() => FromKey(connectionString), ErrorIds.StorageSettingInvalid);

        [Theory]
        [InlineData("Box")]
        [InlineData("a")]
        [InlineData("two--hyphens")]
        [InlineData("DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=" + Key)] // arguments swapped
        public void A_name_azure_would_not_take_for_a_container_is_refused(string container) =>
            Refused(() => FromKey($"DefaultEndpointsProtocol=https;AccountName=acct;AccountKey={Key};EndpointSuffix=core.windows.net", container), ErrorIds.StorageSettingInvalid);

        [Theory]
        [InlineData("rw")]
        [InlineData("rl")]
        [InlineData("racwdl")]
        [InlineData("w")]
        [InlineData("rd")]
        public void A_read_token_that_grants_anything_but_read_is_refused(string permissions)
        {
            var error = Refused(() => FromSas(read: Read.Replace("sp=r&", $"sp={permissions}&")), ErrorIds.StorageReadTokenTooBroad);
            Assert.Contains($"'{permissions}'", error.Message);
        }

        [Fact]
        public void An_account_sas_for_reading_is_refused_too_it_reaches_the_whole_account() =>
            Refused(() => FromSas(read: "sv=2025-01-05&ss=b&srt=sco&sp=r&se=2099-01-01T00%3A00%3A00Z&sig=c2VjcmV0"), ErrorIds.StorageReadTokenTooBroad);

        [Theory]
        [InlineData("sv=2025-01-05&sr=c&se=2099-01-01T00%3A00%3A00Z&sig=c2VjcmV0")] // no permission named
        [InlineData("sv=2025-01-05&sr=b&sp=r&se=2099-01-01T00%3A00%3A00Z&sig=c2VjcmV0")] // one blob's, not the container's
        [InlineData("sv=2025-01-05&sr=c&sp=r")] // no signature
        [InlineData("")]
        public void A_read_token_that_cannot_read_the_stores_blobs_is_refused(string read) =>
            Refused(() => FromSas(read: read), ErrorIds.StorageSettingInvalid);

        [Theory]
        [InlineData("read")]
        [InlineData("write")]
        public void An_expired_token_is_refused(string which)
        {
            var expired = "se=2001-01-01T00%3A00%3A00Z";
            var error = Refused(() => which == "read" ? FromSas(read: Read.Replace("se=2099-01-01T00%3A00%3A00Z", expired)) : FromSas(write: Write.Replace("se=2099-01-01T00%3A00%3A00Z", expired)),
                ErrorIds.StorageTokenExpired);
            Assert.Contains($"The {which} token expired at 2001-01-01", error.Message);
        }

        [Theory]
        [InlineData("sv=2025-01-05&sr=c&sp=rl&se=2099-01-01T00%3A00%3A00Z&sig=c2VjcmV0")] // cannot create blobs
        [InlineData("sp=cw&se=2099-01-01&sig=")] // no signature
        public void A_write_token_that_cannot_upload_is_refused(string write) =>
            Refused(() => FromSas(write: write), ErrorIds.StorageSettingInvalid);

        [Theory]
        [InlineData("https://acct.blob.core.windows.net/box?sv=2025-01-05&sp=r&sig=c2VjcmV0")] // tokens given apart, never in the address
        [InlineData("http://acct.blob.core.windows.net/box")] // clear text off this machine
        [InlineData("https://acct.blob.core.windows.net/")] // no container
        [InlineData("https://acct.blob.core.windows.net/box/some/blob.png")] // a blob, not a container
        public void An_address_that_is_not_a_secure_container_address_is_refused(string address) =>
            Refused(() => FromSas(address: address), ErrorIds.StorageSettingInvalid);

        [Fact]
        public void A_container_sas_store_shows_its_container_and_no_token()
        {
            var store = FromSas();
            Assert.Equal(new ImageStoreInfo("AzureBlob", "acct", "box", Address, null, "SasToken"), store.Info);
            Assert.DoesNotContain("sig", store.ToString());
        }
    }
}
