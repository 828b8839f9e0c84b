using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using NebulaVideo.Core.Http;
using NebulaVideo.Core.Storage;
using NebulaVideo.Tests.Shared;
using Xunit;
using static NebulaVideo.Core.Tests.AzureBlobImageStoreTests;

namespace NebulaVideo.Core.Tests
{
    /// <summary>
    /// The store when the network or the service fails: retried by the one read policy (the SDK retries nothing
    /// itself), then said as an error on the file with what to do.
    /// </summary>
    public sealed class AzureBlobImageStoreFaultTests
    {
        // Small delays, so the retries run in milliseconds.
        private static readonly ClientOptions Fast = ClientOptions.Default with
        {
            MaxReadRetries = 2, RetryBaseDelay = TimeSpan.FromMilliseconds(10), MaxRetryDelay = TimeSpan.FromMilliseconds(50), RequestTimeout = TimeSpan.FromSeconds(10),
        };

        private const string Key = "c2VjcmV0LWFjY291bnQta2V5LXRoYXQtbXVzdC1uZXZlci1iZS1zaG93bg==";

        private readonly ConcurrentQueue<string> _log = new ConcurrentQueue<string>();

        private AzureBlobImageStore Store(int port, ClientOptions options, string account = "devstoreaccount1", string key = Key, string container = "faults") =>
            AzureBlobImageStore.FromConnectionString($"DefaultEndpointsProtocol=http;AccountName={account};AccountKey={key};BlobEndpoint=http://127.0.0.1:{port}/{account};",
                container, AzureBlobImageStore.DefaultUrlLifetime, options, _log.Enqueue);

        [Fact]
        public void A_port_nothing_listens_on_is_unreachable_after_the_retries()
        {
            var port = ClosedPort();
            var image = Image();
            var clock = Stopwatch.StartNew();

            var error = Assert.Throws<NebulaVideoException>(() => Store(port, Fast).Stage(image, CancellationToken.None));

            Assert.Same(ErrorIds.StorageUnreachable, error.Id);
            Assert.Equal(ErrorKind.ConnectionError, error.Kind);
            Assert.Equal(image.Path, error.Target);
            Assert.Contains($"127.0.0.1:{port}", error.Message);
            Assert.Contains("3 attempts", error.Message);
            Assert.Equal(2, _log.Count(line => line.Contains("; retry ", StringComparison.Ordinal)));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
            Assert.DoesNotContain(Key, error.ToString());
        }

        [Fact]
        public void A_server_that_never_answers_is_given_up_on_after_the_request_timeout_of_each_attempt()
        {
            using var silent = new TcpListener(IPAddress.Loopback, 0);
            silent.Start(); // accepts connections (the backlog does) and never answers
            var port = ((IPEndPoint)silent.LocalEndpoint).Port;
            var image = Image();
            var clock = Stopwatch.StartNew();

            var error = Assert.Throws<NebulaVideoException>(() =>
                Store(port, Fast with { MaxReadRetries = 1, RequestTimeout = TimeSpan.FromMilliseconds(300) }).Stage(image, CancellationToken.None));

            Assert.Same(ErrorIds.StorageTimeout, error.Id);
            Assert.Equal(ErrorKind.OperationTimeout, error.Kind);
            Assert.Equal(image.Path, error.Target);
            Assert.Contains("2 attempts", error.Message);
            Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(550), TimeSpan.FromSeconds(10));
        }

        [Fact]
        public void Cancelling_while_the_server_is_silent_stops_at_once_as_a_cancellation()
        {
            using var silent = new TcpListener(IPAddress.Loopback, 0);
            silent.Start();
            using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
            var clock = Stopwatch.StartNew();

            Assert.ThrowsAny<OperationCanceledException>(() =>
                Store(((IPEndPoint)silent.LocalEndpoint).Port, Fast with { RequestTimeout = TimeSpan.FromSeconds(30) }).Stage(Image(), cancel.Token));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        }

        [StorageFact]
        public void Transient_answers_are_retried_with_the_one_read_policy_and_the_sdk_retries_nothing_itself()
        {
            using var proxy = new FaultyProxy(new Uri(TestStorage.BlobEndpoint));
            var store = Store(proxy.Port, Fast, TestStorage.AccountName, TestStorage.AccountKey, TestStorage.NewName("flaky"));
            store.EnsureContainer(CancellationToken.None);

            proxy.FailNext(2);
            var staged = store.Stage(Image(), CancellationToken.None);
            Assert.True(staged.Uploaded);
            Assert.Equal(2, proxy.Faulted);
            Assert.Equal(2, _log.Count(line => line.Contains("HTTP 503; retry", StringComparison.Ordinal)));

            proxy.FailNext(3); // more than MaxReadRetries (2) allows
            var other = Image();
            var error = Assert.Throws<NebulaVideoException>(() => store.Stage(other, CancellationToken.None));
            Assert.Same(ErrorIds.StorageUploadFailed, error.Id);
            Assert.Equal(other.Path, error.Target);
            Assert.Contains("503", error.Message);
            Assert.Contains("3 attempts", error.Message);
            Assert.Equal(5, proxy.Faulted);

            proxy.FailNext(1);
            proxy.Status = 400; // not transient: given up at once
            Assert.Same(ErrorIds.StorageUploadFailed, Assert.Throws<NebulaVideoException>(() => store.Stage(Image(), CancellationToken.None)).Id);
            Assert.Equal(6, proxy.Faulted);
        }
    }
}
