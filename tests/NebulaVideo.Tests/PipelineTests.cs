using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using NebulaVideo.Core;
using NebulaVideo.Emulator;
using Xunit;

namespace NebulaVideo.Tests
{
    /// <summary>The pipelines the README promises, run for real: images in, MP4 files out.</summary>
    [Collection(EngineCollection.Name)]
    public sealed class PipelineTests
    {
        private readonly EngineFixture _engine;

        public PipelineTests(EngineFixture engine) => _engine = engine;

        [Fact]
        public void Folder_of_images_becomes_videos_with_the_bytes_the_gateway_served()
        {
            using var scratch = new ScratchFolder(_engine.Stills);
            var since = DateTimeOffset.UtcNow;

            var run = _engine.Run(@"
                Get-ChildItem $stills -Filter *.png |
                    New-NebulaVideo -Prompt 'slow dolly-in' |
                    Tee-Object -Variable tasks |
                    Wait-NebulaVideoTask -PollIntervalSec 0.2 |
                    Save-NebulaVideo -Path $videos
                $tasks", variables: new Dictionary<string, object?> { ["stills"] = scratch.Stills, ["videos"] = scratch.Videos });

            Assert.Empty(run.Errors);
            var files = run.Objects<FileInfo>().ToList();
            var tasks = run.Objects<VideoTask>().ToList();
            Assert.Equal(3, files.Count);
            Assert.Equal(3, tasks.Count);
            foreach (var task in tasks)
            {
                var expected = Path.Combine(scratch.Videos, Path.GetFileNameWithoutExtension(task.SourceImage) + ".mp4");
                Assert.Contains(files, f => f.FullName == expected);
                Assert.Equal(_engine.Emulator.VideoBytes(task.TaskId), File.ReadAllBytes(expected));
            }
            Assert.Equal(new[] { "harbor.mp4", "sunrise.mp4", "tower.mp4" }, Directory.GetFiles(scratch.Videos).Select(Path.GetFileName).OrderBy(n => n));

            // The key went to the gateway in its header, and never to the storage host.
            var requests = _engine.Emulator.Requests.Where(r => r.ReceivedAt >= since).ToList();
            Assert.All(requests.Where(r => r.Origin == "gateway"), r => Assert.Equal("Bearer " + EngineFixture.ApiKey, r.Authorization));
            Assert.Equal(3, requests.Count(r => r.Origin == "storage"));
            Assert.All(requests.Where(r => r.Origin == "storage"), r => Assert.Null(r.Authorization));
            Assert.Contains(run.Host.Progress, p => p.Activity == "Waiting for NebulaVideo tasks");
        }

        [Fact]
        public async Task Waiting_follows_every_task_at_once_rather_than_one_after_another()
        {
            // The tasks stay running until the clock moves; it moves only once all three are being read,
            // which a wait that followed one task at a time would never reach.
            var clock = new ManualClock();
            await using var emulator = await EmulatorServer.StartAsync(new EmulatorOptions { PhaseDuration = TimeSpan.FromMinutes(1), Clock = clock });
            var readsPerTask = () => emulator.Requests.Where(r => r.Method == "GET").GroupBy(r => r.PathAndQuery).Select(g => g.Count()).ToList();
            var allFollowed = () => readsPerTask() is var reads && reads.Count == 3 && reads.All(n => n >= 2);
            var releaser = Task.Run(async () =>
            {
                for (var i = 0; i < 600 && !allFollowed(); i++) await Task.Delay(50);
                var followedTogether = allFollowed();
                clock.Advance(TimeSpan.FromMinutes(2));
                return followedTogether;
            });
            using var scratch = new ScratchFolder(_engine.Stills);

            var run = _engine.Run(@"
                Get-ChildItem $stills -Filter *.png | New-NebulaVideo -Prompt 'pan left' | Wait-NebulaVideoTask -PollIntervalSec 0.2 -TimeoutSec 60",
                gateway: emulator.GatewayUri, variables: new Dictionary<string, object?> { ["stills"] = scratch.Stills });
            Assert.True(await releaser, "The three tasks were never all being read at the same time.");
            Assert.Empty(run.Errors);
            Assert.Equal(3, run.Objects<VideoTask>().Count(t => t.Status == VideoStatus.Succeeded));
        }

        [Fact]
        public void Csv_runbook_binds_every_column_and_makes_each_row()
        {
            using var scratch = new ScratchFolder(_engine.Stills);
            File.WriteAllText(scratch["jobs.csv"], string.Join("\n",
                "Prompt,Path,Model,Duration,Resolution,Seed",
                "\"Waves roll in\",stills/harbor.png,wan2.5-i2v-preview,5,480p,42",
                "\"The sun climbs\",stills/sunrise.png,,10,1080p,",
                "\"A paper boat\",,sora-2,4,1280x720,"));
            var since = DateTimeOffset.UtcNow;

            var run = _engine.Run(@"
                Set-Location $folder
                Import-Csv jobs.csv | New-NebulaVideo | Wait-NebulaVideoTask -PollIntervalSec 0.2 | Save-NebulaVideo -Path videos",
                variables: new Dictionary<string, object?> { ["folder"] = scratch.FullName });

            Assert.Empty(run.Errors);
            var names = run.Objects<FileInfo>().Select(f => f.Name).OrderBy(n => n).ToList();
            Assert.Equal(3, names.Count);
            Assert.Contains("harbor.mp4", names);
            Assert.Contains("sunrise.mp4", names);
            Assert.Contains(names, n => n.StartsWith("video_", StringComparison.Ordinal)); // text to video: named after its task

            var bodies = _engine.Emulator.Requests.Where(r => r.Method == "POST" && r.ReceivedAt >= since).Select(r => r.Body).ToList();
            Assert.Contains(bodies, b => b.Contains("\"resolution\":\"480p\"") && b.Contains("\"seed\":42") && b.Contains("\"duration\":5"));
            Assert.Contains(bodies, b => b.Contains("\"resolution\":\"1080p\"") && b.Contains("\"duration\":10") && !b.Contains("\"seed\""));
            Assert.Contains(bodies, b => b.Contains("\"model\":\"sora-2\"") && b.Contains("\"seconds\":\"4\"") && b.Contains("\"size\":\"1280x720\"") && !b.Contains("input_reference"));
        }

        [Fact]
        public void A_runbook_run_again_with_its_journal_resumes_its_tasks_and_pays_nothing_twice()
        {
            using var scratch = new ScratchFolder(_engine.Stills);
            const string script = @"
                Get-ChildItem $stills -Filter *.png | New-NebulaVideo -Prompt 'drift' -JournalPath $journal |
                    Wait-NebulaVideoTask -PollIntervalSec 0.2 | Save-NebulaVideo -Path $videos -Force";
            var variables = new Dictionary<string, object?>
            {
                ["stills"] = scratch.Stills, ["videos"] = scratch.Videos, ["journal"] = scratch["runbook.journal"],
            };

            var first = _engine.Run(script, variables: variables);
            var since = DateTimeOffset.UtcNow;
            var again = _engine.Run(script, variables: variables);

            Assert.Empty(first.Errors);
            Assert.Empty(again.Errors);
            Assert.Equal(3, again.Objects<FileInfo>().Count());
            Assert.Equal(0, _engine.PostsSince(since));
            // Per image one submitting and one submitted line (the second run resumed, it claimed nothing), and the
            // saves of both runs, recorded in the journal that recorded the submissions.
            var states = File.ReadAllLines(scratch["runbook.journal"]).Select(line => System.Text.Json.JsonDocument.Parse(line).RootElement.GetProperty("state").GetString()).ToList();
            Assert.Equal(3, states.Count(s => s == "Submitting"));
            Assert.Equal(3, states.Count(s => s == "Submitted"));
            Assert.Equal(6, states.Count(s => s == "Saved"));
            Assert.Equal(12, states.Count);
        }

        [Fact]
        public void The_example_runbook_reports_every_saved_file_and_no_errors()
        {
            using var scratch = new ScratchFolder(_engine.Stills);
            var since = DateTimeOffset.UtcNow;
            // The sample job file mixes all four models, so the runbook needs both gateways.
            var run = _engine.Run(@"
                Connect-NebulaVideo -Name unified -Dialect Unified -BaseUri $unified -ApiKey $unifiedKey | Out-Null
                & $script -JobFile $jobs -OutputFolder $videos -PollIntervalSec 0.2",
                variables: new Dictionary<string, object?>
                {
                    ["script"] = Path.Combine(_engine.RepoRoot, "examples", "Invoke-VideoRunbook.ps1"),
                    ["jobs"] = Path.Combine(_engine.RepoRoot, "samples", "jobs.csv"),
                    ["videos"] = scratch.Videos,
                    ["unified"] = _engine.Emulator.UnifiedUri,
                    ["unifiedKey"] = EngineFixture.Secure("sk-engine-tests-unified"),
                });

            Assert.Empty(run.Errors);
            var summary = Assert.Single(run.Output);
            Assert.Equal(6, (int)summary.Properties["Requested"].Value);
            Assert.Equal(6, (int)summary.Properties["Saved"].Value);
            Assert.Equal(2, (int)summary.Properties["UnpricedCount"].Value);
            // With two videos unpriced the total stays empty, and what is known is the seeds' prices of the other four:
            // 5 s x 0.0369 (480p) + 10 s x 0.1233 (1080p) + (4 + 8) s x 0.1 (sora-2).
            Assert.Null(summary.Properties["EstimatedCostUsd"].Value);
            Assert.Equal(2.6175m, (decimal)summary.Properties["PricedCostUsd"].Value);
            Assert.Empty((object[])summary.Properties["Errors"].Value);
            Assert.Equal(6, Directory.GetFiles(scratch.Videos, "*.mp4").Length);
            var posts = _engine.Emulator.Requests.Where(r => r.Method == "POST" && r.ReceivedAt >= since).ToList();
            Assert.Equal(2, posts.Count(r => r.PathAndQuery == "/apiv1/v1/videos/generations" && r.Authorization == "Bearer sk-engine-tests-unified"));
            Assert.Equal(4, posts.Count(r => r.PathAndQuery == "/v1/video/generations" && r.Authorization == "Bearer " + EngineFixture.ApiKey));
        }

        [Fact]
        public void Sora_text_to_video_with_Wait_returns_the_finished_task_and_saves_from_the_base64_download()
        {
            using var scratch = new ScratchFolder(_engine.Stills);
            var run = _engine.Run(@"
                $task = New-NebulaVideo -Prompt 'A paper boat drifts across a puddle' -Model sora-2 -Size 1280x720 -Duration 8 -Wait -PollIntervalSec 0.2
                $task
                $task | Save-NebulaVideo -Path $videos", variables: new Dictionary<string, object?> { ["videos"] = scratch.Videos });

            Assert.Empty(run.Errors);
            var task = Assert.Single(run.Objects<VideoTask>());
            Assert.Equal(VideoStatus.Succeeded, task.Status);
            Assert.Equal(100, task.Progress);
            Assert.Equal(0.8m, task.EstimatedCostUsd);
            Assert.Equal("1280x720", task.Resolution);
            var file = Assert.Single(run.Objects<FileInfo>());
            Assert.Equal(task.TaskId + ".mp4", file.Name);
            Assert.Equal(_engine.Emulator.VideoBytes(task.TaskId), File.ReadAllBytes(file.FullName));
        }

        [Fact]
        public void Sora_image_to_video_sends_the_image_inline_at_the_size_of_its_orientation_and_a_task_remixes()
        {
            using var scratch = new ScratchFolder(_engine.Stills);
            var since = DateTimeOffset.UtcNow;
            var run = _engine.Run(@"
                $first = Get-Item (Join-Path $stills tower.png) | New-NebulaVideo -Prompt 'clouds race' -Model sora-2 -Wait -PollIntervalSec 0.2
                $first
                New-NebulaVideo -Prompt 'the same, at night' -Model sora-2 -RemixFrom $first",
                variables: new Dictionary<string, object?> { ["stills"] = scratch.Stills });

            Assert.Empty(run.Errors);
            var tasks = run.Objects<VideoTask>().ToList();
            Assert.Equal(2, tasks.Count);
            Assert.Equal("720x1280", tasks[0].Resolution);
            var posts = _engine.Emulator.Requests.Where(r => r.Method == "POST" && r.ReceivedAt >= since).Select(r => r.Body).ToList();
            Assert.Contains("\"input_reference\":\"data:image/png;base64,iVBORw0KGgo", posts[0]);
            Assert.Contains("\"size\":\"720x1280\"", posts[0]);
            Assert.Contains($"\"remix_from_video_id\":\"{tasks[0].TaskId}\"", posts[1]);
        }

        [Fact]
        public void WhatIf_posts_nothing_and_says_what_each_video_would_cost()
        {
            using var scratch = new ScratchFolder(_engine.Stills);
            var since = DateTimeOffset.UtcNow;
            var run = _engine.Run(@"
                Get-ChildItem $stills -Filter *.png | New-NebulaVideo -Prompt 'drift' -Resolution 1080p -Duration 10 -WhatIf
                New-NebulaVideo -Prompt 'a boat' -Model sora-2 -Duration 12 -WhatIf",
                variables: new Dictionary<string, object?> { ["stills"] = scratch.Stills });

            Assert.Empty(run.Errors);
            Assert.Empty(run.Output);
            Assert.Equal(0, _engine.PostsSince(since));
            var text = run.Host.Text;
            Assert.Equal(4, text.Split("What if:").Length - 1);
            Assert.Contains("estimated cost $1.233 USD", text);
            Assert.Contains("harbor.png (wan2.5-i2v-preview, 10 s, 1080p)", text);
            Assert.Contains("estimated cost $1.2 USD", text);
        }

        [Fact]
        public void Confirm_asks_with_the_cost_and_a_no_posts_nothing()
        {
            using var scratch = new ScratchFolder(_engine.Stills);
            var since = DateTimeOffset.UtcNow;
            var run = _engine.Run("New-NebulaVideo -Prompt 'drift' -Path (Join-Path $stills harbor.png) -Confirm", answer: "No",
                variables: new Dictionary<string, object?> { ["stills"] = scratch.Stills });

            Assert.Empty(run.Errors);
            Assert.Empty(run.Output);
            Assert.Contains("estimated cost $0.369 USD", run.Host.Text);
            Assert.Equal(0, _engine.PostsSince(since));
        }

        [Fact]
        public void WhatIf_needs_no_api_key()
        {
            using var scratch = new ScratchFolder(_engine.Stills);
            var run = _engine.Run("Get-ChildItem $stills -Filter *.png | New-NebulaVideo -Prompt 'drift' -WhatIf", apiKey: null,
                variables: new Dictionary<string, object?> { ["stills"] = scratch.Stills });
            Assert.Empty(run.Errors);
            Assert.Contains("estimated cost $0.369 USD", run.Host.Text);
        }

        [Fact]
        public void One_bad_image_does_not_stop_the_good_ones()
        {
            using var scratch = new ScratchFolder(_engine.Stills);
            File.WriteAllText(Path.Combine(scratch.Stills, "notes.png"), "not an image at all");
            var big = new byte[6 * 1024 * 1024];
            File.ReadAllBytes(Path.Combine(scratch.Stills, "harbor.png")).CopyTo(big, 0);
            File.WriteAllBytes(Path.Combine(scratch.Stills, "huge.png"), big);

            var run = _engine.Run(@"
                Get-ChildItem $stills -Filter *.png | New-NebulaVideo -Prompt 'drift' |
                    Wait-NebulaVideoTask -PollIntervalSec 0.2 | Save-NebulaVideo -Path $videos",
                variables: new Dictionary<string, object?> { ["stills"] = scratch.Stills, ["videos"] = scratch.Videos });

            Assert.Equal(3, run.Objects<FileInfo>().Count());
            Assert.Equal(2, run.Errors.Count);
            Assert.Contains(run.Errors, e => e.FullyQualifiedErrorId.StartsWith("ImageFormatNotSupported,", StringComparison.Ordinal));
            Assert.Contains(run.Errors, e => e.FullyQualifiedErrorId.StartsWith("ImageTooLarge,", StringComparison.Ordinal));
        }

        [Fact]
        public void Get_task_binds_ids_by_value_and_by_property_name_and_tasks_by_value()
        {
            var run = _engine.Run(@"
                $task = New-NebulaVideo -Prompt 'a boat' -Model sora-2
                $task.TaskId | Get-NebulaVideoTask
                [pscustomobject]@{ Id = $task.TaskId } | Get-NebulaVideoTask
                $task | Get-NebulaVideoTask");

            Assert.Empty(run.Errors);
            var tasks = run.Objects<VideoTask>().ToList();
            Assert.Equal(3, tasks.Count);
            Assert.Single(tasks.Select(t => t.TaskId).Distinct());
            Assert.Equal("a boat", tasks[2].Prompt); // a refreshed task object keeps what only the submitter knew
        }
    }
}
