using System;
using System.Collections.Generic;
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
    /// The emulator caps an account's unfinished tasks the way gateways do (GATEWAY-NOTES, "Account concurrency"):
    /// a create past the cap is a 429 in the dialect's documented body and creates nothing, and a slot frees when one
    /// of the account's tasks finishes. A client that must find an unpublished cap is only proven against a real one.
    /// The clock is a ManualClock: tasks finish exactly when a test says, never by a race with the machine.
    /// </summary>
    public sealed class EmulatorAccountLimitTests
    {
        private const string Key = "sk-account-a";
        private const string OtherKey = "sk-account-b";
        private static readonly TimeSpan Phase = TimeSpan.FromMinutes(1);
        private static readonly HttpClient Http = new();
        private static int _prompts;

        public static TheoryData<string, bool> DialectsWithAndWithoutRetryAfter => new()
        {
            { "sora", false }, { "sora", true },
            { "wan", false }, { "wan", true },
            { "unified", false }, { "unified", true },
        };

        [Theory]
        [MemberData(nameof(DialectsWithAndWithoutRetryAfter))]
        public async Task A_create_past_the_cap_is_the_dialects_documented_429_and_creates_nothing(string dialect, bool retryAfter)
        {
            await using var rig = await Rig.StartAsync(limit: 2, retryAfter: retryAfter);

            using (var first = await rig.CreateAsync(dialect, Key)) Assert.Equal(200, (int)first.StatusCode);
            using (var second = await rig.CreateAsync(dialect, Key)) Assert.Equal(200, (int)second.StatusCode);
            using var third = await rig.CreateAsync(dialect, Key);

            Assert.Equal(429, (int)third.StatusCode);
            AssertDocumented429(dialect, await third.Content.ReadAsStringAsync());
            if (retryAfter)
                Assert.Equal(TimeSpan.FromSeconds(1), third.Headers.RetryAfter?.Delta);
            else
                Assert.False(third.Headers.Contains("Retry-After"), "the cap's 429 must carry no Retry-After unless asked");
            Assert.Equal(2, rig.Emulator.SubmissionCount);
            Assert.Equal(2, rig.Emulator.CreatedTaskCount);
            Assert.Equal(1, rig.Emulator.AccountLimitRefusals);
            Assert.Equal(2, rig.Emulator.PeakConcurrentTasks);
            Assert.Equal(0, rig.Emulator.DuplicateSubmissionCount);
        }

        [Theory]
        [InlineData("sora")]
        [InlineData("unified")]
        public async Task A_slot_frees_when_one_of_the_accounts_tasks_finishes_and_not_before(string dialect)
        {
            await using var rig = await Rig.StartAsync(limit: 2);
            // The first task fails once finished: a failed task leaves its slot as a succeeded one does.
            using (var a = await rig.CreateAsync(dialect, Key, "emulator:fail")) Assert.Equal(200, (int)a.StatusCode);
            rig.Clock.Advance(Phase);
            using (var b = await rig.CreateAsync(dialect, Key)) Assert.Equal(200, (int)b.StatusCode);

            // A is running, B queued: both still count.
            using (var refused = await rig.CreateAsync(dialect, Key)) Assert.Equal(429, (int)refused.StatusCode);
            rig.Clock.Advance(Phase - TimeSpan.FromSeconds(1));
            using (var stillRefused = await rig.CreateAsync(dialect, Key)) Assert.Equal(429, (int)stillRefused.StatusCode);

            // A finishes; B (one phase younger) does not: exactly one slot is free.
            rig.Clock.Advance(TimeSpan.FromSeconds(1));
            using (var c = await rig.CreateAsync(dialect, Key)) Assert.Equal(200, (int)c.StatusCode);
            using (var d = await rig.CreateAsync(dialect, Key)) Assert.Equal(429, (int)d.StatusCode);

            Assert.Equal(3, rig.Emulator.SubmissionCount);
            Assert.Equal(3, rig.Emulator.AccountLimitRefusals);
            Assert.Equal(2, rig.Emulator.PeakConcurrentTasks);

            // Every task finished: the whole cap is free again.
            rig.Clock.Advance(Phase * 2);
            using (var e = await rig.CreateAsync(dialect, Key)) Assert.Equal(200, (int)e.StatusCode);
            using (var f = await rig.CreateAsync(dialect, Key)) Assert.Equal(200, (int)f.StatusCode);
            Assert.Equal(5, rig.Emulator.SubmissionCount);
            Assert.Equal(2, rig.Emulator.PeakConcurrentTasks);
        }

        [Fact]
        public async Task The_cap_is_per_account_another_key_is_not_affected()
        {
            await using var rig = await Rig.StartAsync(limit: 2);
            for (var i = 0; i < 2; i++)
                using (var mine = await rig.CreateAsync("sora", Key)) Assert.Equal(200, (int)mine.StatusCode);
            using (var refused = await rig.CreateAsync("sora", Key)) Assert.Equal(429, (int)refused.StatusCode);

            for (var i = 0; i < 2; i++)
                using (var theirs = await rig.CreateAsync("unified", OtherKey)) Assert.Equal(200, (int)theirs.StatusCode);
            using (var theirsRefused = await rig.CreateAsync("unified", OtherKey)) Assert.Equal(429, (int)theirsRefused.StatusCode);

            Assert.Equal(4, rig.Emulator.SubmissionCount);
            Assert.Equal(2, rig.Emulator.AccountLimitRefusals);
            // Per account: four tasks ran at once in all, but never more than two for one key.
            Assert.Equal(2, rig.Emulator.PeakConcurrentTasks);
        }

        [Fact]
        public async Task The_key_is_the_account_on_both_dialects()
        {
            await using var rig = await Rig.StartAsync(limit: 2);
            using (var nebula = await rig.CreateAsync("sora", Key)) Assert.Equal(200, (int)nebula.StatusCode);
            using (var unified = await rig.CreateAsync("unified", Key)) Assert.Equal(200, (int)unified.StatusCode);

            using var wan = await rig.CreateAsync("wan", Key);
            Assert.Equal(429, (int)wan.StatusCode);
            AssertDocumented429("wan", await wan.Content.ReadAsStringAsync());
            Assert.Equal(2, rig.Emulator.SubmissionCount);
            Assert.Equal(1, rig.Emulator.AccountLimitRefusals);
        }

        [Theory]
        [InlineData("sora")]
        [InlineData("wan")]
        [InlineData("unified")]
        public async Task Twenty_concurrent_creates_never_push_an_account_past_its_cap(string dialect)
        {
            const int limit = 3;
            await using var rig = await Rig.StartAsync(limit);

            var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(async _ =>
            {
                using var response = await rig.CreateAsync(dialect, Key);
                return (int)response.StatusCode;
            }));

            Assert.Equal(limit, answers.Count(status => status == 200));
            Assert.Equal(20 - limit, answers.Count(status => status == 429));
            Assert.Equal(limit, rig.Emulator.SubmissionCount);
            Assert.Equal(20 - limit, rig.Emulator.AccountLimitRefusals);
            Assert.Equal(limit, rig.Emulator.PeakConcurrentTasks);
            Assert.Equal(0, rig.Emulator.DuplicateSubmissionCount);
        }

        [Fact]
        public async Task Concurrent_creates_of_two_keys_with_slots_freeing_stay_within_each_cap()
        {
            const int limit = 2;
            await using var rig = await Rig.StartAsync(limit);
            var accepted = 0;
            for (var round = 0; round < 3; round++)
            {
                var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(async i =>
                {
                    using var response = await rig.CreateAsync(i % 2 == 0 ? "sora" : "unified", i % 4 < 2 ? Key : OtherKey);
                    return (int)response.StatusCode;
                }));
                // Each round, both keys fill their caps exactly, whatever the order of arrival.
                Assert.Equal(2 * limit, answers.Count(status => status == 200));
                accepted += 2 * limit;
                Assert.Equal(accepted, rig.Emulator.SubmissionCount);
                Assert.True(rig.Emulator.PeakConcurrentTasks <= limit, $"peak {rig.Emulator.PeakConcurrentTasks} over the cap {limit}");
                rig.Clock.Advance(Phase * 2);
            }
            Assert.Equal(limit, rig.Emulator.PeakConcurrentTasks);
            Assert.Equal(3 * (20 - 2 * limit), rig.Emulator.AccountLimitRefusals);
        }

        [Fact]
        public async Task Without_a_cap_nothing_is_refused_and_the_peak_is_still_measured()
        {
            await using var rig = await Rig.StartAsync(limit: null);
            for (var i = 0; i < 5; i++)
                using (var response = await rig.CreateAsync(i % 2 == 0 ? "sora" : "unified", Key)) Assert.Equal(200, (int)response.StatusCode);
            rig.Clock.Advance(Phase * 2);
            using (var later = await rig.CreateAsync("wan", Key)) Assert.Equal(200, (int)later.StatusCode);

            Assert.Equal(6, rig.Emulator.SubmissionCount);
            Assert.Equal(0, rig.Emulator.AccountLimitRefusals);
            // Five at once before the clock moved; the sixth was alone.
            Assert.Equal(5, rig.Emulator.PeakConcurrentTasks);
        }

        [Fact]
        public async Task A_refused_body_sent_again_once_a_slot_frees_is_not_a_duplicate_but_a_resent_accepted_one_is()
        {
            await using var rig = await Rig.StartAsync(limit: 1);
            const string body = "{\"model\":\"sora-2\",\"prompt\":\"the refused one\"}";
            using (var first = await rig.CreateAsync("sora", Key)) Assert.Equal(200, (int)first.StatusCode);
            using (var refused = await rig.SendAsync(rig.CreateUri("sora"), Key, body)) Assert.Equal(429, (int)refused.StatusCode);

            rig.Clock.Advance(Phase * 2);
            using (var resent = await rig.SendAsync(rig.CreateUri("sora"), Key, body)) Assert.Equal(200, (int)resent.StatusCode);
            Assert.Equal(0, rig.Emulator.DuplicateSubmissionCount);

            rig.Clock.Advance(Phase * 2);
            using (var twice = await rig.SendAsync(rig.CreateUri("sora"), Key, body)) Assert.Equal(200, (int)twice.StatusCode);
            Assert.Equal(1, rig.Emulator.DuplicateSubmissionCount);
            Assert.Equal(3, rig.Emulator.SubmissionCount);
            Assert.Equal(1, rig.Emulator.AccountLimitRefusals);
        }

        [Theory]
        [InlineData("sora")]
        [InlineData("unified")]
        public async Task A_fault_that_replaces_the_answer_comes_before_the_cap_and_is_no_refusal(string dialect)
        {
            var plan = new FaultPlan { Rate = 1, Kinds = new[] { FaultKind.TooManyRequests }, Creates = true };
            await using var rig = await Rig.StartAsync(limit: 1, faults: plan);

            using var response = await rig.CreateAsync(dialect, Key);

            Assert.Equal(429, (int)response.StatusCode);
            // The fault plan's own throttle: Retry-After 0, counted as a fault, not as the account's cap.
            Assert.Equal(TimeSpan.Zero, response.Headers.RetryAfter?.Delta);
            Assert.Equal(1, rig.Emulator.FaultCounts.GetValueOrDefault(FaultKind.TooManyRequests));
            Assert.Equal(0, rig.Emulator.AccountLimitRefusals);
            Assert.Equal(0, rig.Emulator.SubmissionCount);
        }

        [Theory]
        [InlineData("sora")]
        [InlineData("unified")]
        public async Task A_lost_create_answer_still_counts_against_the_cap_and_a_refused_one_creates_nothing(string dialect)
        {
            var plan = new FaultPlan { Rate = 1, Kinds = new[] { FaultKind.LostCreateAnswer }, Creates = true };
            await using var rig = await Rig.StartAsync(limit: 1, faults: plan);

            // The first create's task exists though its answer is lost; the second is refused by the cap, and that answer is lost too.
            await Assert.ThrowsAsync<HttpRequestException>(async () => (await rig.CreateAsync(dialect, Key)).Dispose());
            await Assert.ThrowsAsync<HttpRequestException>(async () => (await rig.CreateAsync(dialect, Key)).Dispose());

            Assert.Equal(1, rig.Emulator.CreatedTaskCount);
            Assert.Equal(1, rig.Emulator.AccountLimitRefusals);
            Assert.Equal(2, rig.Emulator.FaultCounts.GetValueOrDefault(FaultKind.LostCreateAnswer));
        }

        [Fact]
        public async Task Fault_keys_keep_their_scripted_answers_under_a_cap()
        {
            await using var rig = await Rig.StartAsync(limit: 1);

            using (var limited = await rig.CreateAsync("sora", "sk-emulator-ratelimit"))
            {
                Assert.Equal(429, (int)limited.StatusCode);
                Assert.Equal(TimeSpan.FromSeconds(1), limited.Headers.RetryAfter?.Delta);
            }
            // The flaky key's first submission is throttled with Retry-After: 0; its next fills its cap, the one after is capped.
            using (var flaky = await rig.CreateAsync("sora", "sk-emulator-flaky"))
            {
                Assert.Equal(429, (int)flaky.StatusCode);
                Assert.Equal(TimeSpan.Zero, flaky.Headers.RetryAfter?.Delta);
            }
            Assert.Equal(0, rig.Emulator.AccountLimitRefusals);
            using (var accepted = await rig.CreateAsync("sora", "sk-emulator-flaky")) Assert.Equal(200, (int)accepted.StatusCode);
            using (var capped = await rig.CreateAsync("sora", "sk-emulator-flaky"))
            {
                Assert.Equal(429, (int)capped.StatusCode);
                Assert.False(capped.Headers.Contains("Retry-After"));
            }
            Assert.Equal(1, rig.Emulator.AccountLimitRefusals);
            Assert.Equal(1, rig.Emulator.SubmissionCount);
        }

        [Theory]
        [InlineData(0)]
        [InlineData(-1)]
        public async Task A_cap_below_one_is_refused_at_start(int limit)
        {
            await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Rig.StartAsync(limit));
        }

        private static void AssertDocumented429(string dialect, string text)
        {
            var body = JsonDocument.Parse(text).RootElement;
            switch (dialect)
            {
                case "wan":
                    Assert.Equal("fail_to_submit_task", body.GetProperty("code").GetString());
                    Assert.Equal(JsonValueKind.Null, body.GetProperty("data").ValueKind);
                    var inner = JsonDocument.Parse(body.GetProperty("message").GetString()!).RootElement;
                    Assert.Equal("Throttling.RateLimit", inner.GetProperty("code").GetString());
                    Assert.Equal("Request frequency too high", inner.GetProperty("message").GetString());
                    Assert.False(string.IsNullOrEmpty(inner.GetProperty("request_id").GetString()));
                    break;
                case "sora":
                    var error = body.GetProperty("error");
                    Assert.Equal("rate_limit_error", error.GetProperty("type").GetString());
                    Assert.Equal("rate_limit_exceeded", error.GetProperty("code").GetString());
                    Assert.Equal("Request frequency too high", error.GetProperty("message").GetString());
                    Assert.Single(body.EnumerateObject());
                    break;
                default:
                    var unified = body.GetProperty("error");
                    Assert.Equal(429, unified.GetProperty("code").GetInt32());
                    Assert.Equal("Rate limit exceeded", unified.GetProperty("message").GetString());
                    Assert.Equal("rate_limit_error", unified.GetProperty("type").GetString());
                    Assert.Equal("retry after 60 seconds", unified.GetProperty("fallback_suggestion").GetString());
                    break;
            }
        }

        private sealed class Rig : IAsyncDisposable
        {
            private Rig(EmulatorServer emulator, ManualClock clock)
            {
                Emulator = emulator;
                Clock = clock;
            }

            public EmulatorServer Emulator { get; }
            public ManualClock Clock { get; }

            public static async Task<Rig> StartAsync(int? limit, bool retryAfter = false, FaultPlan? faults = null)
            {
                var clock = new ManualClock();
                var emulator = await EmulatorServer.StartAsync(new EmulatorOptions
                {
                    Clock = clock,
                    PhaseDuration = Phase,
                    AccountTaskLimit = limit,
                    AccountLimitRetryAfter = retryAfter,
                    Faults = faults ?? FaultPlan.None,
                });
                return new Rig(emulator, clock);
            }

            public Uri CreateUri(string dialect) => dialect == "unified"
                ? new Uri(Emulator.UnifiedUri, "v1/videos/generations")
                : new Uri(Emulator.GatewayUri, "v1/video/generations");

            /// <summary>A valid create of the dialect, with a prompt no other create has (so no body is a duplicate).</summary>
            public Task<HttpResponseMessage> CreateAsync(string dialect, string key, string prompt = "")
            {
                prompt = $"{prompt} a kitten #{Interlocked.Increment(ref _prompts)}".Trim();
                var body = dialect switch
                {
                    "sora" => new { model = "sora-2", prompt } as object,
                    "wan" => new { model = "wan2.5-i2v-preview", prompt, image = "https://example.com/a.png" },
                    _ => new { model = "wan2.6-image-to-video", prompt, image_urls = new[] { "https://example.com/a.png" } },
                };
                return SendAsync(CreateUri(dialect), key, JsonSerializer.Serialize(body));
            }

            public Task<HttpResponseMessage> SendAsync(Uri uri, string key, string body)
            {
                var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
                return Http.SendAsync(request);
            }

            public ValueTask DisposeAsync() => Emulator.DisposeAsync();
        }
    }
}
