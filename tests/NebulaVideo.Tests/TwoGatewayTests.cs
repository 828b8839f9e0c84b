using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text.Json;
using System.Threading.Tasks;
using NebulaVideo.Core;
using NebulaVideo.Core.Catalog;
using NebulaVideo.Emulator;
using Xunit;

namespace NebulaVideo.Tests
{
    /// <summary>
    /// Both gateways in one session: the Nebula dialect at the emulator's root and the unified dialect under
    /// /apiv1/, each with its own key, driven through the same cmdlets, pipelines and task objects.
    /// </summary>
    [Collection(EngineCollection.Name)]
    public sealed class TwoGatewayTests
    {
        private const string ImageUrl = "https://example.com/stills/still.png";

        private readonly EngineFixture _engine;

        public TwoGatewayTests(EngineFixture engine) => _engine = engine;

        // ---------------------------------------------------------------- 1. one pipeline over both gateways

        [Fact]
        public void One_csv_over_both_gateways_saves_every_video_and_each_request_carries_its_own_connections_key()
        {
            using var scratch = new ScratchFolder(_engine.Stills);
            File.WriteAllText(scratch["jobs.csv"], string.Join("\n",
                "Prompt,Path,ImageUrl,Model,Duration,Resolution",
                "\"Waves roll in\",stills/harbor.png,,wan2.5-i2v-preview,5,480p",
                "\"The sun climbs\",stills/sunrise.png,,wan2.5-i2v-preview,10,",
                "\"A boat drifts\",,https://example.com/media/boat.png,wan2.5-image-to-video,10,480p",
                "\"A lantern sways\",,https://example.com/media/lantern.png,wan2.6-image-to-video,15,1080p",
                "\"A paper boat\",,,sora-2,4,1280x720"));
            var since = DateTimeOffset.UtcNow;

            var run = _engine.Run(TwoGateways.Connect + @"
                Set-Location $folder
                Import-Csv jobs.csv | New-NebulaVideo | Wait-NebulaVideoTask -PollIntervalSec 0.2 |
                    Tee-Object -Variable done | Save-NebulaVideo -Path $videos
                $done", apiKey: null, variables: TwoGateways.Variables(_engine, ("folder", scratch.FullName), ("videos", scratch.Videos)));

            Assert.Empty(run.Errors);
            var tasks = run.Objects<VideoTask>().ToList();
            var files = run.Objects<FileInfo>().ToList();
            Assert.Equal(5, tasks.Count);
            Assert.Equal(5, files.Count);
            Assert.Equal(new[] { "sora-2", "wan2.5-i2v-preview", "wan2.5-i2v-preview", "wan2.5-image-to-video", "wan2.6-image-to-video" },
                tasks.Select(t => t.Model).OrderBy(m => m, StringComparer.Ordinal));

            foreach (var task in tasks)
            {
                Assert.Equal(VideoStatus.Succeeded, task.Status);
                var unified = task.Model.EndsWith("image-to-video", StringComparison.Ordinal);
                Assert.Equal(unified ? "uni" : "neb", task.Connection);
                Assert.Equal(unified ? "Unified" : "Nebula", task.Dialect);
                Assert.Equal(unified ? _engine.Emulator.UnifiedUri : _engine.Emulator.GatewayUri, task.Gateway);
                if (unified) Assert.StartsWith("task-unified-", task.TaskId, StringComparison.Ordinal);
                else Assert.DoesNotContain("task-unified-", task.TaskId, StringComparison.Ordinal);

                // Named after the source image (a file's name, a URL's last segment); text to video after its task.
                var source = task.SourceImage;
                var name = source is null ? task.TaskId + ".mp4"
                    : Path.GetFileNameWithoutExtension(source.StartsWith("https://", StringComparison.Ordinal) ? new Uri(source).AbsolutePath : source) + ".mp4";
                var file = Path.Combine(scratch.Videos, name);
                Assert.Contains(files, f => f.FullName == file);
                Assert.Equal(_engine.Emulator.VideoBytes(task.TaskId), File.ReadAllBytes(file));
            }
            Assert.Equal(new[] { "boat.mp4", "harbor.mp4", "lantern.mp4", "sunrise.mp4" },
                Directory.GetFiles(scratch.Videos).Select(Path.GetFileName).Where(n => !n!.StartsWith("video_", StringComparison.Ordinal)).OrderBy(n => n));

            var requests = _engine.Emulator.Requests.Where(r => r.ReceivedAt >= since).ToList();
            var gateway = requests.Where(r => r.Origin == "gateway").ToList();
            Assert.All(gateway, r =>
            {
                if (r.PathAndQuery.StartsWith("/apiv1/", StringComparison.Ordinal))
                {
                    Assert.Equal("Bearer " + TwoGateways.KeyB, r.Authorization);
                    Assert.StartsWith("/apiv1/v1/", r.PathAndQuery, StringComparison.Ordinal);
                }
                else
                {
                    Assert.Equal("Bearer " + TwoGateways.KeyA, r.Authorization);
                    Assert.StartsWith("/v1/video/", r.PathAndQuery, StringComparison.Ordinal);
                }
            });
            Assert.Contains(gateway, r => r.PathAndQuery.StartsWith("/apiv1/v1/tasks/", StringComparison.Ordinal));
            var storage = requests.Where(r => r.Origin == "storage").ToList();
            Assert.Equal(4, storage.Count); // sora-2 downloads from the gateway by task id; the rest from the storage links
            Assert.All(storage, r => Assert.Null(r.Authorization));

            var posts = gateway.Where(r => r.Method == "POST").ToList();
            Assert.Equal(5, posts.Count);
            foreach (var post in posts)
            {
                var model = JsonDocument.Parse(post.Body).RootElement.GetProperty("model").GetString()!;
                Assert.Equal(model.EndsWith("image-to-video", StringComparison.Ordinal) ? "/apiv1/v1/videos/generations" : "/v1/video/generations", post.PathAndQuery);
            }
            // The unified wire: quality, not resolution; the image as a list of one URL.
            var lantern = JsonDocument.Parse(posts.Single(p => p.Body.Contains("wan2.6-image-to-video")).Body).RootElement;
            Assert.Equal("1080p", lantern.GetProperty("quality").GetString());
            Assert.Equal(15, lantern.GetProperty("duration").GetInt32());
            Assert.Equal(new[] { "https://example.com/media/lantern.png" }, lantern.GetProperty("image_urls").EnumerateArray().Select(e => e.GetString()));
            Assert.False(lantern.TryGetProperty("resolution", out _));
        }

        // ---------------------------------------------------------------- 2. routing of mixed tasks and bare ids

        [Fact]
        public void Bare_ids_of_both_shapes_in_one_call_go_each_to_its_own_gateway()
        {
            using var scratch = new ScratchFolder(_engine.Stills);
            var since = DateTimeOffset.UtcNow;
            var run = _engine.Run(TwoGateways.Connect + @"
                $u = New-NebulaVideo -Prompt p -Model wan2.6-image-to-video -ImageUrl $url
                $n = New-NebulaVideo -Prompt p -Path (Join-Path $stills harbor.png)
                $u; $n
                Get-NebulaVideoTask -TaskId $u.TaskId, $n.TaskId
                $n.TaskId | Get-NebulaVideoTask -Connection neb",
                apiKey: null, variables: TwoGateways.Variables(_engine, ("stills", scratch.Stills), ("url", ImageUrl)));

            Assert.Empty(run.Errors);
            var tasks = run.Objects<VideoTask>().ToList();
            Assert.Equal(5, tasks.Count);
            var (unified, nebula) = (tasks[0], tasks[1]);
            Assert.StartsWith("task-unified-", unified.TaskId, StringComparison.Ordinal);
            Assert.True(Guid.TryParse(nebula.TaskId, out _), $"{nebula.TaskId} is not a GUID");

            Assert.Equal((unified.TaskId, "uni", "Unified", "wan2.6-image-to-video"), (tasks[2].TaskId, tasks[2].Connection, tasks[2].Dialect, tasks[2].Model));
            Assert.Equal(_engine.Emulator.UnifiedUri, tasks[2].Gateway);
            // (Nebula's task answer names no model, so a bare Nebula id reads back without one.)
            Assert.Equal((nebula.TaskId, "neb", "Nebula"), (tasks[3].TaskId, tasks[3].Connection, tasks[3].Dialect));
            Assert.Equal(_engine.Emulator.GatewayUri, tasks[3].Gateway);
            Assert.Equal((nebula.TaskId, "neb"), (tasks[4].TaskId, tasks[4].Connection));

            var gets = _engine.Emulator.Requests.Where(r => r.ReceivedAt >= since && r.Method == "GET").ToList();
            var unifiedGet = Assert.Single(gets, r => r.PathAndQuery == "/apiv1/v1/tasks/" + unified.TaskId);
            Assert.Equal("Bearer " + TwoGateways.KeyB, unifiedGet.Authorization);
            var nebulaGets = gets.Where(r => r.PathAndQuery == "/v1/video/generations/" + nebula.TaskId).ToList();
            Assert.Equal(2, nebulaGets.Count);
            Assert.All(nebulaGets, r => Assert.Equal("Bearer " + TwoGateways.KeyA, r.Authorization));
            Assert.Equal(3, gets.Count);
        }

        [Fact]
        public async Task A_bare_id_goes_to_the_connection_named_with_Connection_not_the_default()
        {
            await using var other = await StartOtherEmulator();
            var first = _engine.Run("New-NebulaVideo -Prompt p -Model sora-2", apiKey: TwoGateways.KeyA, gateway: other.GatewayUri);
            var id = Assert.Single(first.Objects<VideoTask>()).TaskId;
            var since = DateTimeOffset.UtcNow;

            // Two Nebula connections: the default one (neb) has never heard of the task.
            var run = _engine.Run(TwoGateways.Connect + @"
                Connect-NebulaVideo -Name far -Dialect Nebula -BaseUri $far -ApiKey $keyA | Out-Null
                Get-NebulaVideoTask -TaskId $id -Connection far
                Get-NebulaVideoTask -TaskId $id",
                apiKey: null, variables: TwoGateways.Variables(_engine, ("far", other.GatewayUri.ToString()), ("id", id)));

            var task = Assert.Single(run.Objects<VideoTask>());
            Assert.Equal((id, "far", other.GatewayUri), (task.TaskId, task.Connection, task.Gateway));
            Assert.StartsWith("GatewayTaskNotFound,", run.SingleError().FullyQualifiedErrorId);
            Assert.Single(other.Requests, r => r.ReceivedAt >= since && r.PathAndQuery == "/v1/video/generations/" + id);
            Assert.Single(_engine.Emulator.Requests, r => r.ReceivedAt >= since && r.PathAndQuery == "/v1/video/generations/" + id);
        }

        [Fact]
        public async Task Tasks_kept_from_an_earlier_session_are_waited_for_and_saved_on_their_own_gateway_not_the_default_of_their_dialect()
        {
            await using var other = await StartOtherEmulator();
            using var scratch = new ScratchFolder(_engine.Stills);
            var submitted = SubmitOnePerDialect(other);
            var since = DateTimeOffset.UtcNow;

            // This session's defaults for both dialects are the fixture's emulator; the tasks live on the other one.
            var run = _engine.Run(TwoGateways.Connect + TwoGateways.ConnectFar + @"
                $tasks | Wait-NebulaVideoTask -PollIntervalSec 0.2 | Tee-Object -Variable done | Save-NebulaVideo -Path $videos
                $done",
                apiKey: null, variables: TwoGateways.Variables(_engine, ("tasks", submitted.ToArray()), ("videos", scratch.Videos),
                    ("farNebula", other.GatewayUri.ToString()), ("farUnified", other.UnifiedUri.ToString())));

            Assert.Empty(run.Errors);
            var done = run.Objects<VideoTask>().OrderBy(t => t.Dialect).ToList();
            Assert.Equal(submitted.Select(t => t.TaskId), done.Select(t => t.TaskId));
            Assert.Equal(new[] { "farneb", "faruni" }, done.Select(t => t.Connection));
            Assert.Equal(new[] { other.GatewayUri, other.UnifiedUri }, done.Select(t => t.Gateway));
            var files = run.Objects<FileInfo>().ToList();
            Assert.Equal(new[] { submitted[0].TaskId + ".mp4", "still.mp4" }, files.Select(f => f.Name).OrderBy(n => n == "still.mp4"));
            Assert.Equal(other.VideoBytes(submitted[0].TaskId), File.ReadAllBytes(files.Single(f => f.Name != "still.mp4").FullName));
            Assert.Equal(other.VideoBytes(submitted[1].TaskId), File.ReadAllBytes(files.Single(f => f.Name == "still.mp4").FullName));
            Assert.DoesNotContain(_engine.Emulator.Requests, r => r.ReceivedAt >= since && submitted.Any(t => r.PathAndQuery.Contains(t.TaskId)));
            Assert.All(other.Requests.Where(r => r.ReceivedAt >= since && r.Origin == "gateway"),
                r => Assert.Equal("Bearer " + (r.PathAndQuery.StartsWith("/apiv1/", StringComparison.Ordinal) ? TwoGateways.KeyB : TwoGateways.KeyA), r.Authorization));
        }

        [Fact]
        public async Task Task_objects_piped_to_Get_NebulaVideoTask_are_read_from_their_own_gateway()
        {
            await using var other = await StartOtherEmulator();
            var submitted = SubmitOnePerDialect(other);
            var since = DateTimeOffset.UtcNow;

            var run = _engine.Run(TwoGateways.Connect + TwoGateways.ConnectFar + @"
                Get-NebulaVideoTask -InputObject $tasks
                $tasks | Get-NebulaVideoTask",
                apiKey: null, variables: TwoGateways.Variables(_engine, ("tasks", submitted.ToArray()),
                    ("farNebula", other.GatewayUri.ToString()), ("farUnified", other.UnifiedUri.ToString())));

            Assert.True(run.Errors.Count == 0, "A piped task was not read from its own gateway: " + string.Join(" | ", run.Errors.Select(e => e.FullyQualifiedErrorId + ": " + e)));
            var read = run.Objects<VideoTask>().ToList();
            Assert.Equal(4, read.Count);
            Assert.Equal(new[] { "farneb", "faruni", "farneb", "faruni" }, read.Select(t => t.Connection));
            Assert.All(read, t => Assert.Equal("p", t.Prompt)); // a refreshed task keeps what only the submitter knew
            Assert.DoesNotContain(_engine.Emulator.Requests, r => r.ReceivedAt >= since && submitted.Any(t => r.PathAndQuery.Contains(t.TaskId)));
        }

        [Fact]
        public async Task Tasks_exported_with_Export_Clixml_and_imported_again_go_back_to_their_own_gateway()
        {
            await using var other = await StartOtherEmulator();
            using var scratch = new ScratchFolder(_engine.Stills);
            var submitted = SubmitOnePerDialect(other);
            _engine.Run("$tasks | Export-Clixml $file", apiKey: null,
                variables: new Dictionary<string, object?> { ["tasks"] = submitted.ToArray(), ["file"] = scratch["tasks.xml"] });
            Assert.True(File.Exists(scratch["tasks.xml"]));
            var since = DateTimeOffset.UtcNow;

            var run = _engine.Run(TwoGateways.Connect + TwoGateways.ConnectFar + @"
                Import-Clixml $file | Get-NebulaVideoTask
                Import-Clixml $file | Wait-NebulaVideoTask -PollIntervalSec 0.2",
                apiKey: null, variables: TwoGateways.Variables(_engine, ("file", scratch["tasks.xml"]),
                    ("farNebula", other.GatewayUri.ToString()), ("farUnified", other.UnifiedUri.ToString())));

            Assert.True(run.Errors.Count == 0, "Imported tasks were not routed by their Gateway: " + string.Join(" | ", run.Errors.Select(e => e.FullyQualifiedErrorId + ": " + e)));
            var read = run.Objects<VideoTask>().ToList();
            Assert.Equal(4, read.Count);
            Assert.All(read, t => Assert.StartsWith("far", t.Connection, StringComparison.Ordinal));
            Assert.DoesNotContain(_engine.Emulator.Requests, r => r.ReceivedAt >= since && submitted.Any(t => r.PathAndQuery.Contains(t.TaskId)));
        }

        [Fact]
        public async Task A_task_whose_gateway_no_connection_serves_is_TaskFromOtherGateway_and_nothing_is_sent()
        {
            await using var other = await StartOtherEmulator();
            var submitted = SubmitOnePerDialect(other);
            var since = DateTimeOffset.UtcNow;

            var run = _engine.Run(TwoGateways.Connect + @"
                Get-NebulaVideoTask -InputObject $tasks
                $tasks | Wait-NebulaVideoTask -PollIntervalSec 0.2
                $tasks | Save-NebulaVideo -Path $videos",
                apiKey: null, variables: TwoGateways.Variables(_engine, ("tasks", submitted.ToArray()), ("videos", Path.Combine(Path.GetTempPath(), "nebulavideo-never"))));

            Assert.Empty(run.Output);
            Assert.Equal(6, run.Errors.Count);
            Assert.All(run.Errors, e =>
            {
                Assert.StartsWith("TaskFromOtherGateway,", e.FullyQualifiedErrorId);
                Assert.Equal(ErrorCategory.InvalidOperation, e.CategoryInfo.Category);
                var task = Assert.IsType<VideoTask>(e.TargetObject);
                Assert.Contains(task.Gateway!.ToString(), e.ErrorDetails.RecommendedAction);
            });
            Assert.Equal(submitted.Select(t => t.TaskId).Concat(submitted.Select(t => t.TaskId)).Concat(submitted.Select(t => t.TaskId)),
                run.Errors.Select(e => ((VideoTask)e.TargetObject).TaskId));
            Assert.DoesNotContain(_engine.Emulator.Requests, r => r.ReceivedAt >= since);
            Assert.DoesNotContain(other.Requests, r => r.ReceivedAt >= since);
        }

        // ---------------------------------------------------------------- 5. every unified limit, before any POST

        [Theory]
        [InlineData("New-NebulaVideo -Model wan2.5-image-to-video -ImageUrl $url -Prompt ('a' * 2001)", "PromptTooLong", ErrorCategory.InvalidArgument, "$prompt2001")]
        [InlineData("New-NebulaVideo -Model wan2.6-image-to-video -ImageUrl $url -Prompt ('a' * 1501)", "PromptTooLong", ErrorCategory.InvalidArgument, "$prompt1501")]
        [InlineData("New-NebulaVideo -Model wan2.5-image-to-video -ImageUrl $url -Prompt p -Duration 15", "DurationNotSupported", ErrorCategory.InvalidArgument, 15)]
        [InlineData("New-NebulaVideo -Model wan2.6-image-to-video -ImageUrl $url -Prompt p -Duration 8", "DurationNotSupported", ErrorCategory.InvalidArgument, 8)]
        [InlineData("New-NebulaVideo -Model wan2.6-image-to-video -ImageUrl $url -Prompt p -Resolution 480p", "ResolutionNotSupported", ErrorCategory.InvalidArgument, "480p")]
        [InlineData("New-NebulaVideo -Model wan2.5-image-to-video -ImageUrl $url -Prompt p -AudioUrl https://example.com/a.mp3", "ParameterNotSupported", ErrorCategory.InvalidArgument, "https://example.com/a.mp3")]
        [InlineData("New-NebulaVideo -Model wan2.6-image-to-video -ImageUrl $url -Prompt p -AudioUrl http://example.com/a.mp3", "AudioUrlInvalid", ErrorCategory.InvalidArgument, "http://example.com/a.mp3")]
        [InlineData("New-NebulaVideo -Model wan2.5-image-to-video -ImageUrl $url -Prompt p -CallbackUrl http://example.com/done", "CallbackUrlInvalid", ErrorCategory.InvalidArgument, "http://example.com/done")]
        [InlineData("New-NebulaVideo -Model wan2.6-image-to-video -ImageUrl $url -Prompt p -CallbackUrl https://127.0.0.1/done", "CallbackUrlInvalid", ErrorCategory.InvalidArgument, "https://127.0.0.1/done")]
        [InlineData("New-NebulaVideo -Model wan2.6-image-to-video -ImageUrl $url -Prompt p -CallbackUrl https://10.0.0.5/done", "CallbackUrlInvalid", ErrorCategory.InvalidArgument, "https://10.0.0.5/done")]
        [InlineData("New-NebulaVideo -Model wan2.6-image-to-video -ImageUrl $url -Prompt p -CallbackUrl https://192.168.0.1/done", "CallbackUrlInvalid", ErrorCategory.InvalidArgument, "https://192.168.0.1/done")]
        [InlineData("New-NebulaVideo -Model wan2.6-image-to-video -ImageUrl $url -Prompt p -CallbackUrl https://172.16.0.1/done", "CallbackUrlInvalid", ErrorCategory.InvalidArgument, "https://172.16.0.1/done")]
        [InlineData("New-NebulaVideo -Model wan2.6-image-to-video -ImageUrl $url -Prompt p -CallbackUrl https://localhost/done", "CallbackUrlInvalid", ErrorCategory.InvalidArgument, "https://localhost/done")]
        [InlineData("New-NebulaVideo -Model wan2.6-image-to-video -ImageUrl $url -Prompt p -CallbackUrl https://[::1]/done", "CallbackUrlInvalid", ErrorCategory.InvalidArgument, "https://[::1]/done")]
        [InlineData("New-NebulaVideo -Model wan2.6-image-to-video -ImageUrl $url -Prompt p -CallbackUrl https://169.254.169.254/latest", "CallbackUrlInvalid", ErrorCategory.InvalidArgument, "https://169.254.169.254/latest")]
        [InlineData("New-NebulaVideo -Model wan2.5-image-to-video -ImageUrl $url -Prompt p -CallbackUrl $longCallback", "CallbackUrlInvalid", ErrorCategory.InvalidArgument, "$longCallback")]
        [InlineData("New-NebulaVideo -Model wan2.6-image-to-video -Path $harbor -Prompt p", "ImageUrlRequired", ErrorCategory.InvalidArgument, "$harbor")]
        [InlineData("New-NebulaVideo -Model wan2.5-image-to-video -LiteralPath $harbor -Prompt p", "ImageUrlRequired", ErrorCategory.InvalidArgument, "$harbor")]
        [InlineData("Get-ChildItem $stills -Filter harbor.png | New-NebulaVideo -Model wan2.5-image-to-video -Prompt p", "ImageUrlRequired", ErrorCategory.InvalidArgument, "$harbor")]
        [InlineData("New-NebulaVideo -Model wan2.6-image-to-video -ImageUrl 'data:image/png;base64,iVBORw0KGgo=' -Prompt p", "ImageUrlRequired", ErrorCategory.InvalidArgument, null)]
        [InlineData("New-NebulaVideo -Model wan2.6-image-to-video -Prompt p", "ImageRequired", ErrorCategory.InvalidArgument, "wan2.6-image-to-video")]
        [InlineData("New-NebulaVideo -Model wan2.6-image-to-video -ImageUrl $url -Prompt p -Parameter @{ quality = '1080p' }", "ParameterConflict", ErrorCategory.InvalidArgument, "quality")]
        [InlineData("New-NebulaVideo -Model wan2.5-image-to-video -ImageUrl $url -Prompt p -Parameter @{ image_urls = @('https://example.com/b.png') }", "ParameterConflict", ErrorCategory.InvalidArgument, "image_urls")]
        [InlineData("New-NebulaVideo -Model wan2.5-image-to-video -ImageUrl $url -Prompt p -Seed 1", "ParameterNotSupported", ErrorCategory.InvalidArgument, 1L)]
        [InlineData("New-NebulaVideo -Model nope -ImageUrl $url -Prompt p", "UnknownModel", ErrorCategory.InvalidArgument, "nope")]
        [InlineData("New-NebulaVideo -Model sora-2 -Prompt p -Connection uni", "ConnectionDialectMismatch", ErrorCategory.InvalidArgument, "uni")]
        public void Every_unified_limit_is_refused_before_anything_is_posted(string script, string errorId, ErrorCategory category, object? target)
        {
            using var scratch = new ScratchFolder(_engine.Stills);
            var variables = TwoGateways.Variables(_engine,
                ("url", ImageUrl), ("stills", scratch.Stills), ("harbor", Path.Combine(scratch.Stills, "harbor.png")),
                ("prompt2001", new string('a', 2001)), ("prompt1501", new string('a', 1501)),
                ("longCallback", "https://example.com/" + new string('c', 2030)));
            var since = DateTimeOffset.UtcNow;

            var run = _engine.Run(TwoGateways.Connect + script, apiKey: null, variables: variables);

            var error = run.SingleError();
            Assert.Equal($"{errorId},NebulaVideo.Commands.NewNebulaVideoCommand", error.FullyQualifiedErrorId);
            Assert.Equal(category, error.CategoryInfo.Category);
            if (target is not null)
            {
                var expected = target is string s && s.StartsWith("$", StringComparison.Ordinal) ? variables[s.Substring(1)] : target;
                Assert.Equal(expected, error.TargetObject);
            }
            Assert.False(string.IsNullOrWhiteSpace(error.ErrorDetails?.RecommendedAction), "The error should say what to do.");
            if (errorId == "ImageUrlRequired")
                Assert.Contains("-ImageUrl", error.ErrorDetails!.RecommendedAction + " " + error.Exception.Message);
            Assert.Empty(run.Output);
            Assert.Equal(0, _engine.PostsSince(since));
        }

        [Fact]
        public void A_prompt_at_each_models_limit_and_every_offered_duration_and_quality_are_posted_and_accepted()
        {
            var since = DateTimeOffset.UtcNow;
            var run = _engine.Run(TwoGateways.Connect + @"
                New-NebulaVideo -Model wan2.5-image-to-video -ImageUrl $url -Prompt ('a' * 2000) -Duration 10 -Resolution 480p
                New-NebulaVideo -Model wan2.6-image-to-video -ImageUrl $url -Prompt ('b' * 1500) -Duration 15 -Resolution 1080p -AudioUrl https://example.com/a.mp3 -CallbackUrl https://hooks.example.com/done -SmartRewrite:$false",
                apiKey: null, variables: TwoGateways.Variables(_engine, ("url", ImageUrl)));

            Assert.Empty(run.Errors);
            Assert.Equal(2, run.Objects<VideoTask>().Count());
            var bodies = _engine.Emulator.Requests.Where(r => r.ReceivedAt >= since && r.Method == "POST")
                .Select(r => JsonDocument.Parse(r.Body).RootElement).ToList();
            Assert.Equal(2, bodies.Count);
            Assert.Equal((2000, 10, "480p"), (bodies[0].GetProperty("prompt").GetString()!.Length, bodies[0].GetProperty("duration").GetInt32(), bodies[0].GetProperty("quality").GetString()));
            Assert.Equal((1500, 15, "1080p"), (bodies[1].GetProperty("prompt").GetString()!.Length, bodies[1].GetProperty("duration").GetInt32(), bodies[1].GetProperty("quality").GetString()));
            Assert.Equal("https://example.com/a.mp3", bodies[1].GetProperty("audio_url").GetString());
            Assert.Equal("https://hooks.example.com/done", bodies[1].GetProperty("callback_url").GetString());
            // -SmartRewrite:$false must reach the wire: the gateway's prompt_extend defaults to true.
            Assert.True(bodies[1].TryGetProperty("prompt_extend", out var extend), "-SmartRewrite:$false sent no prompt_extend, so the gateway rewrites the prompt anyway: " + bodies[1]);
            Assert.Equal(JsonValueKind.False, extend.ValueKind);
        }

        [Fact]
        public void The_prompt_limit_counts_characters_as_the_gateway_does_not_utf16_units()
        {
            // 1000 emoji are 1000 characters (JSON Schema maxLength counts code points) but 2000 UTF-16 units.
            var since = DateTimeOffset.UtcNow;
            var run = _engine.Run(TwoGateways.Connect + @"
                New-NebulaVideo -Model wan2.6-image-to-video -ImageUrl $url -Prompt $emoji",
                apiKey: null, variables: TwoGateways.Variables(_engine, ("url", ImageUrl), ("emoji", string.Concat(Enumerable.Repeat("\U0001F600", 1000)))));

            Assert.True(run.Errors.Count == 0, "A 1000-character prompt was refused for wan2.6-image-to-video (limit 1500): "
                + string.Join(" | ", run.Errors.Select(e => e.FullyQualifiedErrorId + ": " + e)));
            Assert.Single(run.Objects<VideoTask>());
            Assert.Equal(1, _engine.PostsSince(since));
        }

        [Fact]
        public void A_local_file_among_url_rows_is_refused_with_advice_naming_ImageUrl_and_the_others_are_submitted()
        {
            using var scratch = new ScratchFolder(_engine.Stills);
            var harbor = Path.Combine(scratch.Stills, "harbor.png");
            var since = DateTimeOffset.UtcNow;
            var run = _engine.Run(TwoGateways.Connect + @"
                @(
                    [pscustomobject]@{ Prompt = 'one'; ImageUrl = 'https://example.com/one.png' }
                    (Get-Item $harbor)
                    [pscustomobject]@{ Prompt = 'three'; ImageUrl = 'https://example.com/three.png' }
                ) | New-NebulaVideo -Model wan2.6-image-to-video -Prompt fallback",
                apiKey: null, variables: TwoGateways.Variables(_engine, ("harbor", harbor)));

            var error = run.SingleError();
            Assert.StartsWith("ImageUrlRequired,", error.FullyQualifiedErrorId);
            Assert.EndsWith(harbor, (string)error.TargetObject, StringComparison.Ordinal); // exactly the path: see the theory above
            Assert.Contains("-ImageUrl", error.ErrorDetails.RecommendedAction);
            Assert.Contains(harbor, error.Exception.Message);
            var tasks = run.Objects<VideoTask>().ToList();
            Assert.Equal(new[] { "https://example.com/one.png", "https://example.com/three.png" }, tasks.Select(t => t.SourceImage));
            Assert.Equal(2, _engine.PostsSince(since));
        }

        [Fact]
        public void An_image_url_that_is_not_https_is_refused_for_a_unified_model_with_advice_the_gateway_can_follow()
        {
            var since = DateTimeOffset.UtcNow;
            var run = _engine.Run(TwoGateways.Connect + "New-NebulaVideo -Model wan2.6-image-to-video -ImageUrl http://example.com/a.png -Prompt p",
                apiKey: null, variables: TwoGateways.Variables(_engine));

            var error = run.SingleError();
            Assert.StartsWith("ImageUrlInvalid,", error.FullyQualifiedErrorId);
            Assert.Equal("http://example.com/a.png", error.TargetObject);
            Assert.Equal(0, _engine.PostsSince(since));
            // The unified gateway takes neither a data URI nor a local file: advice to use them leads to the next error.
            Assert.DoesNotContain("-Path", error.ErrorDetails.RecommendedAction);
            Assert.DoesNotContain("data:", error.ErrorDetails.RecommendedAction);
        }

        [Fact]
        public void An_unknown_model_passes_through_only_when_asked_and_the_gateways_fallback_suggestion_is_the_advice()
        {
            var since = DateTimeOffset.UtcNow;
            var run = _engine.Run(TwoGateways.Connect + "New-NebulaVideo -Model nope -AllowUnknownModel -Connection uni -ImageUrl $url -Prompt p",
                apiKey: null, variables: TwoGateways.Variables(_engine, ("url", ImageUrl)));

            var post = Assert.Single(_engine.Emulator.Requests, r => r.ReceivedAt >= since && r.Method == "POST");
            Assert.Equal("/apiv1/v1/videos/generations", post.PathAndQuery);
            Assert.Equal("Bearer " + TwoGateways.KeyB, post.Authorization);
            var body = JsonDocument.Parse(post.Body).RootElement;
            Assert.Equal("nope", body.GetProperty("model").GetString());
            Assert.Equal(new[] { ImageUrl }, body.GetProperty("image_urls").EnumerateArray().Select(e => e.GetString()));

            var error = run.SingleError();
            Assert.StartsWith("Gateway", error.FullyQualifiedErrorId);
            Assert.Equal(404, Assert.IsType<GatewayException>(error.Exception).HttpStatus);
            Assert.Contains("wan2.5-image-to-video", error.ErrorDetails.RecommendedAction);
            Assert.Empty(run.Output);
        }

        // ---------------------------------------------------------------- 6. -Parameter

        [Fact]
        public void Extra_fields_from_Parameter_arrive_in_the_body_for_a_unified_and_a_nebula_model()
        {
            using var scratch = new ScratchFolder(_engine.Stills);
            var since = DateTimeOffset.UtcNow;
            var run = _engine.Run(TwoGateways.Connect + @"
                New-NebulaVideo -Model wan2.6-image-to-video -ImageUrl $url -Prompt p -Parameter @{ negative_prompt = 'blur'; n = 2 }
                New-NebulaVideo -Model wan2.5-i2v-preview -Path (Join-Path $stills harbor.png) -Prompt p -Parameter @{ negative_prompt = 'blur'; n = 2 }",
                apiKey: null, variables: TwoGateways.Variables(_engine, ("url", ImageUrl), ("stills", scratch.Stills)));

            Assert.Empty(run.Errors);
            Assert.Equal(2, run.Objects<VideoTask>().Count());
            var posts = _engine.Emulator.Requests.Where(r => r.ReceivedAt >= since && r.Method == "POST").ToList();
            Assert.Equal(new[] { "/apiv1/v1/videos/generations", "/v1/video/generations" }, posts.Select(p => p.PathAndQuery));
            foreach (var post in posts)
            {
                var body = JsonDocument.Parse(post.Body).RootElement;
                Assert.Equal("blur", body.GetProperty("negative_prompt").GetString());
                Assert.Equal(JsonValueKind.Number, body.GetProperty("n").ValueKind);
                Assert.Equal(2, body.GetProperty("n").GetInt32());
                Assert.Equal("p", body.GetProperty("prompt").GetString()); // the module's own fields are untouched
            }
        }

        [Fact]
        public void Parameter_may_not_overwrite_a_field_a_nebula_model_sets_either()
        {
            using var scratch = new ScratchFolder(_engine.Stills);
            var since = DateTimeOffset.UtcNow;
            var run = _engine.Run(TwoGateways.Connect + @"
                New-NebulaVideo -Path (Join-Path $stills harbor.png) -Prompt p -Parameter @{ Resolution = '1080p' }",
                apiKey: null, variables: TwoGateways.Variables(_engine, ("stills", scratch.Stills)));

            var error = run.SingleError();
            Assert.StartsWith("ParameterConflict,", error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
            Assert.Equal(0, _engine.PostsSince(since));
        }

        // ---------------------------------------------------------------- 7. the user's catalog file

        [Fact]
        public void A_user_catalog_file_adds_a_model_and_overrides_a_price_for_listing_costing_WhatIf_and_completion()
        {
            using var scratch = new ScratchFolder(_engine.Stills);
            var catalog = scratch["my-models.json"];
            File.WriteAllText(catalog, @"{ ""models"": [
                {""name"":""wan2.7-image-to-video"",""dialect"":""Unified"",""image"":""Required"",""durations"":[5],""defaultDuration"":5,""resolutions"":[""720p""],""defaultResolution"":""720p"",""pricePerSecondUsd"":{""720p"":0.05}},
                {""name"":""wan2.6-image-to-video"",""pricePerSecondUsd"":{""720p"":0.1,""1080p"":0.2}}
            ] }");
            var since = DateTimeOffset.UtcNow;
            using (new EnvironmentScope(("NEBULAVIDEO_MODELS", catalog)))
            {
                var run = _engine.Run(@"
                    Get-NebulaVideoModel
                    Measure-NebulaVideoCost -Model wan2.7-image-to-video
                    Measure-NebulaVideoCost -Model wan2.6-image-to-video -Resolution 1080p -Duration 15
                    New-NebulaVideo -Model wan2.7-image-to-video -ImageUrl $url -Prompt p -WhatIf
                    New-NebulaVideo -Model wan2.6-image-to-video -ImageUrl $url -Prompt p -Duration 10 -WhatIf
                    New-NebulaVideo -Model wan2.7-image-to-video -ImageUrl $url -Prompt p -Duration 10 -WhatIf
                    foreach ($line in 'New-NebulaVideo -Model wan2.7', 'New-NebulaVideo -Model wan2.7-image-to-video -Duration ') {
                        '{0}=>{1}' -f $line, ((TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText -join ',')
                    }",
                    apiKey: null, variables: new Dictionary<string, object?> { ["url"] = ImageUrl });

                var models = run.Objects<ModelInfo>().ToList();
                var added = Assert.Single(models, m => m.Name == "wan2.7-image-to-video");
                Assert.Equal("Unified", added.Dialect);
                Assert.Equal(new[] { 5 }, added.Durations);
                Assert.Equal(0.05m, added.PricePerSecondUsd!["720p"]);
                Assert.Equal(catalog, added.Source);
                Assert.Equal(0.2m, models.Single(m => m.Name == "wan2.6-image-to-video").PricePerSecondUsd!["1080p"]);
                Assert.Equal(new[] { 5, 10, 15 }, models.Single(m => m.Name == "wan2.6-image-to-video").Durations); // only the price changed
                Assert.Equal(5, models.Count);

                var costs = run.Objects<CostEstimate>().Where(c => !c.IsTotal).ToList();
                Assert.Equal(2, costs.Count);
                Assert.Equal(("wan2.7-image-to-video", 0.25m), (costs[0].Model, costs[0].EstimatedCostUsd));
                Assert.Equal(("wan2.6-image-to-video", 3m), (costs[1].Model, costs[1].EstimatedCostUsd));

                var text = run.Host.Text;
                Assert.Contains("https://example.com/stills/still.png (wan2.7-image-to-video, 5 s, 720p)", text);
                Assert.Contains("estimated cost $0.25 USD", text);
                Assert.Contains("estimated cost $1 USD", text); // wan2.6 at 720p for 10 s, by the user's price
                Assert.Equal(2, text.Split("What if:").Length - 1);
                var refused = run.SingleError(); // -Duration 10 is not among the added model's durations
                Assert.StartsWith("DurationNotSupported,", refused.FullyQualifiedErrorId);

                var completions = run.Output.Select(o => o.BaseObject).OfType<string>().ToList();
                Assert.Contains("New-NebulaVideo -Model wan2.7=>wan2.7-image-to-video", completions);
                Assert.Contains("New-NebulaVideo -Model wan2.7-image-to-video -Duration =>5", completions);
            }
            Assert.Equal(0, _engine.PostsSince(since));

            // Without the variable the added model is gone and wan2.6 is unpriced again.
            var after = _engine.Run("Get-NebulaVideoModel wan2.7-image-to-video; Measure-NebulaVideoCost -Model wan2.6-image-to-video", apiKey: null);
            Assert.StartsWith("UnknownModel,", after.SingleError().FullyQualifiedErrorId);
            Assert.Null(after.Objects<CostEstimate>().First().EstimatedCostUsd);
        }

        // ---------------------------------------------------------------- 8. prices said honestly

        [Fact]
        public void An_unpublished_price_is_unknown_in_Measure_and_WhatIf_never_zero_and_the_task_reports_reserved_credits()
        {
            var since = DateTimeOffset.UtcNow;
            var run = _engine.Run(TwoGateways.Connect + @"
                Measure-NebulaVideoCost -Model wan2.6-image-to-video -WarningVariable warned
                $warned | ForEach-Object { 'WARNING: ' + $_.Message }
                New-NebulaVideo -Model wan2.6-image-to-video -ImageUrl $url -Prompt p -Duration 10 -Resolution 1080p -WhatIf
                New-NebulaVideo -Model wan2.6-image-to-video -ImageUrl $url -Prompt p -Duration 10 -Resolution 1080p",
                apiKey: null, variables: TwoGateways.Variables(_engine, ("url", ImageUrl)));

            Assert.Empty(run.Errors);
            var costs = run.Objects<CostEstimate>().ToList();
            Assert.Equal(2, costs.Count);
            Assert.All(costs, c => Assert.Null(c.EstimatedCostUsd));
            Assert.All(costs, c => Assert.False(c.IsPriceKnown));
            Assert.Equal(1, costs[1].UnpricedCount);
            var warning = Assert.Single(run.Output.Select(o => o.BaseObject).OfType<string>(), s => s.StartsWith("WARNING: ", StringComparison.Ordinal));
            Assert.Contains("unknown", warning);
            Assert.DoesNotContain("$0", warning); // nothing is priced: no dollar figure at all

            var text = run.Host.Text;
            Assert.Equal(1, text.Split("What if:").Length - 1);
            Assert.Contains("unknown", text);
            Assert.DoesNotContain("$0", text);

            var task = Assert.Single(run.Objects<VideoTask>());
            Assert.Null(task.EstimatedCostUsd);
            Assert.True(task.CreditsReserved > 0, "The submitted task should report what the gateway reserved.");
            Assert.Equal(30m, task.CreditsReserved); // the emulator reserves 3 credits a second at 1080p
            Assert.Equal(1, _engine.PostsSince(since));
        }

        // ---------------------------------------------------------------- 9. tab completion from the catalog

        [Theory]
        [InlineData("New-NebulaVideo -Model ", "wan2.5-i2v-preview,sora-2,wan2.5-image-to-video,wan2.6-image-to-video")]
        [InlineData("Measure-NebulaVideoCost -Model ", "wan2.5-i2v-preview,sora-2,wan2.5-image-to-video,wan2.6-image-to-video")]
        [InlineData("New-NebulaVideo -Model wan2.6", "wan2.6-image-to-video")]
        [InlineData("New-NebulaVideo -Model wan2.6-image-to-video -Duration ", "5,10,15")]
        [InlineData("Measure-NebulaVideoCost -Model wan2.6-image-to-video -Duration ", "5,10,15")]
        [InlineData("New-NebulaVideo -Model wan2.5-image-to-video -Duration ", "5,10")]
        [InlineData("New-NebulaVideo -Model wan2.6-image-to-video -Resolution ", "720p,1080p")]
        [InlineData("New-NebulaVideo -Model wan2.5-image-to-video -Resolution ", "480p,720p,1080p")]
        [InlineData("New-NebulaVideo -Model sora-2 -Resolution ", "720x1280,1280x720")]
        [InlineData("New-NebulaVideo -Model sora-2 -Duration ", "4,8,12")]
        [InlineData("New-NebulaVideo -Duration ", "5,10")]
        [InlineData("Measure-NebulaVideoCost -Duration ", "5,10")]
        [InlineData("New-NebulaVideo -Resolution ", "480p,720p,1080p")]
        public void Tab_completion_offers_exactly_what_the_model_on_the_line_accepts(string line, string expected)
        {
            var run = _engine.Run("(TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText",
                apiKey: null, variables: new Dictionary<string, object?> { ["line"] = line });
            Assert.Empty(run.Errors);
            Assert.Equal(expected.Split(','), run.Output.Select(o => o.ToString()));
        }

        [Fact]
        public void Tab_completion_of_Connection_and_Name_lists_the_sessions_connections()
        {
            var run = _engine.Run(TwoGateways.Connect + @"
                foreach ($line in 'New-NebulaVideo -Connection ', 'Get-NebulaVideoTask -Connection ', 'Wait-NebulaVideoTask -Connection ',
                                  'Save-NebulaVideo -Connection ', 'Disconnect-NebulaVideo -Name u', 'Get-NebulaVideoConnection ') {
                    '{0}=>{1}' -f $line, ((TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText -join ',')
                }",
                apiKey: null, variables: TwoGateways.Variables(_engine));

            Assert.Empty(run.Errors);
            Assert.Equal(new[]
            {
                "New-NebulaVideo -Connection =>neb,uni",
                "Get-NebulaVideoTask -Connection =>neb,uni",
                "Wait-NebulaVideoTask -Connection =>neb,uni",
                "Save-NebulaVideo -Connection =>neb,uni",
                "Disconnect-NebulaVideo -Name u=>uni",
                "Get-NebulaVideoConnection =>neb,uni",
            }, run.Output.Select(o => o.ToString()));
        }

        // ---------------------------------------------------------------- helpers

        private static Task<EmulatorServer> StartOtherEmulator() => EmulatorServer.StartAsync(new EmulatorOptions
        {
            GatewayPort = 0,
            StoragePort = 0,
            PhaseDuration = TimeSpan.FromMilliseconds(300),
        });

        /// <summary>A sora-2 task and a wan2.6 task submitted to <paramref name="other"/> in a session of their own, as C# objects.</summary>
        private List<VideoTask> SubmitOnePerDialect(EmulatorServer other)
        {
            var run = _engine.Run(@"
                Connect-NebulaVideo -Name farneb -Dialect Nebula -BaseUri $farNebula -ApiKey $keyA | Out-Null
                Connect-NebulaVideo -Name faruni -Dialect Unified -BaseUri $farUnified -ApiKey $keyB | Out-Null
                New-NebulaVideo -Model sora-2 -Prompt p
                New-NebulaVideo -Model wan2.6-image-to-video -ImageUrl $url -Prompt p",
                apiKey: null, variables: TwoGateways.Variables(_engine, ("farNebula", other.GatewayUri.ToString()),
                    ("farUnified", other.UnifiedUri.ToString()), ("url", ImageUrl)));
            Assert.Empty(run.Errors);
            var tasks = run.Objects<VideoTask>().ToList();
            Assert.Equal(new[] { other.GatewayUri, other.UnifiedUri }, tasks.Select(t => t.Gateway));
            return tasks;
        }
    }

    /// <summary>What the two-gateway tests share: two keys, the script that connects both, and its variables.</summary>
    internal static class TwoGateways
    {
        public const string KeyA = "sk-nebula-key-A-7f3c0e";
        public const string KeyB = "sk-unified-key-B-91d2aa";

        /// <summary>Connects "neb" (Nebula, key A, the default) and "uni" (Unified, key B) in the script's own session.</summary>
        public const string Connect = @"
            Connect-NebulaVideo -Name neb -Dialect Nebula -BaseUri $nebula -ApiKey $keyA | Out-Null
            Connect-NebulaVideo -Name uni -Dialect Unified -BaseUri $unified -ApiKey $keyB | Out-Null
            ";

        /// <summary>Also connects the other emulator's gateways, as "farneb" and "faruni" (not the defaults).</summary>
        public const string ConnectFar = @"
            Connect-NebulaVideo -Name farneb -Dialect Nebula -BaseUri $farNebula -ApiKey $keyA | Out-Null
            Connect-NebulaVideo -Name faruni -Dialect Unified -BaseUri $farUnified -ApiKey $keyB | Out-Null
            ";

        public static Dictionary<string, object?> Variables(EngineFixture engine, params (string Name, object? Value)[] more)
        {
            var variables = new Dictionary<string, object?>
            {
                ["nebula"] = engine.Emulator.GatewayUri.ToString(),
                ["unified"] = engine.Emulator.UnifiedUri.ToString(),
                ["keyA"] = EngineFixture.Secure(KeyA),
                ["keyB"] = EngineFixture.Secure(KeyB),
            };
            foreach (var (name, value) in more) variables[name] = value;
            return variables;
        }
    }

    /// <summary>Sets process environment variables for a test and puts back what was there before.</summary>
    internal sealed class EnvironmentScope : IDisposable
    {
        private readonly List<(string Name, string? Previous)> _saved = new List<(string, string?)>();

        public EnvironmentScope(params (string Name, string? Value)[] variables)
        {
            foreach (var (name, value) in variables)
            {
                _saved.Add((name, Environment.GetEnvironmentVariable(name)));
                Environment.SetEnvironmentVariable(name, value);
            }
        }

        public void Dispose()
        {
            foreach (var (name, previous) in _saved) Environment.SetEnvironmentVariable(name, previous);
        }
    }
}
