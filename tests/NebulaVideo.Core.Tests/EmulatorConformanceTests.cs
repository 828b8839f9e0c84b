using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using NebulaVideo.Emulator;
using Xunit;

namespace NebulaVideo.Core.Tests
{
    /// <summary>
    /// The emulator answers with the same fields, at the same places, as the gateway documents' examples:
    /// otherwise every test against it would prove little about the real gateway.
    /// </summary>
    public sealed class EmulatorConformanceTests : IAsyncLifetime
    {
        private static readonly HttpClient Http = new();
        private static readonly TimeSpan Phase = TimeSpan.FromMinutes(1);
        private readonly ManualClock _clock = new();
        private EmulatorServer _emulator = null!;

        public async Task InitializeAsync() =>
            _emulator = await EmulatorServer.StartAsync(new EmulatorOptions { PhaseDuration = Phase, Clock = _clock });

        public async Task DisposeAsync() => await _emulator.DisposeAsync();

        [Fact]
        public async Task Wan_answers_have_the_documented_fields_in_every_phase()
        {
            var png = Convert.ToBase64String(System.IO.File.ReadAllBytes(Seed.RepoFile("samples", "stills", "harbor.png")));
            var (status, submit) = await Send(HttpMethod.Post, "v1/video/generations", "sk-x",
                $"{{\"model\":\"wan2.5-i2v-preview\",\"prompt\":\"kitten\",\"image\":\"data:image/png;base64,{png}\"}}");
            Assert.Equal(200, status);
            AssertSameFields("wan25-submit", submit);
            var id = JsonDocument.Parse(submit).RootElement.GetProperty("task_id").GetString()!;

            foreach (var (phase, fixture) in new[] { ("PENDING", "wan25-in-progress-pending"), ("RUNNING", "wan25-in-progress-running"), ("SUCCEEDED", "wan25-succeeded") })
            {
                var (_, answer) = await Send(HttpMethod.Get, "v1/video/generations/" + id, "sk-x");
                Assert.Equal(phase, JsonDocument.Parse(answer).RootElement.GetProperty("metadata").GetProperty("output").GetProperty("task_status").GetString());
                AssertSameFields(fixture, answer);
                _clock.Advance(Phase);
            }
        }

        [Fact]
        public async Task A_finished_wan_task_states_its_submit_and_end_time_as_DashScope_does_the_same_on_every_read()
        {
            var created = _clock.GetUtcNow();
            var (_, submit) = await Send(HttpMethod.Post, "v1/video/generations", "sk-x",
                "{\"model\":\"wan2.5-i2v-preview\",\"prompt\":\"kitten\",\"image\":\"https://example.com/cat.jpg\"}");
            _clock.Advance(Phase * 2);
            var (_, first) = await Send(HttpMethod.Get, "v1/video/generations/" + Id(submit), "sk-x");
            _clock.Advance(TimeSpan.FromHours(3));
            var (_, later) = await Send(HttpMethod.Get, "v1/video/generations/" + Id(submit), "sk-x");

            // Seed 000's format ("2025-11-04 19:16:40.291"): DashScope's Beijing wall-clock time, no zone.
            Assert.Equal(BeijingTime(created), Output(first, "submit_time"));
            Assert.Equal(BeijingTime(created + Phase * 2), Output(first, "end_time"));
            Assert.Equal((Output(first, "submit_time"), Output(first, "end_time")), (Output(later, "submit_time"), Output(later, "end_time")));

            var task = Gateways.Dialects.Nebula.ParseTask(later, new VideoTask { TaskId = Id(submit) });
            Assert.Equal((created, created + Phase * 2), (task.SubmittedAt, task.CompletedAt));
        }

        private static string BeijingTime(DateTimeOffset moment) =>
            moment.ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture);

        private static string? Output(string answer, string field) =>
            JsonDocument.Parse(answer).RootElement.GetProperty("metadata").GetProperty("output").GetProperty(field).GetString();

        [Fact]
        public async Task Sora_answers_and_download_have_the_documented_fields()
        {
            var (_, submit) = await Send(HttpMethod.Post, "v1/video/generations", "sk-x", "{\"model\":\"sora-2\",\"prompt\":\"kitten\",\"seconds\":\"8\"}");
            AssertSameFields("sora2-submit", submit);
            var id = JsonDocument.Parse(submit).RootElement.GetProperty("task_id").GetString()!;

            foreach (var (status, fixture) in new[] { ("queued", "sora2-queued"), ("in_progress", "sora2-in-progress"), ("succeeded", "sora2-succeeded") })
            {
                var (_, answer) = await Send(HttpMethod.Get, "v1/video/generations/" + id, "sk-x");
                Assert.Equal(status, JsonDocument.Parse(answer).RootElement.GetProperty("status").GetString());
                AssertSameFields(fixture, answer);
                _clock.Advance(Phase);
            }

            var (_, download) = await Send(HttpMethod.Get, "v1/video/generations/download?id=" + id, "sk-x");
            AssertSameFields("sora2-download", download);
        }

        [Fact]
        public async Task Failures_and_errors_have_the_documented_shapes()
        {
            var (_, wan) = await Send(HttpMethod.Post, "v1/video/generations", "sk-x",
                "{\"model\":\"wan2.5-i2v-preview\",\"prompt\":\"emulator:fail\",\"image\":\"https://example.com/cat.jpg\"}");
            var (_, sora) = await Send(HttpMethod.Post, "v1/video/generations", "sk-x", "{\"model\":\"sora-2\",\"prompt\":\"emulator:fail\"}");
            _clock.Advance(Phase * 2);
            AssertSameFields("wan25-failed", (await Send(HttpMethod.Get, "v1/video/generations/" + Id(wan), "sk-x")).Body);
            AssertSameFields("sora2-failed", (await Send(HttpMethod.Get, "v1/video/generations/" + Id(sora), "sk-x")).Body);

            var (status, unauthorized) = await Send(HttpMethod.Post, "v1/video/generations", "wrong", "{\"model\":\"sora-2\",\"prompt\":\"p\"}");
            Assert.Equal(401, status);
            AssertSameFields("sora2-error", unauthorized);
            var documented = JsonDocument.Parse(Seed.Json("sora2-error")).RootElement.GetProperty("error");
            var answered = JsonDocument.Parse(unauthorized).RootElement.GetProperty("error");
            foreach (var field in new[] { "message", "type", "code" })
                Assert.Equal(documented.GetProperty(field).GetString(), answered.GetProperty(field).GetString());

            var (notFound, missing) = await Send(HttpMethod.Get, "v1/video/generations/ae8eb420-0000", "sk-x");
            Assert.Equal(404, notFound);
            AssertSameFields("wan25-error", missing);
        }

        private static string Id(string submit) => JsonDocument.Parse(submit).RootElement.GetProperty("task_id").GetString()!;

        private async Task<(int Status, string Body)> Send(HttpMethod method, string path, string key, string? json = null)
        {
            using var request = new HttpRequestMessage(method, new Uri(_emulator.GatewayUri, path));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, "application/json");
            using var response = await Http.SendAsync(request);
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        /// <summary>Every field path of the document's example is in the answer, and the answer adds none.</summary>
        private static void AssertSameFields(string fixture, string answer)
        {
            var options = new JsonDocumentOptions { AllowTrailingCommas = true };
            var expected = Paths(JsonDocument.Parse(Seed.Json(fixture), options).RootElement, "").OrderBy(p => p).ToList();
            var actual = Paths(JsonDocument.Parse(answer).RootElement, "").OrderBy(p => p).ToList();
            Assert.Equal(expected, actual);
        }

        private static IEnumerable<string> Paths(JsonElement element, string prefix)
        {
            if (element.ValueKind != JsonValueKind.Object) yield break;
            foreach (var property in element.EnumerateObject())
            {
                var path = prefix + "/" + property.Name;
                yield return path;
                foreach (var child in Paths(property.Value, path)) yield return child;
            }
        }
    }
}
