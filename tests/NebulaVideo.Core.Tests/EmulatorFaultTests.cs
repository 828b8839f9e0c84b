using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using NebulaVideo.Emulator;
using Xunit;

namespace NebulaVideo.Core.Tests
{
    /// <summary>
    /// The emulator's fault plan does exactly what each kind promises, and only when asked: the reliability tests of
    /// the client (retries, never paying twice, no broken file) prove nothing if the faults they survive are not real.
    /// </summary>
    public sealed class EmulatorFaultTests
    {
        private const string Key = "sk-test";
        private const string WanBody = "{\"model\":\"wan2.5-i2v-preview\",\"prompt\":\"kitten\",\"image\":\"https://example.com/cat.jpg\"}";
        private const string SoraBody = "{\"model\":\"sora-2\",\"prompt\":\"kitten\"}";
        private const string UnifiedBody = "{\"model\":\"wan2.5-image-to-video\",\"prompt\":\"kitten\",\"image_urls\":[\"https://example.com/cat.jpg\"]}";
        private static readonly TimeSpan Phase = TimeSpan.FromMinutes(1);

        private static FaultPlan Always(FaultKind kind, bool creates = false, bool reads = true) =>
            new() { Rate = 1, Kinds = new[] { kind }, Creates = creates, Reads = reads };

        [Theory]
        [InlineData("nebula", FaultKind.TooManyRequests, 429, "Request frequency too high")]
        [InlineData("nebula", FaultKind.ServerError, 500, "Internal Server Error")]
        [InlineData("nebula", FaultKind.BadGateway, 502, "Internal Server Error")] // no documented 502: the 500 body
        [InlineData("nebula", FaultKind.Unavailable, 503, "Service temporarily unavailable")]
        [InlineData("unified", FaultKind.TooManyRequests, 429, "rate_limit_error")]
        [InlineData("unified", FaultKind.ServerError, 500, "internal_server_error")]
        [InlineData("unified", FaultKind.BadGateway, 502, "upstream_error")]
        [InlineData("unified", FaultKind.Unavailable, 503, "service_unavailable_error")]
        public async Task A_status_fault_answers_its_status_in_the_dialects_error_body(string dialect, FaultKind kind, int status, string word)
        {
            await using var rig = await Rig.StartAsync(Always(kind));
            var id = await rig.CreateAsync(dialect);

            using var response = await rig.SendAsync(HttpMethod.Get, rig.StatusUri(dialect, id));
            var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

            Assert.Equal(status, (int)response.StatusCode);
            if (dialect == "nebula")
            {
                Assert.Equal("fail_to_fetch_task", body.GetProperty("code").GetString());
                Assert.Equal(word, JsonDocument.Parse(body.GetProperty("message").GetString()!).RootElement.GetProperty("message").GetString());
            }
            else
            {
                Assert.Equal(status, body.GetProperty("error").GetProperty("code").GetInt32());
                Assert.Equal(word, body.GetProperty("error").GetProperty("type").GetString());
            }
            // Retry-After: 0 on a throttle only, so a client that honours it retries at once.
            Assert.Equal(kind == FaultKind.TooManyRequests ? "0" : null, response.Headers.RetryAfter?.Delta?.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(1, rig.Emulator.FaultCounts.GetValueOrDefault(kind));
        }

        [Fact]
        public async Task Reads_include_the_sora_download_and_the_storage_host_and_can_be_left_alone()
        {
            await using var rig = await Rig.StartAsync(Always(FaultKind.ServerError));
            var sora = await rig.CreateAsync("sora");
            var wan = await rig.CreateAsync("nebula");
            rig.Clock.Advance(Phase * 2);

            using var download = await rig.SendAsync(HttpMethod.Get, new Uri(rig.Emulator.GatewayUri, "v1/video/generations/download?id=" + sora));
            Assert.Equal(500, (int)download.StatusCode);
            Assert.Equal("internal_error", JsonDocument.Parse(await download.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("code").GetString());

            using var stored = await rig.Http.GetAsync(rig.Emulator.SignedVideoLink(wan));
            Assert.Equal(500, (int)stored.StatusCode);
            Assert.Contains("<Code>InternalError</Code>", await stored.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Equal(2, rig.Emulator.FaultsInjected);

            await using var calm = await Rig.StartAsync(Always(FaultKind.ServerError) with { Reads = false });
            var id = await calm.CreateAsync("unified");
            using var read = await calm.SendAsync(HttpMethod.Get, calm.StatusUri("unified", id));
            Assert.Equal(200, (int)read.StatusCode);
            Assert.Equal(0, calm.Emulator.FaultsInjected);
        }

        [Theory]
        [InlineData("nebula")]
        [InlineData("unified")]
        public async Task A_dropped_connection_is_a_network_error_before_any_answer(string dialect)
        {
            await using var rig = await Rig.StartAsync(Always(FaultKind.DropConnection));
            var id = await rig.CreateAsync(dialect);

            await Assert.ThrowsAsync<HttpRequestException>(() => rig.SendAsync(HttpMethod.Get, rig.StatusUri(dialect, id)));
            Assert.Equal(1, rig.Emulator.FaultCounts.GetValueOrDefault(FaultKind.DropConnection));
        }

        [Theory]
        [InlineData("nebula")]
        [InlineData("unified")]
        [InlineData("storage")]
        public async Task A_truncated_body_declares_its_full_length_and_breaks_while_it_is_read(string target)
        {
            await using var rig = await Rig.StartAsync(Always(FaultKind.TruncatedBody));
            var id = await rig.CreateAsync(target == "storage" ? "unified" : target);
            rig.Clock.Advance(Phase * 2);
            using var request = target == "storage"
                ? new HttpRequestMessage(HttpMethod.Get, rig.Emulator.SignedVideoLink(id))
                : rig.Request(HttpMethod.Get, rig.StatusUri(target, id));

            // Headers first: the fault must reach the client as a good start, not as a failed request.
            using var response = await rig.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(200, (int)response.StatusCode);
            var declared = response.Content.Headers.ContentLength;
            Assert.NotNull(declared);
            if (target == "storage") Assert.Equal(rig.Emulator.VideoBytes(id).Length, declared);

            var received = 0L;
            var error = await Record.ExceptionAsync(async () =>
            {
                await using var stream = await response.Content.ReadAsStreamAsync();
                var buffer = new byte[1024];
                int read;
                while ((read = await stream.ReadAsync(buffer)) > 0) received += read;
            });
            Assert.True(error is IOException or HttpRequestException, $"Reading the cut body ended with {error?.GetType().Name ?? "no error"}.");
            Assert.InRange(received, 0, declared!.Value - 1);
        }

        [Theory]
        [InlineData("storage")]
        [InlineData("unified")]
        public async Task A_slow_body_takes_its_time_and_arrives_whole(string target)
        {
            await using var rig = await Rig.StartAsync(Always(FaultKind.SlowBody));
            var id = await rig.CreateAsync("unified");
            rig.Clock.Advance(Phase * 2);
            using var request = target == "storage"
                ? new HttpRequestMessage(HttpMethod.Get, rig.Emulator.SignedVideoLink(id))
                : rig.Request(HttpMethod.Get, rig.StatusUri(target, id));

            var clock = Stopwatch.StartNew();
            using var response = await rig.Http.SendAsync(request);
            var body = await response.Content.ReadAsByteArrayAsync();
            clock.Stop();

            Assert.Equal(200, (int)response.StatusCode);
            Assert.Equal(body.Length, response.Content.Headers.ContentLength);
            if (target == "storage")
                Assert.Equal(rig.Emulator.VideoBytes(id), body);
            else
                Assert.Equal("completed", JsonDocument.Parse(body).RootElement.GetProperty("status").GetString());
            // The pauses add up to 1.5 s; a lower bound only, which no machine's speed can break.
            Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1), $"The slow body came in {clock.Elapsed}.");
        }

        [Theory]
        [InlineData("nebula")]
        [InlineData("sora")]
        [InlineData("unified")]
        public async Task A_lost_create_answer_creates_the_task_and_a_blind_retry_is_counted_as_paid_twice(string dialect)
        {
            await using var rig = await Rig.StartAsync(Always(FaultKind.LostCreateAnswer, creates: true));

            await Assert.ThrowsAsync<HttpRequestException>(() => rig.SendAsync(HttpMethod.Post, rig.CreateUri(dialect), Rig.CreateBody(dialect)));
            Assert.Equal(1, rig.Emulator.SubmissionCount);
            Assert.Equal(1, rig.Emulator.CreatedTaskCount);
            Assert.Equal(0, rig.Emulator.DuplicateSubmissionCount);

            // What a client must never do: the same body again, because it could not know the first one landed.
            await Assert.ThrowsAsync<HttpRequestException>(() => rig.SendAsync(HttpMethod.Post, rig.CreateUri(dialect), Rig.CreateBody(dialect)));
            Assert.Equal(2, rig.Emulator.CreatedTaskCount);
            Assert.Equal(1, rig.Emulator.DuplicateSubmissionCount);
            Assert.Equal(2, rig.Emulator.FaultCounts.GetValueOrDefault(FaultKind.LostCreateAnswer));
        }

        [Theory]
        [InlineData(FaultKind.ServerError)]
        [InlineData(FaultKind.TooManyRequests)]
        [InlineData(FaultKind.DropConnection)]
        public async Task A_create_faulted_before_the_work_creates_nothing(FaultKind kind)
        {
            await using var rig = await Rig.StartAsync(Always(kind, creates: true));

            var error = await Record.ExceptionAsync(async () =>
            {
                using var response = await rig.SendAsync(HttpMethod.Post, rig.CreateUri("unified"), UnifiedBody);
                Assert.NotEqual(200, (int)response.StatusCode);
            });
            Assert.True(error is null or HttpRequestException, $"Unexpected {error}");
            Assert.Equal(0, rig.Emulator.SubmissionCount);
            Assert.Equal(1, rig.Emulator.FaultsInjected);
        }

        [Fact]
        public async Task Creates_are_left_alone_unless_the_plan_asks()
        {
            await using var rig = await Rig.StartAsync(Always(FaultKind.ServerError));
            using var response = await rig.SendAsync(HttpMethod.Post, rig.CreateUri("nebula"), WanBody);
            Assert.Equal(200, (int)response.StatusCode);
            Assert.Equal(0, rig.Emulator.FaultsInjected);
        }

        [Theory]
        [InlineData("nebula")]
        [InlineData("unified")]
        public async Task A_just_created_task_answers_404_once_then_as_usual(string dialect)
        {
            await using var rig = await Rig.StartAsync(Always(FaultKind.NotFoundOnce));
            var id = await rig.CreateAsync(dialect);

            using var first = await rig.SendAsync(HttpMethod.Get, rig.StatusUri(dialect, id));
            Assert.Equal(404, (int)first.StatusCode);
            var body = JsonDocument.Parse(await first.Content.ReadAsStringAsync()).RootElement;
            if (dialect == "nebula")
                Assert.Equal("TaskNotExist", JsonDocument.Parse(body.GetProperty("message").GetString()!).RootElement.GetProperty("code").GetString());
            else
                Assert.Equal("task_not_found", body.GetProperty("error").GetProperty("code").GetString());

            for (var read = 0; read < 2; read++)
            {
                using var again = await rig.SendAsync(HttpMethod.Get, rig.StatusUri(dialect, id));
                Assert.Equal(200, (int)again.StatusCode);
            }
            Assert.Equal(1, rig.Emulator.FaultsInjected);
            Assert.Equal(1, rig.Emulator.FaultCounts.GetValueOrDefault(FaultKind.NotFoundOnce));
        }

        [Theory]
        [InlineData("nebula")]
        [InlineData("unified")]
        public async Task A_hang_never_answers_until_the_client_gives_up(string dialect)
        {
            await using var rig = await Rig.StartAsync(Always(FaultKind.Hang));
            var id = await rig.CreateAsync(dialect);
            using var cancel = new CancellationTokenSource();
            using var request = rig.Request(HttpMethod.Get, rig.StatusUri(dialect, id));

            var pending = rig.Http.SendAsync(request, cancel.Token);
            Assert.NotSame(pending, await Task.WhenAny(pending, Task.Delay(500)));
            cancel.Cancel();

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);
            Assert.Equal(1, rig.Emulator.FaultCounts.GetValueOrDefault(FaultKind.Hang));
        }

        [Theory]
        [InlineData("nebula")]
        [InlineData("unified")]
        public async Task An_expired_link_is_refused_once_and_the_next_status_read_hands_out_a_fresh_one(string dialect)
        {
            await using var rig = await Rig.StartAsync(Always(FaultKind.ExpiredLink));
            var id = await rig.CreateAsync(dialect);
            rig.Clock.Advance(Phase * 2);

            var stale = await rig.LinkAsync(dialect, id);
            using var refused = await rig.Http.GetAsync(stale);
            Assert.Equal(403, (int)refused.StatusCode);
            var xml = await refused.Content.ReadAsStringAsync();
            Assert.Contains("<Code>AccessDenied</Code>", xml, StringComparison.Ordinal);
            Assert.Contains("Request has expired", xml, StringComparison.Ordinal);

            var fresh = await rig.LinkAsync(dialect, id);
            Assert.NotEqual(Signature(stale), Signature(fresh));
            using var served = await rig.Http.GetAsync(fresh);
            Assert.Equal(200, (int)served.StatusCode);
            Assert.Equal(rig.Emulator.VideoBytes(id), await served.Content.ReadAsByteArrayAsync());

            // The old link stays refused: a renewal supersedes it for good.
            using var again = await rig.Http.GetAsync(stale);
            Assert.Equal(403, (int)again.StatusCode);
            Assert.Equal(1, rig.Emulator.FaultsInjected);
            Assert.Equal(1, rig.Emulator.FaultCounts.GetValueOrDefault(FaultKind.ExpiredLink));
        }

        [Fact]
        public async Task The_same_seed_injects_the_same_sequence_and_another_seed_another()
        {
            var plan = new FaultPlan { Rate = 0.5, Kinds = new[] { FaultKind.ServerError, FaultKind.Unavailable, FaultKind.TooManyRequests }, Seed = 7 };

            var first = await StatusSequenceAsync(plan);
            var second = await StatusSequenceAsync(plan);
            var other = await StatusSequenceAsync(plan with { Seed = 8 });

            Assert.Equal(first.Statuses, second.Statuses);
            Assert.Equal(first.Counts.OrderBy(pair => pair.Key), second.Counts.OrderBy(pair => pair.Key));
            Assert.Contains(200, first.Statuses);
            Assert.Contains(first.Statuses, status => status != 200);
            Assert.NotEqual(first.Statuses, other.Statuses);
        }

        [Fact]
        public async Task Rate_zero_injects_nothing_anywhere()
        {
            await using var rig = await Rig.StartAsync(new FaultPlan { Rate = 0, Creates = true });
            var wan = await rig.CreateAsync("nebula");
            var sora = await rig.CreateAsync("sora");
            var unified = await rig.CreateAsync("unified");
            rig.Clock.Advance(Phase * 2);

            foreach (var (dialect, id) in new[] { ("nebula", wan), ("nebula", sora), ("unified", unified) })
            {
                using var read = await rig.SendAsync(HttpMethod.Get, rig.StatusUri(dialect, id));
                Assert.Equal(200, (int)read.StatusCode);
            }
            using var download = await rig.SendAsync(HttpMethod.Get, new Uri(rig.Emulator.GatewayUri, "v1/video/generations/download?id=" + sora));
            Assert.Equal(200, (int)download.StatusCode);
            using var stored = await rig.Http.GetAsync(await rig.LinkAsync("unified", unified));
            Assert.Equal(rig.Emulator.VideoBytes(unified), await stored.Content.ReadAsByteArrayAsync());

            Assert.Equal(0, rig.Emulator.FaultsInjected);
            Assert.Empty(rig.Emulator.FaultCounts);
        }

        [Fact]
        public async Task A_duplicate_is_an_accepted_body_equal_to_an_earlier_one_whatever_its_member_order()
        {
            await using var rig = await Rig.StartAsync(FaultPlan.None);
            var reordered = "{ \"image\" : \"https://example.com/cat.jpg\", \"prompt\":\"kitten\",\n \"model\":\"wan2.5-i2v-preview\" }";
            var other = WanBody.Replace("kitten", "puppy", StringComparison.Ordinal);

            await rig.CreateAsync("nebula");
            Assert.Equal(0, rig.Emulator.DuplicateSubmissionCount);
            using (var again = await rig.SendAsync(HttpMethod.Post, rig.CreateUri("nebula"), reordered))
                Assert.Equal(200, (int)again.StatusCode);
            Assert.Equal(1, rig.Emulator.DuplicateSubmissionCount);

            using (var different = await rig.SendAsync(HttpMethod.Post, rig.CreateUri("nebula"), other))
                Assert.Equal(200, (int)different.StatusCode);
            await rig.CreateAsync("unified");
            // Refused twice: nothing accepted, nothing paid, so no duplicate either.
            for (var attempt = 0; attempt < 2; attempt++)
            {
                using var refused = await rig.SendAsync(HttpMethod.Post, rig.CreateUri("nebula"), "{\"model\":\"wan2.5-i2v-preview\"}");
                Assert.Equal(400, (int)refused.StatusCode);
            }

            Assert.Equal(1, rig.Emulator.DuplicateSubmissionCount);
            Assert.Equal(4, rig.Emulator.CreatedTaskCount);
            Assert.Equal(4, rig.Emulator.SubmissionCount);
        }

        [Fact]
        public async Task The_fault_counters_add_up_to_what_the_client_saw()
        {
            var plan = new FaultPlan { Rate = 0.5, Seed = 3, Kinds = new[] { FaultKind.ServerError, FaultKind.BadGateway, FaultKind.Unavailable, FaultKind.NotFoundOnce } };
            await using var rig = await Rig.StartAsync(plan);
            var tasks = new[] { await rig.CreateAsync("nebula"), await rig.CreateAsync("unified"), await rig.CreateAsync("sora") };
            var dialects = new[] { "nebula", "unified", "nebula" };

            var seen = new List<int>();
            for (var read = 0; read < 45; read++)
            {
                using var response = await rig.SendAsync(HttpMethod.Get, rig.StatusUri(dialects[read % 3], tasks[read % 3]));
                seen.Add((int)response.StatusCode);
            }

            var counts = rig.Emulator.FaultCounts;
            Assert.Equal(seen.Count(status => status != 200), rig.Emulator.FaultsInjected);
            Assert.Equal(rig.Emulator.FaultsInjected, counts.Values.Sum());
            Assert.Equal(seen.Count(status => status == 500), counts.GetValueOrDefault(FaultKind.ServerError));
            Assert.Equal(seen.Count(status => status == 502), counts.GetValueOrDefault(FaultKind.BadGateway));
            Assert.Equal(seen.Count(status => status == 503), counts.GetValueOrDefault(FaultKind.Unavailable));
            Assert.Equal(seen.Count(status => status == 404), counts.GetValueOrDefault(FaultKind.NotFoundOnce));
            Assert.InRange(counts.GetValueOrDefault(FaultKind.NotFoundOnce), 0, tasks.Length); // once per task at most
            Assert.InRange(rig.Emulator.FaultsInjected, 1, seen.Count - 1);
        }

        [Fact]
        public async Task Fault_keys_keep_their_own_behaviour_under_any_plan()
        {
            await using var rig = await Rig.StartAsync(Always(FaultKind.ServerError, creates: true));
            const string flaky = "sk-emulator-flaky";

            // The flaky key's script: one throttled create, one 503 read, then all is well, plan or not.
            using (var throttled = await rig.SendAsync(HttpMethod.Post, rig.CreateUri("unified"), UnifiedBody, flaky))
                Assert.Equal(429, (int)throttled.StatusCode);
            var id = await rig.CreateAsync("unified", flaky);
            using (var unavailable = await rig.SendAsync(HttpMethod.Get, rig.StatusUri("unified", id), key: flaky))
                Assert.Equal(503, (int)unavailable.StatusCode);
            rig.Clock.Advance(Phase * 2);
            using (var read = await rig.SendAsync(HttpMethod.Get, rig.StatusUri("unified", id), key: flaky))
                Assert.Equal(200, (int)read.StatusCode);
            // The storage host sees no key: it follows the task's last read, which was exempt.
            using (var stored = await rig.Http.GetAsync(rig.Emulator.SignedVideoLink(id)))
                Assert.Equal(200, (int)stored.StatusCode);
            using (var error = await rig.SendAsync(HttpMethod.Get, rig.StatusUri("unified", id), key: "sk-emulator-error"))
                Assert.Equal(500, (int)error.StatusCode);

            Assert.Equal(0, rig.Emulator.FaultsInjected);
        }

        [Fact]
        public async Task The_chaos_key_faults_its_reads_but_never_its_creates()
        {
            await using var rig = await Rig.StartAsync(FaultPlan.None);
            const string chaos = "sk-emulator-chaos";
            var ids = new List<string>();
            for (var create = 0; create < 8; create++) ids.Add(await rig.CreateAsync("unified", chaos));
            Assert.Equal(0, rig.Emulator.FaultsInjected);

            var failed = 0;
            for (var read = 0; read < 24; read++)
            {
                // A hang is one of the kinds: each read gives up after a while, as a client would.
                using var giveUp = new CancellationTokenSource(TimeSpan.FromSeconds(2.5));
                using var request = rig.Request(HttpMethod.Get, rig.StatusUri("unified", ids[read % ids.Count]), key: chaos);
                try
                {
                    using var response = await rig.Http.SendAsync(request, giveUp.Token);
                    await response.Content.ReadAsByteArrayAsync(giveUp.Token);
                    if ((int)response.StatusCode != 200) failed++;
                }
                catch (Exception problem) when (problem is HttpRequestException or IOException or OperationCanceledException)
                {
                    failed++;
                }
            }

            Assert.InRange(rig.Emulator.FaultsInjected, 1, 23);
            Assert.InRange(failed, 1, rig.Emulator.FaultsInjected); // a slow body is a fault that still succeeds
            Assert.DoesNotContain(FaultKind.LostCreateAnswer, rig.Emulator.FaultCounts.Keys);
            // Under the chaos key only: the plain key sees a calm gateway.
            using var plain = await rig.SendAsync(HttpMethod.Get, rig.StatusUri("unified", ids[0]));
            Assert.Equal(200, (int)plain.StatusCode);
        }

        private static async Task<(List<int> Statuses, IReadOnlyDictionary<FaultKind, int> Counts)> StatusSequenceAsync(FaultPlan plan)
        {
            await using var rig = await Rig.StartAsync(plan);
            var id = await rig.CreateAsync("unified");
            var statuses = new List<int>();
            for (var read = 0; read < 30; read++)
            {
                using var response = await rig.SendAsync(HttpMethod.Get, rig.StatusUri("unified", id));
                statuses.Add((int)response.StatusCode);
            }
            return (statuses, rig.Emulator.FaultCounts);
        }

        private static string Signature(Uri link) =>
            link.Query.TrimStart('?').Split('&').Single(part => part.StartsWith("Signature=", StringComparison.Ordinal));

        /// <summary>
        /// An emulator on a manual clock with an HttpClient of its own: a connection a fault aborted never lingers
        /// in another test's pool.
        /// </summary>
        private sealed class Rig : IAsyncDisposable
        {
            private Rig(EmulatorServer emulator, ManualClock clock)
            {
                Emulator = emulator;
                Clock = clock;
            }

            public EmulatorServer Emulator { get; }
            public ManualClock Clock { get; }
            public HttpClient Http { get; } = new();

            public static async Task<Rig> StartAsync(FaultPlan plan)
            {
                var clock = new ManualClock();
                return new Rig(await EmulatorServer.StartAsync(new EmulatorOptions { PhaseDuration = Phase, Clock = clock, Faults = plan }), clock);
            }

            public static string CreateBody(string dialect) => dialect switch
            {
                "nebula" => WanBody,
                "sora" => SoraBody,
                _ => UnifiedBody,
            };

            public Uri CreateUri(string dialect) => dialect == "unified"
                ? new Uri(Emulator.UnifiedUri, "v1/videos/generations")
                : new Uri(Emulator.GatewayUri, "v1/video/generations");

            /// <summary>"nebula" reads wan and sora tasks alike: the Nebula gateway has one status path for both.</summary>
            public Uri StatusUri(string dialect, string id) => dialect == "unified"
                ? new Uri(Emulator.UnifiedUri, "v1/tasks/" + id)
                : new Uri(Emulator.GatewayUri, "v1/video/generations/" + id);

            public HttpRequestMessage Request(HttpMethod method, Uri uri, string? json = null, string key = Key)
            {
                var request = new HttpRequestMessage(method, uri);
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
                if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, "application/json");
                return request;
            }

            public async Task<HttpResponseMessage> SendAsync(HttpMethod method, Uri uri, string? json = null, string key = Key)
            {
                using var request = Request(method, uri, json, key);
                return await Http.SendAsync(request);
            }

            /// <summary>Submits the dialect's standard body and returns the new task's id.</summary>
            public async Task<string> CreateAsync(string dialect, string key = Key)
            {
                using var response = await SendAsync(HttpMethod.Post, CreateUri(dialect), CreateBody(dialect), key);
                var body = await response.Content.ReadAsStringAsync();
                Assert.True(response.IsSuccessStatusCode, $"The create was refused: {(int)response.StatusCode} {body}");
                return JsonDocument.Parse(body).RootElement.GetProperty(dialect == "unified" ? "id" : "task_id").GetString()!;
            }

            /// <summary>The signed link a finished wan or unified task's status read hands out.</summary>
            public async Task<Uri> LinkAsync(string dialect, string id)
            {
                using var response = await SendAsync(HttpMethod.Get, StatusUri(dialect, id));
                Assert.Equal(200, (int)response.StatusCode);
                var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
                return new Uri(dialect == "unified" ? body.GetProperty("results")[0].GetString()! : body.GetProperty("url").GetString()!);
            }

            public async ValueTask DisposeAsync()
            {
                Http.Dispose();
                await Emulator.DisposeAsync();
            }
        }
    }
}
