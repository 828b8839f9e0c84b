using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text;
using System.Threading.Tasks;
using NebulaVideo.Core;
using NebulaVideo.Core.Http;
using NebulaVideo.Emulator;
using Xunit;

namespace NebulaVideo.Tests
{
    /// <summary>
    /// Issue 7 as a user meets it: a gateway that faults its reads, loses a create's answer or never answers;
    /// a budget; local faults that are one item's error; a key that never leaks; a session's request context.
    /// Each test that needs faults starts its own emulator with a seeded plan, so a failure can be replayed.
    /// </summary>
    [Collection(EngineCollection.Name)]
    public sealed class ReliabilityTests
    {
        private static readonly TimeSpan Phase = TimeSpan.FromMilliseconds(200);

        private readonly EngineFixture _engine;

        public ReliabilityTests(EngineFixture engine) => _engine = engine;

        private static Task<EmulatorServer> StartFaulty(FaultPlan faults) =>
            EmulatorServer.StartAsync(new EmulatorOptions { PhaseDuration = Phase, Faults = faults });

        private static string Id(ErrorRecord error) => error.FullyQualifiedErrorId.Split(',')[0];

        private static string Describe(IEnumerable<ErrorRecord> errors) =>
            string.Join(" | ", errors.Select(e => e.FullyQualifiedErrorId + ": " + e));

        // ---------------------------------------------------------------- 1. a faulted batch loses nothing and pays once

        [Fact]
        public async Task A_hundred_images_through_a_gateway_that_faults_a_quarter_of_its_reads_all_end_as_whole_videos_paid_once()
        {
            await using var emulator = await StartFaulty(new FaultPlan
            {
                Rate = 0.25,
                Reads = true,
                Kinds = new[]
                {
                    FaultKind.TooManyRequests, FaultKind.ServerError, FaultKind.BadGateway, FaultKind.Unavailable, FaultKind.DropConnection,
                    FaultKind.TruncatedBody, FaultKind.NotFoundOnce, FaultKind.ExpiredLink,
                },
                Seed = 20240607,
            });
            using var scratch = new ScratchFolder(_engine.Stills);
            // Distinct bytes (a tail after IEND), so 100 identical-looking submissions are 100 different requests.
            var batch = scratch.DistinctCopies("batch", 100);

            var run = _engine.Run(@"
                Set-NebulaVideoRequestContext -RetryDelaySec 0.1 -MaxRetryDelaySec 1 -MaxRetry 8 | Out-Null
                Get-ChildItem $batch -Filter *.png | New-NebulaVideo -Prompt 'The tide comes in' |
                    Wait-NebulaVideoTask -PollIntervalSec 0.2 -Verbose | Tee-Object -Variable done |
                    Save-NebulaVideo -Path $videos -Verbose
                $done",
                gateway: emulator.GatewayUri,
                variables: new Dictionary<string, object?> { ["batch"] = batch, ["videos"] = scratch.Videos });

            Assert.True(run.Errors.Count == 0, "Expected no errors: " + Describe(run.Errors));
            Assert.True(emulator.FaultsInjected > 0, "The plan should really have faulted some reads.");
            var tasks = run.Objects<VideoTask>().ToList();
            var files = run.Objects<FileInfo>().ToList();
            Assert.Equal(100, tasks.Count);
            Assert.Equal(100, files.Count);
            Assert.Equal(100, tasks.Select(t => t.TaskId).Distinct().Count());
            foreach (var task in tasks)
            {
                Assert.Equal(VideoStatus.Succeeded, task.Status);
                var file = Path.Combine(scratch.Videos, Path.GetFileNameWithoutExtension(task.SourceImage!) + ".mp4");
                Assert.True(File.Exists(file), $"Task {task.TaskId} ({task.SourceImage}) should be saved as {file}.");
                Assert.True(emulator.VideoBytes(task.TaskId).AsSpan().SequenceEqual(File.ReadAllBytes(file)),
                    $"{file} should hold exactly the video of task {task.TaskId}.");
            }

            // Hidden temporaries included: nothing but the 100 videos is left in the folder.
            var names = Directory.GetFiles(scratch.Videos, "*", SearchOption.AllDirectories).Select(Path.GetFileName).ToList();
            Assert.DoesNotContain(names, n => n!.EndsWith(".partial", StringComparison.OrdinalIgnoreCase) || n.Contains(".partial", StringComparison.OrdinalIgnoreCase));
            Assert.Equal(100, names.Count);

            Assert.Equal(0, emulator.DuplicateSubmissionCount);
            Assert.Equal(100, emulator.CreatedTaskCount);
            Assert.Equal(100, emulator.Requests.Count(r => r.Method == "POST"));
            Assert.Contains(run.Verbose, line => line.Contains("retry", StringComparison.OrdinalIgnoreCase));
            // Downloads were faulted too (each fault repeats one), not only status reads: 0.75^100 odds against.
            Assert.True(emulator.Requests.Count(r => r.Origin == "storage") > 100, "Some downloads should have been faulted and repeated.");
        }

        [Fact]
        public async Task A_404_just_after_the_create_and_an_expired_link_are_each_got_over_once_per_task()
        {
            // Rate 1, but each kind can happen once per task only: the first status read answers 404, the first
            // download of the signed link 403 "Request has expired"; every other request is answered as usual.
            await using var emulator = await StartFaulty(new FaultPlan
            {
                Rate = 1,
                Reads = true,
                Kinds = new[] { FaultKind.NotFoundOnce, FaultKind.ExpiredLink },
                Seed = 1,
            });
            using var scratch = new ScratchFolder(_engine.Stills);

            var run = _engine.Run(@"
                Set-NebulaVideoRequestContext -RetryDelaySec 0.1 -MaxRetryDelaySec 1 | Out-Null
                Get-ChildItem $stills -Filter *.png | New-NebulaVideo -Prompt 'once' | Wait-NebulaVideoTask -PollIntervalSec 0.2 |
                    Tee-Object -Variable done | Save-NebulaVideo -Path $videos -Verbose
                $done",
                gateway: emulator.GatewayUri, variables: new Dictionary<string, object?> { ["stills"] = scratch.Stills, ["videos"] = scratch.Videos });

            Assert.True(run.Errors.Count == 0, "Expected no errors: " + Describe(run.Errors));
            var tasks = run.Objects<VideoTask>().ToList();
            Assert.Equal(3, tasks.Count);
            Assert.Equal(3, run.Objects<FileInfo>().Count());
            foreach (var task in tasks)
                Assert.Equal(emulator.VideoBytes(task.TaskId),
                    File.ReadAllBytes(Path.Combine(scratch.Videos, Path.GetFileNameWithoutExtension(task.SourceImage!) + ".mp4")));
            Assert.Equal(3, emulator.FaultCounts.GetValueOrDefault(FaultKind.NotFoundOnce));
            Assert.Equal(3, emulator.FaultCounts.GetValueOrDefault(FaultKind.ExpiredLink));
            // A fresh link was asked for: six downloads (three refused, three with new signatures).
            var downloads = emulator.Requests.Where(r => r.Origin == "storage").ToList();
            Assert.Equal(6, downloads.Count);
            Assert.Equal(6, downloads.Select(r => r.PathAndQuery).Distinct().Count());
            Assert.Contains(run.Verbose, line => line.Contains("fresh", StringComparison.OrdinalIgnoreCase));
            Assert.DoesNotContain(Directory.GetFiles(scratch.Videos, "*"), f => f.Contains(".partial", StringComparison.Ordinal));
        }

        // ---------------------------------------------------------------- 2. a create is never retried blindly

        [Fact]
        public async Task A_create_whose_answer_is_lost_is_SubmitOutcomeUnknown_and_is_never_posted_again()
        {
            await using var emulator = await StartFaulty(new FaultPlan
            {
                Rate = 1,
                Creates = true,
                Reads = false,
                Kinds = new[] { FaultKind.LostCreateAnswer },
                Seed = 3,
            });
            using var scratch = new ScratchFolder(_engine.Stills);
            var image = Path.Combine(scratch.Stills, "harbor.png");

            var run = _engine.Run("New-NebulaVideo -Prompt 'lost answer' -Path $image",
                gateway: emulator.GatewayUri, variables: new Dictionary<string, object?> { ["image"] = image });

            var error = run.SingleError();
            Assert.Equal("SubmitOutcomeUnknown", Id(error));
            Assert.Equal(ErrorCategory.OperationStopped, error.CategoryInfo.Category);
            Assert.Equal(image, error.TargetObject);
            Assert.False(string.IsNullOrWhiteSpace(error.ErrorDetails?.RecommendedAction), "The error should say how to find out.");
            Assert.Empty(run.Objects<VideoTask>());
            Assert.Equal(1, emulator.Requests.Count(r => r.Method == "POST"));
            Assert.Equal(1, emulator.SubmissionCount);
            Assert.Equal(1, emulator.CreatedTaskCount);
            Assert.Equal(0, emulator.DuplicateSubmissionCount);
            Assert.Equal(1, emulator.FaultsInjected);
        }

        // ---------------------------------------------------------------- 3. a gateway that never answers

        [Fact]
        public async Task A_gateway_that_never_answers_is_a_GatewayTimeout_after_the_attempts_asked_for()
        {
            // Creates are not faulted by this plan, so the task exists; every read of it hangs.
            await using var emulator = await StartFaulty(new FaultPlan { Rate = 1, Kinds = new[] { FaultKind.Hang }, Reads = true, Seed = 5 });
            using var scratch = new ScratchFolder(_engine.Stills);
            var created = _engine.Run("New-NebulaVideo -Prompt 'hang' -Path $image", gateway: emulator.GatewayUri,
                variables: new Dictionary<string, object?> { ["image"] = Path.Combine(scratch.Stills, "harbor.png") });
            Assert.Empty(created.Errors);
            var taskId = Assert.Single(created.Objects<VideoTask>()).TaskId;

            var since = DateTimeOffset.UtcNow;
            var watch = Stopwatch.StartNew();
            var run = _engine.Run("Get-NebulaVideoTask -TaskId $id -RequestTimeoutSec 1 -MaxRetry 1", gateway: emulator.GatewayUri,
                variables: new Dictionary<string, object?> { ["id"] = taskId });
            watch.Stop();

            var error = run.SingleError();
            Assert.Equal("GatewayTimeout", Id(error));
            Assert.Equal(ErrorCategory.OperationTimeout, error.CategoryInfo.Category);
            Assert.Contains("GET", error.Exception.Message, StringComparison.Ordinal);
            Assert.Contains(taskId, error.Exception.Message, StringComparison.Ordinal);
            Assert.Contains("2 attempts", error.Exception.Message, StringComparison.Ordinal);
            // A bound a loaded machine keeps (runspace, import and connect are in it too) that a read without a timeout
            // would never meet: the hang lasts as long as the emulator runs.
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"Two attempts of 1 s took {watch.Elapsed.TotalSeconds:0.0} s.");
            Assert.Equal(2, emulator.Requests.Count(r => r.Method == "GET" && r.ReceivedAt >= since && r.PathAndQuery.Contains(taskId, StringComparison.Ordinal)));

            // The session's context bounds it too, when no per-call value is given.
            since = DateTimeOffset.UtcNow;
            watch.Restart();
            run = _engine.Run("Set-NebulaVideoRequestContext -RequestTimeoutSec 1 -MaxRetry 0 | Out-Null; Get-NebulaVideoTask -TaskId $id",
                gateway: emulator.GatewayUri, variables: new Dictionary<string, object?> { ["id"] = taskId });
            watch.Stop();
            Assert.Equal("GatewayTimeout", Id(run.SingleError()));
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"One attempt of 1 s took {watch.Elapsed.TotalSeconds:0.0} s.");
            Assert.Equal(1, emulator.Requests.Count(r => r.Method == "GET" && r.ReceivedAt >= since && r.PathAndQuery.Contains(taskId, StringComparison.Ordinal)));
        }

        // ---------------------------------------------------------------- 4. a wait outlives failed reads

        [Fact]
        public async Task A_wait_keeps_following_a_task_whose_reads_keep_failing_and_warns_once()
        {
            await using var emulator = await StartFaulty(new FaultPlan { Rate = 0.6, Kinds = new[] { FaultKind.Unavailable }, Reads = true, Seed = 11 });
            using var scratch = new ScratchFolder(_engine.Stills);

            var run = _engine.Run(@"
                New-NebulaVideo -Prompt 'patience' -Path $image | Wait-NebulaVideoTask -PollIntervalSec 0.2 -MaxRetry 0 -WarningVariable warned
                $warned | ForEach-Object { 'WARNING: ' + $_.Message }",
                gateway: emulator.GatewayUri, variables: new Dictionary<string, object?> { ["image"] = Path.Combine(scratch.Stills, "harbor.png") });

            Assert.True(run.Errors.Count == 0, "Expected no errors: " + Describe(run.Errors));
            var task = Assert.Single(run.Objects<VideoTask>());
            Assert.Equal(VideoStatus.Succeeded, task.Status);
            Assert.True(emulator.FaultsInjected > 0, "The plan should really have failed some reads.");
            var warnings = run.Objects<string>().Where(s => s.StartsWith("WARNING: ", StringComparison.Ordinal)).ToList();
            var warning = Assert.Single(warnings); // said once per task, however many reads fail
            Assert.Contains("could not be read", warning, StringComparison.Ordinal);
            Assert.Contains(task.TaskId, warning, StringComparison.Ordinal);
            Assert.Contains("could not be read", run.Host.Text, StringComparison.Ordinal);
        }

        // ---------------------------------------------------------------- 5. the budget guard

        [Fact]
        public void MaxCostUsd_submits_what_fits_refuses_the_rest_and_says_what_was_committed()
        {
            using var scratch = new ScratchFolder(_engine.Stills);
            var since = DateTimeOffset.UtcNow;

            // wan2.5-i2v-preview, 720p, 5 s: 0.369 each; two fit in 0.8, the third would make 1.107.
            var run = _engine.Run("Get-ChildItem $stills -Filter *.png | Sort-Object Name | New-NebulaVideo -Prompt 'budget' -MaxCostUsd 0.8",
                variables: new Dictionary<string, object?> { ["stills"] = scratch.Stills });

            Assert.Equal(2, run.Objects<VideoTask>().Count());
            var error = run.SingleError();
            Assert.Equal("BudgetExceeded", Id(error));
            Assert.Equal(ErrorCategory.LimitsExceeded, error.CategoryInfo.Category);
            Assert.Equal(Path.Combine(scratch.Stills, "tower.png"), error.TargetObject);
            Assert.Equal(2, _engine.PostsSince(since));
            Assert.Contains("0.738", run.Host.Text, StringComparison.Ordinal);
            Assert.Contains("committed", run.Host.Text, StringComparison.Ordinal);
        }

        [Fact]
        public void MaxCostUsd_refuses_a_model_without_a_published_price_before_posting()
        {
            var since = DateTimeOffset.UtcNow;
            var run = _engine.Run(@"
                Connect-NebulaVideo -Name uni -Dialect Unified -BaseUri $unified -ApiKey $keyB | Out-Null
                New-NebulaVideo -Prompt 'priceless' -Model wan2.6-image-to-video -ImageUrl https://example.com/a.png -MaxCostUsd 10",
                variables: new Dictionary<string, object?>
                {
                    ["unified"] = _engine.Emulator.UnifiedUri.ToString(),
                    ["keyB"] = EngineFixture.Secure(TwoGateways.KeyB),
                });

            var error = run.SingleError();
            Assert.Equal("BudgetPriceUnknown", Id(error));
            Assert.Equal(ErrorCategory.LimitsExceeded, error.CategoryInfo.Category);
            Assert.Equal("https://example.com/a.png", error.TargetObject);
            Assert.Empty(run.Objects<VideoTask>());
            Assert.Equal(0, _engine.PostsSince(since));
        }

        // ---------------------------------------------------------------- 6. local faults are items' errors

        [Fact]
        public void Unusable_save_folders_are_each_tasks_error_and_the_pipeline_goes_on()
        {
            using var scratch = new ScratchFolder(_engine.Stills);
            var blocker = scratch["blocker"]; // an existing file without an extension: taken for a folder
            File.WriteAllText(blocker, "not a folder");
            var unwritable = UnwritableFolder(scratch);
            if (OperatingSystem.IsLinux()) Assert.NotNull(unwritable); // never silently skipped where it can be tried
            try
            {
                var run = _engine.Run(@"
                    Get-ChildItem $stills -Filter *.png | Sort-Object Name | Select-Object -First 2 |
                        New-NebulaVideo -Prompt 'local faults' | Wait-NebulaVideoTask -PollIntervalSec 0.2 |
                        Tee-Object -Variable done | Save-NebulaVideo -Path $blocker
                    if ($unwritable) { $done | Save-NebulaVideo -Path $unwritable }
                    $done | Save-NebulaVideo -Path $videos
                    $done",
                    variables: new Dictionary<string, object?>
                    {
                        ["stills"] = scratch.Stills, ["blocker"] = blocker, ["unwritable"] = unwritable, ["videos"] = scratch.Videos,
                    });

                // Wait upstream was not stopped by Save's failures: both tasks reached the end.
                var tasks = run.Objects<VideoTask>().ToList();
                Assert.Equal(2, tasks.Count);
                var expected = new List<(string, ErrorCategory, object)>
                {
                    ("PathIsFile", ErrorCategory.ResourceExists, blocker),
                    ("PathIsFile", ErrorCategory.ResourceExists, blocker),
                };
                if (unwritable is not null)
                {
                    expected.Add(("FileWriteFailed", ErrorCategory.WriteError, unwritable));
                    expected.Add(("FileWriteFailed", ErrorCategory.WriteError, unwritable));
                }
                Assert.True(expected.Count == run.Errors.Count, $"Expected {expected.Count} errors: " + Describe(run.Errors));
                Assert.Equal(expected, run.Errors.Select(e => (Id(e), e.CategoryInfo.Category, e.TargetObject)));
                Assert.All(run.Errors, e => Assert.False(string.IsNullOrWhiteSpace(e.ErrorDetails?.RecommendedAction)));
                Assert.Equal("not a folder", File.ReadAllText(blocker));

                // The good folder still got both videos, and no temporary was left anywhere.
                var files = run.Objects<FileInfo>().ToList();
                Assert.Equal(2, files.Count);
                foreach (var task in tasks)
                    Assert.Equal(_engine.Emulator.VideoBytes(task.TaskId),
                        File.ReadAllBytes(Path.Combine(scratch.Videos, Path.GetFileNameWithoutExtension(task.SourceImage!) + ".mp4")));
                Assert.DoesNotContain(Directory.GetFiles(scratch.FullName, "*", SearchOption.AllDirectories), f => f.Contains(".partial", StringComparison.Ordinal));
            }
            finally
            {
                var readOnly = scratch["readonly"];
                if (Directory.Exists(readOnly) && !OperatingSystem.IsWindows())
                    File.SetUnixFileMode(readOnly, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        /// <summary>
        /// A folder videos cannot be written in: a read-only one (chmod 555), or, where that does not stop
        /// writes (root), a folder that cannot be created under /sys; null when neither is possible here.
        /// </summary>
        private static string? UnwritableFolder(ScratchFolder scratch)
        {
            if (OperatingSystem.IsWindows()) return null;
            var readOnly = scratch["readonly"];
            Directory.CreateDirectory(readOnly);
            File.SetUnixFileMode(readOnly, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute
                | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
            var probe = Path.Combine(readOnly, "probe");
            try
            {
                File.WriteAllText(probe, "x");
                File.Delete(probe);
            }
            catch (UnauthorizedAccessException)
            {
                return readOnly;
            }
            catch (IOException)
            {
                return readOnly;
            }
            // Root writes through 555; sysfs refuses new folders even to root.
            var uncreatable = Path.Combine("/sys", "nebulavideo-tests-" + Guid.NewGuid().ToString("N"));
            try
            {
                Directory.CreateDirectory(uncreatable);
                Directory.Delete(uncreatable);
                return null;
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                return uncreatable;
            }
        }

        [Fact]
        public void A_journal_path_that_is_a_folder_fails_each_item_before_anything_is_paid()
        {
            using var scratch = new ScratchFolder(_engine.Stills);
            var folder = scratch["journal-folder"];
            Directory.CreateDirectory(folder);
            var variables = new Dictionary<string, object?>
            {
                ["stills"] = scratch.Stills, ["folder"] = folder, ["journal"] = scratch["runbook.journal"],
            };
            var since = DateTimeOffset.UtcNow;

            var run = _engine.Run("Get-ChildItem $stills -Filter *.png | Sort-Object Name | Select-Object -First 2 | New-NebulaVideo -Prompt 'journal' -JournalPath $folder",
                variables: variables);

            Assert.Equal(new[] { "JournalUnwritable", "JournalUnwritable" }, run.Errors.Select(Id));
            Assert.All(run.Errors, e =>
            {
                Assert.Equal(ErrorCategory.WriteError, e.CategoryInfo.Category);
                Assert.Equal(folder, e.TargetObject);
            });
            Assert.Empty(run.Objects<VideoTask>());
            Assert.Equal(0, _engine.PostsSince(since));

            // The same items with a usable journal are submitted, and recorded.
            since = DateTimeOffset.UtcNow;
            run = _engine.Run("Get-ChildItem $stills -Filter *.png | Sort-Object Name | Select-Object -First 2 | New-NebulaVideo -Prompt 'journal' -JournalPath $journal",
                variables: variables);
            Assert.Empty(run.Errors);
            var tasks = run.Objects<VideoTask>().ToList();
            Assert.Equal(2, tasks.Count);
            Assert.Equal(2, _engine.PostsSince(since));
            var journal = File.ReadAllText(scratch["runbook.journal"]);
            Assert.All(tasks, t => Assert.Contains(t.TaskId, journal, StringComparison.Ordinal));
        }

        // ---------------------------------------------------------------- 7. security

        [Fact]
        public void A_base_uri_with_a_password_is_refused_without_echoing_it_and_a_blank_key_is_refused()
        {
            var run = _engine.Run("Connect-NebulaVideo -BaseUri 'https://user:secret@gateway.example.com' -ApiKey $key", apiKey: null,
                variables: new Dictionary<string, object?> { ["key"] = EngineFixture.Secure("sk-some-real-key") });
            var error = run.SingleError();
            Assert.Equal("BaseUriInvalid", Id(error));
            Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
            foreach (var text in new[]
            {
                error.Exception.Message, error.Exception.ToString(), error.TargetObject?.ToString(), error.ErrorDetails?.Message,
                error.ErrorDetails?.RecommendedAction, error.CategoryInfo.ToString(), error.ToString(),
            })
                Assert.DoesNotContain("secret", text ?? string.Empty, StringComparison.OrdinalIgnoreCase);

            run = _engine.Run("Connect-NebulaVideo -BaseUri $NebulaGateway -ApiKey $key", apiKey: null,
                variables: new Dictionary<string, object?> { ["key"] = EngineFixture.Secure("    ") });
            error = run.SingleError();
            Assert.Equal("ApiKeyMissing", Id(error));
            Assert.Equal(ErrorCategory.AuthenticationError, error.CategoryInfo.Category);
        }

        [Fact]
        public void The_key_appears_in_no_output_stream_error_transcript_or_journal()
        {
            const string Canary = "sk-canary-7Qz4Vw9Lp2Xk";
            using var scratch = new ScratchFolder(_engine.Stills);
            var transcript = scratch["transcript.txt"];
            var journal = scratch["canary.journal"];
            var defaultJournal = scratch["default.journal"];
            var since = DateTimeOffset.UtcNow;

            var run = _engine.Run(@"
                $transcribing = [bool](Get-Command Start-Transcript -ErrorAction SilentlyContinue)
                Start-Transcript -Path $transcript | Out-Null
                $tasks = Get-ChildItem $stills -Filter harbor.png |
                    New-NebulaVideo -Prompt 'canary' -JournalPath $journal -Verbose -Debug |
                    Wait-NebulaVideoTask -PollIntervalSec 0.2 -Verbose -Debug
                $files = $tasks | Save-NebulaVideo -Path $videos -Verbose -Debug
                $tasks | Format-List * | Out-String | Write-Host
                Get-NebulaVideoConnection | Format-List * | Out-String | Write-Host
                # Stopped before the error, which is searched in the error records below.
                Stop-Transcript | Out-Null
                Get-NebulaVideoTask -TaskId 'task-that-does-not-exist' -Verbose -Debug
                $tasks
                $files
                $tasks | ConvertTo-Json -Depth 5
                $tasks | Format-List * | Out-String
                $tasks | ForEach-Object { $_.ToString() }
                Get-NebulaVideoConnection | Format-List * | Out-String
                Get-NebulaVideoConnection | ConvertTo-Json -Depth 5
                $Error | Out-String
                $Error | ForEach-Object { $_.Exception.ToString() }
                'transcribing=' + $transcribing",
                apiKey: Canary,
                variables: new Dictionary<string, object?>
                {
                    ["stills"] = scratch.Stills, ["videos"] = scratch.Videos, ["transcript"] = transcript, ["journal"] = journal,
                    // Where the default journal goes, if the module keeps one: searched too.
                    ["NebulaVideoJournalPath"] = defaultJournal,
                });

            // The pipeline really ran and used the key: a task was saved, the gateway saw the key, the storage host did not.
            var task = Assert.Single(run.Objects<VideoTask>());
            Assert.Equal(VideoStatus.Succeeded, task.Status);
            Assert.Single(run.Objects<FileInfo>());
            Assert.Equal("GatewayTaskNotFound", Id(run.SingleError()));
            var requests = _engine.Emulator.Requests.Where(r => r.ReceivedAt >= since).ToList();
            Assert.Contains(requests, r => r.Origin == "gateway" && r.Authorization == "Bearer " + Canary);
            Assert.Contains(requests, r => r.Origin == "storage");
            Assert.All(requests.Where(r => r.Origin == "storage"), r => Assert.Null(r.Authorization));
            Assert.NotEmpty(run.Verbose);
            Assert.Contains(run.Verbose, v => v.Contains("POST", StringComparison.Ordinal));

            var places = new Dictionary<string, string>
            {
                ["output"] = string.Join("\n", run.Output.Select(o => o?.ToString())),
                ["output properties"] = string.Join("\n", run.Output.SelectMany(o => o.Properties.Select(p => { try { return p.Value?.ToString(); } catch (Exception ex) { return ex.Message; } }))),
                ["verbose"] = string.Join("\n", run.Verbose),
                ["host (warnings, debug, Write-Host)"] = run.Host.Text,
                ["errors"] = string.Join("\n", run.Errors.Select(e => string.Join("\n", e.ToString(), e.Exception.ToString(), e.TargetObject?.ToString(),
                    e.ErrorDetails?.Message, e.ErrorDetails?.RecommendedAction))),
                ["journal"] = File.ReadAllText(journal),
            };
            if (File.Exists(defaultJournal)) places["default journal"] = File.ReadAllText(defaultJournal);
            Assert.Contains("transcribing=True", run.Objects<string>());
            places["transcript"] = File.ReadAllText(transcript);
            Assert.Contains("VERBOSE: POST", places["transcript"], StringComparison.Ordinal);
            Assert.Contains(task.TaskId, places["journal"], StringComparison.Ordinal);
            foreach (var (where, text) in places)
                Assert.False(text.Contains(Canary, StringComparison.Ordinal) || text.Contains("7Qz4Vw9Lp2Xk", StringComparison.Ordinal),
                    $"The key appears in the {where}.");
        }

        // ---------------------------------------------------------------- 8. the request context

        [Fact]
        public void The_request_context_is_set_read_reset_and_belongs_to_its_session()
        {
            var run = _engine.Run(@"
                Set-NebulaVideoRequestContext -MaxRetry 2 -RequestTimeoutSec 7 -PassThru
                Get-NebulaVideoRequestContext
                Set-NebulaVideoRequestContext -Reset -PassThru
                Get-NebulaVideoRequestContext
                Set-NebulaVideoRequestContext -MaxRetry 3 -RetryDelaySec 0.5 -MaxRetryDelaySec 2 -PassThru
                Set-NebulaVideoRequestContext -Reset -MaxRetry 1 -PassThru", apiKey: null);

            Assert.Empty(run.Errors);
            var contexts = run.Objects<ClientOptions>().ToList();
            Assert.Equal(6, contexts.Count);
            var (set, got, reset, afterReset, more, resetWith) = (contexts[0], contexts[1], contexts[2], contexts[3], contexts[4], contexts[5]);
            Assert.Equal(2, set.MaxReadRetries);
            Assert.Equal(TimeSpan.FromSeconds(7), set.RequestTimeout);
            Assert.Equal(ClientOptions.Default.RetryBaseDelay, set.RetryBaseDelay);
            Assert.Equal(set, got);
            Assert.Equal(4, reset.MaxReadRetries);
            Assert.Equal(TimeSpan.FromSeconds(30), reset.RequestTimeout);
            Assert.Equal(ClientOptions.Default, reset);
            Assert.Equal(ClientOptions.Default, afterReset);
            Assert.Equal((3, TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(2)), (more.MaxReadRetries, more.RetryBaseDelay, more.MaxRetryDelay));
            // -Reset first, then the values given with it.
            Assert.Equal(ClientOptions.Default with { MaxReadRetries = 1 }, resetWith);

            // Another session never sees this one's context.
            _engine.Run("Set-NebulaVideoRequestContext -MaxRetry 9 -RequestTimeoutSec 99 | Out-Null", apiKey: null);
            var other = _engine.Run("Get-NebulaVideoRequestContext", apiKey: null);
            Assert.Empty(other.Errors);
            var fresh = Assert.Single(other.Objects<ClientOptions>());
            Assert.Equal(4, fresh.MaxReadRetries);
            Assert.Equal(ClientOptions.Default, fresh);
        }
    }
}
