using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using NebulaVideo.Emulator;
using Xunit;

namespace NebulaVideo.Core.Tests
{
    /// <summary>
    /// The emulator's unified gateway answers like seed 003 (wan2.5-image-to-video), seed 001 (wan2.6-image-to-video)
    /// and GATEWAY-NOTES (task detail): the same fields and kinds as the documents' examples, their error bodies
    /// verbatim, and their limits enforced. Time moves only when a test advances the clock.
    /// </summary>
    public sealed class UnifiedEmulatorConformanceTests : IAsyncLifetime
    {
        private const string Wan25 = "wan2.5-image-to-video";
        private const string Wan26 = "wan2.6-image-to-video";
        private const string Create = "v1/videos/generations";
        private static readonly HttpClient Http = new();
        private static readonly TimeSpan Phase = TimeSpan.FromMinutes(1);
        private readonly ManualClock _clock = new();
        private EmulatorServer _emulator = null!;

        public async Task InitializeAsync() =>
            _emulator = await EmulatorServer.StartAsync(new EmulatorOptions { PhaseDuration = Phase, Clock = _clock });

        public async Task DisposeAsync() => await _emulator.DisposeAsync();

        [Fact]
        public void The_unified_gateway_keeps_a_base_path_on_the_gateway_port()
        {
            Assert.Equal(new Uri(_emulator.GatewayUri, "apiv1/"), _emulator.UnifiedUri);
            Assert.EndsWith("/", _emulator.UnifiedUri.AbsoluteUri, StringComparison.Ordinal);
            Assert.Equal(_emulator.GatewayUri.Port, _emulator.UnifiedUri.Port);
        }

        [Fact]
        public async Task Without_the_base_path_there_is_no_unified_gateway()
        {
            var answer = await Send(HttpMethod.Post, new Uri(_emulator.GatewayUri, Create), "sk-x", Body(Wan25).ToJsonString());
            Assert.Equal(404, answer.Status);
            Assert.Equal(0, _emulator.SubmissionCount);
        }

        [Fact]
        public async Task Wan25_create_answer_has_exactly_the_documented_fields_and_kinds()
        {
            var answer = await Post("sk-x", Body(Wan25));
            Assert.Equal(200, answer.Status);
            AssertSameShape(Seed.Json("unified-wan25-create"), answer.Body);

            var task = JsonNode.Parse(answer.Body)!;
            var epoch = _clock.GetUtcNow().ToUnixTimeSeconds();
            Assert.Equal(epoch, (long)task["created"]!);
            Assert.Matches(new Regex($"^task-unified-{epoch}-[a-z0-9]{{8}}$"), (string)task["id"]!);
            Assert.Equal(Wan25, (string)task["model"]!);
            Assert.Equal("video.generation.task", (string)task["object"]!);
            Assert.Equal("pending", (string)task["status"]!);
            Assert.Equal(0, (int)task["progress"]!);
            Assert.Equal("video", (string)task["type"]!);
            Assert.True((bool)task["task_info"]!["can_cancel"]!);
            Assert.Equal(120, (int)task["task_info"]!["estimated_time"]!); // two phases of a minute still to go
            Assert.Equal("per_second", (string)task["usage"]!["billing_rule"]!);
            Assert.Equal(10, (int)task["usage"]!["credits_reserved"]!); // 5 s (default) at 720p (default), 2 credits a second
            Assert.Equal("default", (string)task["usage"]!["user_group"]!);
            Assert.Equal(1, _emulator.SubmissionCount);
        }

        [Theory]
        [InlineData(Wan25, 10, "480p", 10)]
        [InlineData(Wan25, 10, "1080p", 30)]
        [InlineData(Wan26, 15, "1080p", 45)]
        public async Task Reserved_credits_follow_duration_and_quality(string model, int duration, string quality, int credits)
        {
            var body = Body(model);
            body["duration"] = duration;
            body["quality"] = quality;
            var answer = await Post("sk-x", body);
            Assert.Equal(200, answer.Status);
            Assert.Equal(credits, (int)JsonNode.Parse(answer.Body)!["usage"]!["credits_reserved"]!);
        }

        [Fact]
        public async Task Wan26_create_answer_has_the_documented_fields_and_the_wan25_shape()
        {
            var body = Body(Wan26);
            body["duration"] = 15;
            body["audio_url"] = "https://example.com/voice.mp3";
            var answer = await Post("sk-x", body);
            Assert.Equal(200, answer.Status);
            // Seed 001 shows no task_info or usage examples but lists both fields: every path it shows is there,
            // and the rest is the wan2.5 response's shape.
            var answered = Shape(JsonNode.Parse(answer.Body)).ToList();
            Assert.Empty(Shape(JsonNode.Parse(Seed.Json("unified-wan26-create"))).Except(answered));
            AssertSameShape(Seed.Json("unified-wan25-create"), answer.Body);
            Assert.Equal(Wan26, (string)JsonNode.Parse(answer.Body)!["model"]!);
        }

        [Fact]
        public async Task Detail_follows_the_clock_from_pending_through_processing_to_completed()
        {
            var id = Id(await Post("sk-x", Body(Wan25)));
            var createShape = Seed.Json("unified-wan25-create");

            var pending = await Detail(id);
            Assert.Equal(200, pending.Status);
            AssertSameShape(createShape, pending.Body);
            AssertPhase(pending, "pending", progress: 0, canCancel: true, estimated: 120);

            _clock.Advance(TimeSpan.FromSeconds(30));
            AssertPhase(await Detail(id), "pending", progress: 0, canCancel: true, estimated: 90);

            _clock.Advance(TimeSpan.FromSeconds(45)); // 75 s: a quarter into processing
            var early = await Detail(id);
            AssertSameShape(createShape, early.Body);
            AssertPhase(early, "processing", progress: 25, canCancel: false, estimated: 45);

            _clock.Advance(TimeSpan.FromSeconds(44)); // 119 s: the last second of processing, progress 1 + 59/60 * 99
            AssertPhase(await Detail(id), "processing", progress: 98, canCancel: false, estimated: 1);

            _clock.Advance(TimeSpan.FromSeconds(1));
            var done = await Detail(id);
            var completed = JsonNode.Parse(done.Body)!;
            Assert.Equal("completed", (string)completed["status"]!);
            Assert.Equal(100, (int)completed["progress"]!);
            Assert.False((bool)completed["task_info"]!["can_cancel"]!);
            Assert.Null(completed["task_info"]!["estimated_time"]);
            Assert.Null(completed["error"]);
            var expected = JsonNode.Parse(createShape)!.AsObject();
            expected["task_info"]!.AsObject().Remove("estimated_time");
            expected["results"] = new JsonArray("https://storage.example/videos/x.mp4");
            AssertSameShape(expected.ToJsonString(), done.Body);

            var link = new Uri((string)completed["results"]![0]!);
            Assert.Equal(_emulator.StorageUri.GetLeftPart(UriPartial.Authority), link.GetLeftPart(UriPartial.Authority));
            var video = await Download(link, authorization: null);
            Assert.Equal(200, video.Status);
            Assert.Equal(_emulator.VideoBytes(id), video.Bytes);
            // A pre-signed link carries its own authority: with the API key beside it, storage refuses.
            Assert.Equal(400, (await Download(link, authorization: "sk-x")).Status);
        }

        [Fact]
        public async Task An_expired_task_keeps_its_link_and_storage_refuses_it()
        {
            var id = Id(await Post("sk-x", Body(Wan26)));
            _clock.Advance(Phase * 2);
            var link = (string)JsonNode.Parse((await Detail(id)).Body)!["results"]![0]!;
            Assert.Equal(200, (await Download(new Uri(link), authorization: null)).Status);

            _emulator.ExpireTask(id);
            var after = JsonNode.Parse((await Detail(id)).Body)!;
            Assert.Equal("completed", (string)after["status"]!);
            Assert.Equal(link, (string)after["results"]![0]!);
            var refused = await Download(new Uri(link), authorization: null);
            Assert.Equal(403, refused.Status);
            Assert.Contains("Request has expired", Encoding.UTF8.GetString(refused.Bytes), StringComparison.Ordinal);
        }

        [Fact]
        public async Task A_failed_task_ends_with_a_string_business_code_and_no_results()
        {
            var body = Body(Wan25);
            body["prompt"] = "a cat emulator:fail";
            var id = Id(await Post("sk-x", body));
            Assert.Equal("pending", (string)JsonNode.Parse((await Detail(id)).Body)!["status"]!);

            _clock.Advance(Phase * 2);
            var failed = JsonNode.Parse((await Detail(id)).Body)!;
            Assert.Equal("failed", (string)failed["status"]!);
            Assert.Equal(JsonValueKind.String, failed["error"]!["code"]!.GetValueKind());
            Assert.Equal("content_policy_violation", (string)failed["error"]!["code"]!);
            Assert.False(string.IsNullOrWhiteSpace((string?)failed["error"]!["message"]));
            Assert.Null(failed["results"]);
            Assert.Null(failed["task_info"]!["estimated_time"]);
            Assert.False((bool)failed["task_info"]!["can_cancel"]!);
            Assert.Equal(404, (await Download(new Uri(_emulator.StorageUri, $"videos/{id}.mp4"), authorization: null)).Status);
        }

        [Theory]
        [InlineData(null, 401, "unified-error-401")]
        [InlineData("not-a-key", 401, "unified-error-401")]
        [InlineData("sk-emulator-ratelimit", 429, "unified-error-429")]
        [InlineData("sk-emulator-error", 500, "unified-error-500")]
        [InlineData("sk-emulator-badgateway", 502, "unified-error-502")]
        [InlineData("sk-emulator-forbidden", 403, "unified-error-403")]
        public async Task A_refused_create_answers_the_documents_body_and_creates_nothing(string? key, int status, string fixture)
        {
            var answer = await Post(key, Body(Wan25));
            Assert.Equal(status, answer.Status);
            AssertSameJson(Seed.Json(fixture), answer.Body);
            Assert.Equal(status == 429 ? "1" : null, answer.RetryAfter);
            Assert.Equal(0, _emulator.SubmissionCount);
        }

        [Theory]
        [InlineData(null, 401, "unified-error-401")]
        [InlineData("sk-emulator-ratelimit", 429, "unified-error-429")]
        [InlineData("sk-emulator-error", 500, "unified-error-500")]
        [InlineData("sk-emulator-badgateway", 502, "unified-error-502")]
        [InlineData("sk-emulator-forbidden", 200, null)] // access and quota are decided at create only
        [InlineData("sk-emulator-noquota", 200, null)]
        public async Task A_refused_detail_answers_the_documents_body(string? key, int status, string? fixture)
        {
            var id = Id(await Post("sk-x", Body(Wan25)));
            var answer = await Detail(id, key);
            Assert.Equal(status, answer.Status);
            if (fixture is null) Assert.Equal(id, (string)JsonNode.Parse(answer.Body)!["id"]!);
            else AssertSameJson(Seed.Json(fixture), answer.Body);
        }

        [Fact]
        public async Task No_quota_is_a_402_on_create()
        {
            var answer = await Post("sk-emulator-noquota", Body(Wan25));
            Assert.Equal(402, answer.Status);
            AssertSameJson("{\"error\":{\"code\":402,\"message\":\"Insufficient quota\",\"type\":\"insufficient_quota\",\"fallback_suggestion\":\"recharge your account\"}}", answer.Body);
            Assert.Equal(0, _emulator.SubmissionCount);
        }

        [Fact]
        public async Task An_unknown_model_is_a_404_suggesting_wan25()
        {
            var answer = await Post("sk-x", Body("wan9-image-to-video"));
            Assert.Equal(404, answer.Status);
            AssertSameJson(Seed.Json("unified-error-404"), answer.Body);
            Assert.Equal(Wan25, (string)JsonNode.Parse(answer.Body)!["error"]!["fallback_suggestion"]!);
        }

        [Fact]
        public async Task A_request_without_a_model_is_the_documents_400()
        {
            var body = Body(Wan25);
            body.Remove("model");
            var answer = await Post("sk-x", body);
            Assert.Equal(400, answer.Status);
            AssertSameJson(Seed.Json("unified-error-400"), answer.Body);
        }

        [Fact]
        public async Task A_body_that_is_no_json_object_is_a_400_without_param()
        {
            var answer = await Send(HttpMethod.Post, new Uri(_emulator.UnifiedUri, Create), "sk-x", "[1,2");
            Assert.Equal(400, answer.Status);
            var error = JsonNode.Parse(answer.Body)!["error"]!;
            Assert.Equal(400, (int)error["code"]!);
            Assert.Equal("invalid_request_error", (string)error["type"]!);
            Assert.Null(error["param"]);
        }

        [Fact]
        public async Task The_flaky_key_throttles_the_first_create_and_faults_each_tasks_first_read()
        {
            var throttled = await Post("sk-emulator-flaky", Body(Wan25));
            Assert.Equal(429, throttled.Status);
            Assert.Equal("0", throttled.RetryAfter);
            AssertSameJson(Seed.Json("unified-error-429"), throttled.Body);
            Assert.Equal(0, _emulator.SubmissionCount);

            var first = Id(await Post("sk-emulator-flaky", Body(Wan25)));
            var second = Id(await Post("sk-emulator-flaky", Body(Wan26)));
            Assert.Equal(2, _emulator.SubmissionCount);

            foreach (var id in new[] { first, second })
            {
                var unavailable = await Detail(id, "sk-emulator-flaky");
                Assert.Equal(503, unavailable.Status);
                AssertSameJson(Seed.Json("unified-error-503"), unavailable.Body);
                Assert.Equal(200, (await Detail(id, "sk-emulator-flaky")).Status);
            }
        }

        [Fact]
        public async Task Task_ids_are_checked_with_string_codes()
        {
            var malformed = await Detail("0b7c-nebula-id");
            Assert.Equal(400, malformed.Status);
            var error = JsonNode.Parse(malformed.Body)!["error"]!;
            Assert.Equal(JsonValueKind.String, error["code"]!.GetValueKind());
            Assert.Equal("invalid_task_id", (string)error["code"]!);
            Assert.Equal("invalid_request_error", (string)error["type"]!);
            Assert.Equal("task_id", (string)error["param"]!);

            var unknown = await Detail("task-unified-1757169743-7cvnl5zw");
            Assert.Equal(404, unknown.Status);
            error = JsonNode.Parse(unknown.Body)!["error"]!;
            Assert.Equal("task_not_found", (string)error["code"]!);
            Assert.Equal("not_found_error", (string)error["type"]!);
        }

        [Fact]
        public async Task The_two_dialects_do_not_see_each_others_tasks()
        {
            var id = Id(await Post("sk-x", Body(Wan25)));
            var nebula = await Send(HttpMethod.Get, new Uri(_emulator.GatewayUri, "v1/video/generations/" + id), "sk-x");
            Assert.Equal(404, nebula.Status);
        }

        public static TheoryData<string, string, string?> Limits()
        {
            var data = new TheoryData<string, string, string?>
            {
                // model, fields to set on a valid request, the param the 400 names (null: accepted)
                { Wan25, Fields(("prompt", new string('p', 2000))), null },
                { Wan25, Fields(("prompt", new string('p', 2001))), "prompt" },
                { Wan26, Fields(("prompt", new string('p', 1500))), null },
                { Wan26, Fields(("prompt", new string('p', 1501))), "prompt" },
                { Wan25, Fields(("prompt", "  ")), "prompt" },
                { Wan25, Fields(("duration", 15)), "duration" },
                { Wan26, Fields(("duration", 15)), null },
                { Wan25, Fields(("duration", "5")), "duration" },
                { Wan25, Fields(("quality", "480p")), null },
                { Wan26, Fields(("quality", "480p")), "quality" },
                { Wan25, Fields(("quality", "4k")), "quality" },
                { Wan25, Fields(("image_urls", new JsonArray("https://example.com/a.png", "https://example.com/b.png"))), "image_urls" },
                { Wan25, Fields(("image_urls", new JsonArray())), "image_urls" },
                { Wan25, Fields(("image_urls", new JsonArray("http://example.com/a.png"))), "image_urls" },
                { Wan25, Fields(("image_urls", "https://example.com/a.png")), "image_urls" },
                { Wan25, Fields(("prompt_extend", false)), null },
                { Wan25, Fields(("prompt_extend", "yes")), "prompt_extend" },
                { Wan25, Fields(("audio_url", "https://example.com/voice.mp3")), "audio_url" },
                { Wan26, Fields(("audio_url", "https://example.com/voice.mp3")), null },
                { Wan26, Fields(("audio_url", "http://example.com/voice.mp3")), "audio_url" },
                { Wan25, Fields(("callback_url", "https://example.com/hook")), null },
                { Wan25, Fields(("callback_url", "https://127.0.0.1/hook")), "callback_url" },
                { Wan25, Fields(("callback_url", "https://10.0.0.1/hook")), "callback_url" },
                { Wan26, Fields(("callback_url", "https://192.168.1.20/hook")), "callback_url" },
                { Wan25, Fields(("callback_url", "https://localhost/hook")), "callback_url" },
                { Wan25, Fields(("callback_url", "http://example.com/hook")), "callback_url" },
                { Wan25, Fields(("callback_url", "https://example.com/" + new string('h', 2048 - 20))), null },
                { Wan25, Fields(("callback_url", "https://example.com/" + new string('h', 2048 - 19))), "callback_url" },
                // Fields the documents do not name pass through, as clients may add their own.
                { Wan25, Fields(("seed", 42), ("watermark", new JsonObject { ["enabled"] = false })), null },
            };
            return data;
        }

        [Theory]
        [MemberData(nameof(Limits))]
        public async Task The_documents_limits_are_enforced(string model, string fields, string? param)
        {
            var body = Body(model);
            foreach (var (name, value) in JsonNode.Parse(fields)!.AsObject())
                body[name] = value?.DeepClone();
            var answer = await Post("sk-x", body);
            if (param is null)
            {
                Assert.Equal(200, answer.Status);
                Assert.Equal(1, _emulator.SubmissionCount);
                return;
            }
            Assert.Equal(400, answer.Status);
            var error = JsonNode.Parse(answer.Body)!["error"]!;
            Assert.Equal(400, (int)error["code"]!);
            Assert.Equal("invalid_request_error", (string)error["type"]!);
            Assert.Equal(param, (string)error["param"]!);
            Assert.False(string.IsNullOrWhiteSpace((string?)error["message"]));
            Assert.Equal(0, _emulator.SubmissionCount);
        }

        private static string Fields(params (string Name, JsonNode? Value)[] fields)
        {
            var json = new JsonObject();
            foreach (var (name, value) in fields) json[name] = value;
            return json.ToJsonString();
        }

        /// <summary>A valid request: the documents' example (unified-request-image-to-video) plus the one required image.</summary>
        private static JsonObject Body(string model)
        {
            var body = JsonNode.Parse(Seed.Json("unified-request-image-to-video"))!.AsObject();
            body["model"] = model;
            body["image_urls"] = new JsonArray("https://example.com/image1.png");
            return body;
        }

        private static void AssertPhase(Reply reply, string status, int progress, bool canCancel, int estimated)
        {
            Assert.Equal(200, reply.Status);
            var task = JsonNode.Parse(reply.Body)!;
            Assert.Equal(status, (string)task["status"]!);
            Assert.Equal(progress, (int)task["progress"]!);
            Assert.Equal(canCancel, (bool)task["task_info"]!["can_cancel"]!);
            Assert.Equal(estimated, (int)task["task_info"]!["estimated_time"]!);
            Assert.Null(task["results"]);
        }

        private static string Id(Reply reply)
        {
            Assert.Equal(200, reply.Status);
            return (string)JsonNode.Parse(reply.Body)!["id"]!;
        }

        private Task<Reply> Post(string? key, JsonObject body) =>
            Send(HttpMethod.Post, new Uri(_emulator.UnifiedUri, Create), key, body.ToJsonString());

        private Task<Reply> Detail(string id, string? key = "sk-x") =>
            Send(HttpMethod.Get, new Uri(_emulator.UnifiedUri, "v1/tasks/" + id), key);

        private static async Task<Reply> Send(HttpMethod method, Uri uri, string? key, string? json = null)
        {
            using var request = new HttpRequestMessage(method, uri);
            if (key is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, "application/json");
            using var response = await Http.SendAsync(request);
            var retryAfter = response.Headers.TryGetValues("Retry-After", out var values) ? string.Join(",", values) : null;
            return new Reply((int)response.StatusCode, await response.Content.ReadAsStringAsync(), retryAfter);
        }

        private static async Task<(int Status, byte[] Bytes)> Download(Uri link, string? authorization)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, link);
            if (authorization is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", authorization);
            using var response = await Http.SendAsync(request);
            return ((int)response.StatusCode, await response.Content.ReadAsByteArrayAsync());
        }

        private static void AssertSameJson(string expected, string actual) =>
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), JsonNode.Parse(actual)), $"Expected {expected}\nbut got {actual}");

        /// <summary>Every field path of the example, with its JSON kind, is in the answer, and the answer adds none.</summary>
        private static void AssertSameShape(string example, string answer) =>
            Assert.Equal(Shape(JsonNode.Parse(example)).OrderBy(p => p, StringComparer.Ordinal), Shape(JsonNode.Parse(answer)).OrderBy(p => p, StringComparer.Ordinal));

        private static IEnumerable<string> Shape(JsonNode? node, string path = "")
        {
            switch (node)
            {
                case JsonObject obj:
                    foreach (var (name, value) in obj)
                    {
                        var child = path + "/" + name;
                        yield return child + ":" + Kind(value);
                        foreach (var inner in Shape(value, child)) yield return inner;
                    }
                    break;
                case JsonArray array:
                    foreach (var item in array.SelectMany((item, _) => Shape(item, path + "[]").Prepend(path + "[]:" + Kind(item))).Distinct())
                        yield return item;
                    break;
            }
        }

        // true and false are one kind here: the shape says "a boolean", the value is each test's business.
        private static string Kind(JsonNode? node) => node?.GetValueKind() switch
        {
            null => "Null",
            JsonValueKind.True or JsonValueKind.False => "Boolean",
            var kind => kind.ToString()!,
        };

        private sealed record Reply(int Status, string Body, string? RetryAfter);
    }
}
