using System;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using NebulaVideo.Core.Catalog;
using NebulaVideo.Core.Connections;
using NebulaVideo.Core.Http;
using NebulaVideo.Core.Images;
using NebulaVideo.Core.Gateways;
using NebulaVideo.Core.Gateways.Nebula;
using NebulaVideo.Core.Downloads;
using NebulaVideo.Core.Tasks;
using NebulaVideo.Emulator;
using Xunit;

namespace NebulaVideo.Core.Tests
{
    /// <summary>The client over real HTTP on loopback, against the emulator.</summary>
    public sealed class NebulaClientTests : IAsyncLifetime
    {
        private const string Key = "sk-core-tests";
        private static readonly ClientOptions Quick = new() { RetryBaseDelay = TimeSpan.FromMilliseconds(20) };
        private EmulatorServer _emulator = null!;

        public async Task InitializeAsync() =>
            _emulator = await EmulatorServer.StartAsync(new EmulatorOptions { PhaseDuration = TimeSpan.FromMilliseconds(150) });

        public async Task DisposeAsync() => await _emulator.DisposeAsync();

        [Fact]
        public async Task A_wan_video_is_fetched_from_its_signed_link_without_the_key()
        {
            var client = Client(Key);
            var task = await client.SubmitAsync(WanRequest(), Model("wan2.5-i2v-preview"), CancellationToken.None);
            Assert.Equal((VideoStatus.Queued, 0.369m), (task.Status, task.EstimatedCostUsd));

            task = await UntilFinished(client, task);
            Assert.Equal(VideoStatus.Succeeded, task.Status);
            Assert.Equal(_emulator.StorageUri.Authority, task.VideoUrl!.Authority);
            var video = new MemoryStream();
            var written = await client.DownloadAsync(task, video, null, CancellationToken.None);

            Assert.Equal(_emulator.VideoBytes(task.TaskId), video.ToArray());
            Assert.Equal(video.Length, written);
            Assert.All(_emulator.Requests.Where(r => r.Origin == "gateway"), r => Assert.Equal("Bearer " + Key, r.Authorization));
            Assert.Null(Assert.Single(_emulator.Requests, r => r.Origin == "storage").Authorization);
        }

        [Fact]
        public async Task A_sora_video_is_decoded_from_the_base64_download()
        {
            var client = Client(Key);
            var request = ModelCatalog.BuiltIn.Resolve(new VideoRequest { Model = "sora-2", Prompt = "a boat", Duration = 12 });
            var task = await UntilFinished(client, await client.SubmitAsync(request, Model("sora-2"), CancellationToken.None));
            var video = new MemoryStream();
            await client.DownloadAsync(task, video, null, CancellationToken.None);
            Assert.Equal(_emulator.VideoBytes(task.TaskId), video.ToArray());
            Assert.Equal(1.2m, task.EstimatedCostUsd);
        }

        [Theory]
        [InlineData("bad-key", 401, "InvalidApiKey")]
        [InlineData("sk-emulator-noquota", 403, "InsufficientQuota")]
        [InlineData("sk-emulator-ratelimit", 429, "Throttling.RateLimit")]
        [InlineData("sk-emulator-error", 500, "InternalError")]
        public async Task A_refused_create_surfaces_the_providers_code_and_only_a_throttled_one_is_sent_again(string key, int status, string code)
        {
            var client = new GatewayClient(Connection(key), Quick with { MaxThrottledCreateRetries = 1 });
            var ex = await Assert.ThrowsAsync<GatewayException>(() => client.SubmitAsync(WanRequest(), Model("wan2.5-i2v-preview"), CancellationToken.None));
            Assert.Equal((status, code), (ex.HttpStatus, ex.ProviderCode));
            // 429 means refused unread, so it alone is worth sending again (after Retry-After); anything else may have created the task.
            Assert.Equal(status == 429 ? 2 : 1, _emulator.Requests.Count(r => r.Method == "POST"));
            if (status == 429) Assert.Equal(TimeSpan.FromSeconds(1), ex.RetryAfter);
        }

        [Fact]
        public async Task A_sora_key_error_uses_the_second_error_shape()
        {
            var request = ModelCatalog.BuiltIn.Resolve(new VideoRequest { Model = "sora-2", Prompt = "p" });
            var ex = await Assert.ThrowsAsync<GatewayException>(() => Client("bad-key").SubmitAsync(request, Model("sora-2"), CancellationToken.None));
            Assert.Equal(("invalid_api_key", "Invalid API key"), (ex.ProviderCode, ex.ProviderMessage));
        }

        [Fact]
        public async Task A_throttled_create_and_a_read_that_fails_transiently_both_go_through_in_the_end()
        {
            var client = Client("sk-emulator-flaky");
            var task = await client.SubmitAsync(WanRequest(), Model("wan2.5-i2v-preview"), CancellationToken.None);
            var read = await client.GetTaskAsync(task, CancellationToken.None);
            Assert.Equal(task.TaskId, read.TaskId);
            Assert.Equal(2, _emulator.Requests.Count(r => r.Method == "POST")); // a 429, then the task
            Assert.Equal(1, _emulator.SubmissionCount);
            Assert.Equal(2, _emulator.Requests.Count(r => r.Method == "GET")); // a 503, then the answer
        }

        [Fact]
        public async Task Reads_give_up_after_the_configured_retries()
        {
            var client = new GatewayClient(Connection("sk-emulator-error"), Quick with { MaxReadRetries = 2 });
            var ex = await Assert.ThrowsAsync<GatewayException>(() => client.GetTaskAsync(new VideoTask { TaskId = "video_x" }, CancellationToken.None));
            Assert.Equal(500, ex.HttpStatus);
            Assert.Equal(3, _emulator.Requests.Count(r => r.Method == "GET"));
        }

        [Fact]
        public async Task An_unknown_task_is_not_found()
        {
            var ex = await Assert.ThrowsAsync<GatewayException>(() => Client(Key).GetTaskAsync(new VideoTask { TaskId = "video_nope" }, CancellationToken.None));
            Assert.Equal(("GatewayTaskNotFound", ErrorKind.ObjectNotFound), (ex.Id.Name, ex.Kind));
        }

        [Fact]
        public async Task An_expired_video_cannot_be_downloaded()
        {
            var client = Client(Key);
            var task = await UntilFinished(client, await client.SubmitAsync(WanRequest(), Model("wan2.5-i2v-preview"), CancellationToken.None));
            _emulator.ExpireTask(task.TaskId);

            var stale = await Assert.ThrowsAsync<NebulaVideoException>(() => client.DownloadAsync(task, new MemoryStream(), null, CancellationToken.None));
            Assert.Equal("VideoExpired", stale.Id.Name);
            var fresh = await client.GetTaskAsync(task, CancellationToken.None);
            Assert.Equal(VideoStatus.Expired, fresh.Status);
            Assert.Equal("VideoExpired", (await Assert.ThrowsAsync<NebulaVideoException>(() => client.DownloadAsync(fresh, new MemoryStream(), null, CancellationToken.None))).Id.Name);
        }

        [Fact]
        public async Task The_waiter_follows_several_tasks_at_once()
        {
            // The tasks stay running until the clock is moved, so all of them being read proves they are followed together.
            var clock = new ManualClock();
            await using var emulator = await EmulatorServer.StartAsync(new EmulatorOptions { PhaseDuration = TimeSpan.FromMinutes(1), Clock = clock });
            var client = new GatewayClient(new GatewayConnection(Dialects.Nebula, emulator.GatewayUri, GatewayConnection.SecureKey(Key), "test"), Quick);
            using var waiter = new TaskWaiter(TimeSpan.FromMilliseconds(50), 4, CancellationToken.None);
            var ids = new System.Collections.Generic.List<string>();
            for (var i = 0; i < 3; i++)
            {
                var task = await client.SubmitAsync(WanRequest(), Model("wan2.5-i2v-preview"), CancellationToken.None);
                ids.Add(task.TaskId);
                waiter.Add(task, client.GetTaskAsync);
            }

            int Reads(string id) => emulator.Requests.Count(r => r.Method == "GET" && r.PathAndQuery.EndsWith(id));
            for (var i = 0; i < 600 && ids.Any(id => Reads(id) < 2); i++) await Task.Delay(50);
            Assert.All(ids, id => Assert.True(Reads(id) >= 2, $"Task {id} was not being followed."));
            Assert.False(waiter.IsDone);

            clock.Advance(TimeSpan.FromMinutes(2));
            var finished = new System.Collections.Generic.List<string>();
            while (!waiter.IsDone)
                if (waiter.TryTake(TimeSpan.FromSeconds(10), CancellationToken.None, out var e) && e!.Kind == WaitEventKind.Finished) finished.Add(e.Task.TaskId);
            Assert.Equal(ids.OrderBy(id => id), finished.OrderBy(id => id));
        }

        [Fact]
        public void Plain_http_is_refused_except_on_loopback()
        {
            var ex = Assert.Throws<NebulaVideoException>(() => new GatewayConnection(Dialects.Nebula, new Uri("http://gateway.example.invalid"), GatewayConnection.SecureKey("sk-x"), "test"));
            Assert.Equal("BaseUriInsecure", ex.Id.Name);
            Assert.Equal(new Uri("http://127.0.0.1:5080/api/"), new GatewayConnection(Dialects.Nebula, new Uri("http://127.0.0.1:5080/api"), GatewayConnection.SecureKey("sk-x"), "test").BaseUri);
        }

        [Fact]
        public void A_connection_never_shows_its_key() =>
            Assert.DoesNotContain("sk-secret", new GatewayConnection(Dialects.Nebula, new Uri("https://llm.ai-nebula.com"), GatewayConnection.SecureKey("sk-secret"), "test").ToString());

        [Fact]
        public async Task An_answer_larger_than_the_limit_is_refused_not_read_into_memory()
        {
            // A loopback server of our own that answers a status read with 2 MB of "JSON".
            var (listener, port) = StartLoopbackListener();
            using var _ = listener;
            var serving = Task.Run(async () =>
            {
                var context = await listener.GetContextAsync();
                var huge = System.Text.Encoding.ASCII.GetBytes("{\"pad\":\"" + new string('x', 2 * 1024 * 1024) + "\"}");
                context.Response.ContentType = "application/json";
                await context.Response.OutputStream.WriteAsync(huge);
                context.Response.Close();
            });
            var client = new GatewayClient(new GatewayConnection(Dialects.Nebula, new Uri($"http://127.0.0.1:{port}/"), GatewayConnection.SecureKey("sk-x"), "test"),
                Quick with { MaxResponseBytes = 1024 * 1024, MaxReadRetries = 0 });

            var ex = await Assert.ThrowsAsync<NebulaVideoException>(() => client.GetTaskAsync(new VideoTask { TaskId = "t" }, CancellationToken.None));

            Assert.Equal("ResponseTooLarge", ex.Id.Name);
            await serving.WaitAsync(TimeSpan.FromSeconds(10)).ContinueWith(_ => { });
        }

        /// <summary>
        /// An HttpListener on a free loopback port. It cannot bind port 0, so a port is found first; another process
        /// may take it before the listener binds, hence a few tries.
        /// </summary>
        private static (System.Net.HttpListener Listener, int Port) StartLoopbackListener()
        {
            for (var attempt = 1; ; attempt++)
            {
                var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
                probe.Start();
                var port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
                probe.Stop();
                var listener = new System.Net.HttpListener();
                listener.Prefixes.Add($"http://127.0.0.1:{port}/");
                try
                {
                    listener.Start();
                    return (listener, port);
                }
                catch (System.Net.HttpListenerException) when (attempt < 5)
                {
                    listener.Close();
                }
            }
        }

        private async Task<VideoTask> UntilFinished(GatewayClient client, VideoTask task)
        {
            for (var i = 0; i < 100 && !task.IsFinished; i++)
            {
                await Task.Delay(50);
                task = await client.GetTaskAsync(task, CancellationToken.None);
            }
            return task;
        }

        private GatewayClient Client(string key) => new(Connection(key), Quick);

        private GatewayConnection Connection(string key) => new(Dialects.Nebula, _emulator.GatewayUri, GatewayConnection.SecureKey(key), "test");

        private static VideoRequest WanRequest() => ModelCatalog.BuiltIn.Resolve(new VideoRequest
        {
            Prompt = "waves", Image = ImageInput.FromFile(Seed.RepoFile("samples", "stills", "harbor.png"), 5 << 20),
        });

        private static ModelInfo Model(string name) => ModelCatalog.BuiltIn.Get(name);
    }
}
