using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using NebulaVideo.Core;
using NebulaVideo.Core.Catalog;
using NebulaVideo.Emulator;
using Xunit;

namespace NebulaVideo.Tests
{
    /// <summary>
    /// The corners where a new user lost money, files or time (issue 13): what -WhatIf and Measure-NebulaVideoCost
    /// say a run costs, columns that bind to nothing, paths on other drives, which video gets which name, reruns.
    /// </summary>
    [Collection(EngineCollection.Name)]
    public sealed class NewUserCornersTests
    {
        private readonly EngineFixture _engine;

        public NewUserCornersTests(EngineFixture engine) => _engine = engine;

        // "... on target "<source> (<model>, <seconds> s, <format>)"" with "estimated cost $<usd> USD" or "unknown".
        private static readonly Regex WhatIfLine = new Regex(
            @"^What if: .*estimated cost (?:\$(?<usd>[0-9.]+) USD|(?<unknown>unknown)).* on target "".*\((?<model>[^,()]+), (?<seconds>\d+) s, (?<format>[^,()]+)\)""\.$");

        public static IEnumerable<object[]> Jobs => new[]
        {
            new object[] { "samples/jobs.csv", null! },
            // sora-2 rows with Size and Resolution columns, text only and with landscape (harbor) and portrait (tower) stills.
            new object[] { "sora.csv", string.Join("\n",
                "Prompt,Path,Model,Duration,Size,Resolution",
                "\"boat landscape\",,sora-2,4,1280x720,",
                "\"boat portrait\",,sora-2,8,720x1280,",
                "\"boat by resolution\",,sora-2,12,,1280x720",
                "\"boat default\",,sora-2,4,,",
                "\"harbor as it is\",stills/harbor.png,sora-2,8,,",
                "\"tower as it is\",stills/tower.png,sora-2,4,,",
                "\"harbor sized\",stills/harbor.png,sora-2,4,1280x720,",
                "\"wan by resolution\",stills/harbor.png,wan2.5-i2v-preview,10,,480p") },
        };

        [Theory]
        [MemberData(nameof(Jobs))]
        public void Measure_and_WhatIf_agree_row_by_row_on_model_seconds_format_and_cost(string file, string? content)
        {
            using var scratch = new ScratchFolder(_engine.Stills);
            var jobs = content is null ? Path.Combine(_engine.RepoRoot, file) : scratch[file];
            if (content is not null) File.WriteAllText(jobs, content);
            var variables = TwoGateways.Variables(_engine, ("jobs", jobs), ("folder", scratch.FullName));

            var run = _engine.Run(TwoGateways.Connect + @"
                Set-Location $folder
                $rows = Import-Csv $jobs
                if (-not (Test-Path stills/harbor.png)) { Copy-Item -Recurse (Join-Path (Split-Path $jobs) stills) . -ErrorAction SilentlyContinue }
                $rows | Measure-NebulaVideoCost -WarningAction SilentlyContinue
                $rows | New-NebulaVideo -WhatIf -WarningAction SilentlyContinue", apiKey: null, variables: variables);

            Assert.Empty(run.Errors);
            var measured = run.Objects<CostEstimate>().Where(e => !e.IsTotal)
                .SelectMany(e => Enumerable.Repeat((e.Model, e.Duration, e.Resolution, e.EstimatedCostUsd is null ? null : (decimal?)(e.EstimatedCostUsd / e.Count)), e.Count))
                .OrderBy(r => r.ToString(), StringComparer.Ordinal).ToList();
            var submitted = run.Host.Text.Split('\n').Select(l => WhatIfLine.Match(l.Trim())).Where(m => m.Success)
                .Select(m => ((string?)m.Groups["model"].Value, (int?)int.Parse(m.Groups["seconds"].Value, CultureInfo.InvariantCulture), (string?)m.Groups["format"].Value,
                    m.Groups["unknown"].Success ? null : (decimal?)decimal.Parse(m.Groups["usd"].Value, CultureInfo.InvariantCulture)))
                .OrderBy(r => r.ToString(), StringComparer.Ordinal).ToList();
            Assert.Equal(File.ReadAllLines(jobs).Count(l => l.Trim().Length > 0) - 1, submitted.Count);
            Assert.Equal(submitted, measured);
            if (content is not null)
            {
                // Spelled out for the sora rows, since agreeing on a wrong size would pass the comparison above.
                Assert.Equal(new[] { "1280x720", "720x1280", "1280x720", "720x1280", "1280x720", "720x1280", "1280x720", "480p" },
                    run.Host.Text.Split('\n').Select(l => WhatIfLine.Match(l.Trim())).Where(m => m.Success).Select(m => m.Groups["format"].Value));
            }
        }

        [Fact]
        public void A_column_that_binds_to_nothing_is_said_once_and_a_misspelt_or_command_line_one_is_its_rows_error()
        {
            using var scratch = new ScratchFolder(_engine.Stills);
            File.WriteAllText(scratch["jobs.csv"], string.Join("\n",
                "Prompt,Path,Notes,Owner",
                "one,stills/harbor.png,first,ann",
                "two,stills/sunrise.png,second,bob"));
            File.WriteAllText(scratch["typo.csv"], string.Join("\n",
                "Prompt,Path,Resoluton",
                "typo,stills/harbor.png,480p"));
            File.WriteAllText(scratch["budget.csv"], string.Join("\n",
                "Prompt,Path,MaxCostUsd",
                "budget,stills/harbor.png,1"));
            var since = DateTimeOffset.UtcNow;

            var run = _engine.Run(@"
                Set-Location $folder
                Import-Csv jobs.csv | New-NebulaVideo -WarningVariable +said
                Import-Csv typo.csv | New-NebulaVideo
                Import-Csv budget.csv | New-NebulaVideo
                Import-Csv typo.csv | Measure-NebulaVideoCost", variables: new Dictionary<string, object?> { ["folder"] = scratch.FullName });

            Assert.Equal(2, run.Objects<VideoTask>().Count());
            var said = Assert.Single(run.Host.Text.Split('\n'), l => l.Contains("bind to no parameter", StringComparison.Ordinal));
            Assert.Contains("Notes, Owner", said, StringComparison.Ordinal);
            Assert.Equal(new[] { "ColumnNotBound", "ColumnNotBound", "ColumnNotBound" }, run.Errors.Select(e => e.FullyQualifiedErrorId.Split(',')[0]));
            Assert.Contains("did you mean 'Resolution'", run.Errors[0].Exception.Message, StringComparison.Ordinal);
            Assert.Contains("-MaxCostUsd", run.Errors[1].Exception.Message, StringComparison.Ordinal);
            Assert.All(run.Errors, e => Assert.IsType<PSObject>(e.TargetObject));
            // The estimate refuses the row New-NebulaVideo refuses, so it never prices what will not be made.
            Assert.Equal(0, run.Objects<CostEstimate>().Single(e => e.IsTotal).Count);
            Assert.Equal(2, _engine.PostsSince(since));
        }

        [Fact]
        public void WhatIf_holds_to_MaxCostUsd_as_the_real_run_does()
        {
            using var scratch = new ScratchFolder(_engine.Stills);
            var folder = scratch.DistinctCopies("eight", 8);
            const string pipeline = "Get-ChildItem $folder -Filter *.png | New-NebulaVideo -Prompt 'budget' -Resolution 480p -MaxCostUsd 1 -ErrorVariable refused -ErrorAction SilentlyContinue";

            var whatIf = _engine.Run(pipeline + " -WhatIf; $refused", variables: new Dictionary<string, object?> { ["folder"] = folder });
            var real = _engine.Run(pipeline + "; $refused", variables: new Dictionary<string, object?> { ["folder"] = folder });

            var shown = whatIf.Host.Text.Split('\n').Count(l => l.StartsWith("What if: ", StringComparison.Ordinal));
            Assert.Equal(5, real.Objects<VideoTask>().Count()); // 5 x $0.1845 = $0.9225
            Assert.Equal(5, shown);
            var refused = whatIf.Objects<ErrorRecord>().ToList();
            Assert.Equal(Enumerable.Repeat("BudgetExceeded", 3), refused.Select(e => e.FullyQualifiedErrorId.Split(',')[0]));
            Assert.Equal(refused.Select(e => e.TargetObject), real.Objects<ErrorRecord>().Select(e => e.TargetObject));
        }

        public static IEnumerable<object[]> ElsewherePaths => new[]
        {
            new object[] { "Save-NebulaVideo -TaskId $id -Path Env:/x" },
            new object[] { "Set-Location Env:; Save-NebulaVideo -TaskId $id -Path ./fromenv" },
            new object[] { "Save-NebulaVideo -TaskId $id -Path $videos -SourceRoot Env:/x" },
            new object[] { "New-NebulaVideo -Prompt p -LiteralPath $harbor -JournalPath Env:/j.jsonl" },
            new object[] { "Set-Location Env:; New-NebulaVideo -Prompt p -LiteralPath $harbor -JournalPath j.jsonl" },
            new object[] { "$NebulaVideoJournalPath = 'Env:/j.jsonl'; New-NebulaVideo -Prompt p -LiteralPath $harbor" },
            new object[] { "Get-NebulaVideoTask -FromJournal -JournalPath Env:/j.jsonl" },
            new object[] { "Clear-NebulaVideoJournal -JournalPath Env:/j.jsonl -Confirm:$false" },
            new object[] { "Save-NebulaVideo -TaskId $id -Path $videos -JournalPath Function:/j.jsonl" },
        };

        [Theory]
        [MemberData(nameof(ElsewherePaths))]
        public void A_path_on_another_providers_drive_is_refused_and_nothing_lands_in_the_working_folder(string script)
        {
            using var scratch = new ScratchFolder(_engine.Stills);
            var before = Directory.GetFileSystemEntries(Environment.CurrentDirectory).ToHashSet();
            var since = DateTimeOffset.UtcNow;

            var run = _engine.Run(script, variables: new Dictionary<string, object?>
            {
                ["id"] = "ae8eb420-8aa6-440a-8eb8-1d1afe8d5e97", ["videos"] = scratch.Videos, ["harbor"] = Path.Combine(scratch.Stills, "harbor.png"),
            });

            var error = Assert.Single(run.Errors);
            Assert.Contains("PathNotOnFileSystem", error.FullyQualifiedErrorId, StringComparison.Ordinal);
            Assert.Matches("on the (Environment|Function) provider", error.Exception.Message);
            Assert.Equal(before, Directory.GetFileSystemEntries(Environment.CurrentDirectory).ToHashSet());
            Assert.Equal(0, _engine.PostsSince(since));
        }

        [Theory]
        [InlineData("-LiteralPath")]
        [InlineData("-Path")]
        public void An_image_on_a_drive_that_does_not_exist_is_that_items_error_and_the_rest_go_on(string parameter)
        {
            using var scratch = new ScratchFolder(_engine.Stills);
            var since = DateTimeOffset.UtcNow;

            var run = _engine.Run($@"
                'NoSuchDrive:/stills/harbor.png', (Join-Path $stills 'tower.png') |
                    ForEach-Object {{ New-NebulaVideo -Prompt 'drives' {parameter} $_ -JournalPath (Join-Path $stills j.jsonl) }}",
                variables: new Dictionary<string, object?> { ["stills"] = scratch.Stills });

            var error = Assert.Single(run.Errors);
            Assert.StartsWith("ImageNotOnFileSystem,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
            Assert.Equal("NoSuchDrive:/stills/harbor.png", error.TargetObject);
            Assert.Contains("NoSuchDrive", error.Exception.Message, StringComparison.Ordinal);
            Assert.Single(run.Objects<VideoTask>());
            Assert.Equal(1, _engine.PostsSince(since));
        }

        [Fact]
        public void Paths_resolve_through_the_session_location_and_file_system_drives()
        {
            using var scratch = new ScratchFolder(_engine.Stills);
            var drive = "NvTest" + Guid.NewGuid().ToString("N").Substring(0, 6);

            var run = _engine.Run(@"
                New-PSDrive -Name $drive -PSProvider FileSystem -Root $folder | Out-Null
                Set-Location ""$($drive):/stills""
                $task = New-NebulaVideo -Prompt 'drives' -LiteralPath ./harbor.png -JournalPath ../relative.journal -Wait -PollIntervalSec 0.1
                $task.TaskId
                $task | Save-NebulaVideo -Path ""$($drive):/out"" -SourceRoot ""$($drive):/stills""
                Set-Location $folder
                $task | Save-NebulaVideo -Path ./relative -JournalPath ./relative.journal
                Get-NebulaVideoTask -FromJournal -JournalPath ""$($drive):/relative.journal"" | ForEach-Object TaskId
                Clear-NebulaVideoJournal -JournalPath ./relative.journal -Before ([datetime]::UtcNow.AddDays(-1)) -Confirm:$false",
                variables: new Dictionary<string, object?> { ["drive"] = drive, ["folder"] = scratch.FullName });

            Assert.Empty(run.Errors);
            Assert.True(File.Exists(scratch["relative.journal"]), "The journal belongs where the session stood, not in the process's working folder.");
            Assert.True(File.Exists(Path.Combine(scratch["out"], "harbor.mp4")));
            Assert.True(File.Exists(Path.Combine(scratch["relative"], "harbor.mp4")));
            // The task's id, then the same id listed from the journal through the drive.
            var ids = run.Output.Select(o => o.BaseObject).OfType<string>().ToList();
            Assert.Equal(2, ids.Count);
            Assert.Equal(ids[0], ids[1]);
        }

        [Fact]
        public void The_temp_drive_works_for_every_path()
        {
            var name = "nebulavideo-temp-" + Guid.NewGuid().ToString("N");
            var folder = Path.Combine(Path.GetTempPath(), name);
            try
            {
                var run = _engine.Run($@"
                    New-NebulaVideo -Prompt 'temp' -LiteralPath (Join-Path $stills harbor.png) -JournalPath Temp:/{name}/j.journal -Wait -PollIntervalSec 0.1 |
                        Save-NebulaVideo -Path Temp:/{name}/videos",
                    variables: new Dictionary<string, object?> { ["stills"] = _engine.Stills });

                Assert.Empty(run.Errors);
                Assert.True(File.Exists(Path.Combine(folder, "j.journal")));
                Assert.True(File.Exists(Path.Combine(folder, "videos", "harbor.mp4")));
            }
            finally
            {
                if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
            }
        }

        [Theory]
        [InlineData(Core.Tasks.TaskJournal.PathVariable, "JournalUnwritable", "New-NebulaVideo -Prompt p -LiteralPath $harbor")]
        [InlineData(ModelCatalog.UserFileVariable, "CatalogFileInvalid", "Measure-NebulaVideoCost")]
        public void A_relative_path_in_an_environment_variable_is_refused_not_read_against_the_process_folder(string variable, string errorId, string script)
        {
            var saved = Environment.GetEnvironmentVariable(variable);
            Environment.SetEnvironmentVariable(variable, "relative/file.json");
            try
            {
                var since = DateTimeOffset.UtcNow;
                var run = _engine.Run("$NebulaVideoJournalPath = $null; " + script,
                    variables: new Dictionary<string, object?> { ["harbor"] = Path.Combine(_engine.Stills, "harbor.png") });
                var error = Assert.Single(run.Errors);
                Assert.StartsWith(errorId + ",", error.FullyQualifiedErrorId, StringComparison.Ordinal);
                Assert.Contains(variable, error.Exception.Message, StringComparison.Ordinal);
                Assert.Equal(0, _engine.PostsSince(since));
            }
            finally
            {
                Environment.SetEnvironmentVariable(variable, saved);
            }
        }

        [Fact]
        public void Which_video_gets_the_plain_name_follows_the_input_order_not_the_finishing_order()
        {
            using var scratch = new ScratchFolder(_engine.Stills);
            File.WriteAllText(scratch["jobs.csv"], string.Join("\n",
                "Prompt,Path,ImageUrl,Model",
                "\"first, local\",stills/harbor.png,,wan2.5-i2v-preview",
                "\"second, by URL\",,https://images.example.com/stills/harbor.png,wan2.5-image-to-video",
                "\"third, local again\",stills/harbor.png,,wan2.5-i2v-preview"));
            var variables = TwoGateways.Variables(_engine, ("folder", scratch.FullName));

            var run = _engine.Run(TwoGateways.Connect + @"
                Set-Location $folder
                $tasks = @(Import-Csv jobs.csv | New-NebulaVideo -Wait -PollIntervalSec 0.1)
                $tasks | Save-NebulaVideo -Path ./in-order | Out-Null
                $tasks[2..0] | Save-NebulaVideo -Path ./reversed | Out-Null
                $tasks | Export-Csv tasks.csv
                Import-Csv tasks.csv | Sort-Object TaskId -Descending | Save-NebulaVideo -Path ./round-trip | Out-Null
                $tasks", apiKey: null, variables: variables);

            Assert.Empty(run.Errors);
            var tasks = run.Objects<VideoTask>().ToList();
            var first = tasks.Single(t => t.Prompt == "first, local");
            Assert.Equal(new int?[] { 1, 2, 3 }, tasks.OrderBy(t => t.Prompt == "first, local" ? 0 : t.Prompt == "second, by URL" ? 1 : 2).Select(t => t.ImageOccurrence));
            foreach (var folder in new[] { "in-order", "reversed", "round-trip" })
            {
                var names = Directory.GetFiles(scratch[folder]).Select(Path.GetFileName).OrderBy(n => n, StringComparer.Ordinal).ToList();
                Assert.Equal(tasks.Where(t => t != first).Select(t => $"harbor-{t.TaskId}.mp4").Append("harbor.mp4").OrderBy(n => n, StringComparer.Ordinal), names);
                Assert.Equal(File.ReadAllBytes(Path.Combine(scratch["in-order"], "harbor.mp4")), File.ReadAllBytes(Path.Combine(scratch[folder], "harbor.mp4")));
            }
        }

        [Fact]
        public void Running_a_finished_pipeline_again_ends_with_every_video_in_place_and_no_error()
        {
            using var scratch = new ScratchFolder(_engine.Stills);
            File.WriteAllText(scratch["jobs.csv"], File.ReadAllText(Path.Combine(_engine.RepoRoot, "samples", "jobs.csv")));
            var variables = TwoGateways.Variables(_engine, ("folder", scratch.FullName));
            // The README's CSV runbook, as written there, and then the same command again "after a crash".
            const string runbook = TwoGateways.Connect + @"
                Set-Location $folder
                Import-Csv jobs.csv |
                    New-NebulaVideo -JournalPath ./jobs.journal -ErrorVariable +problems |
                    Wait-NebulaVideoTask -TimeoutSec 1800 -PollIntervalSec 0.1 -ErrorVariable +problems |
                    Save-NebulaVideo -Path ./videos -ErrorVariable +problems";

            var first = _engine.Run(runbook, apiKey: null, variables: variables);
            var written = Directory.GetFiles(scratch.Videos).ToDictionary(f => f, File.GetLastWriteTimeUtc);
            var since = DateTimeOffset.UtcNow;
            var again = _engine.Run(runbook, apiKey: null, variables: variables);

            Assert.Empty(first.Errors);
            Assert.Empty(again.Errors);
            Assert.Equal(6, written.Count);
            Assert.Equal(written.Keys.OrderBy(f => f, StringComparer.Ordinal), again.Objects<FileInfo>().Select(f => f.FullName).OrderBy(f => f, StringComparer.Ordinal));
            Assert.Equal(written, Directory.GetFiles(scratch.Videos).ToDictionary(f => f, File.GetLastWriteTimeUtc));
            Assert.Equal(0, _engine.PostsSince(since));
            Assert.DoesNotContain(_engine.Emulator.Requests, r => r.Origin == "storage" && r.ReceivedAt >= since);
        }

        [Fact]
        public void A_file_that_another_task_saved_is_still_kept()
        {
            using var scratch = new ScratchFolder(_engine.Stills);
            var run = _engine.Run(@"
                $a = New-NebulaVideo -Prompt 'one' -LiteralPath (Join-Path $stills harbor.png) -Wait -PollIntervalSec 0.1
                $b = New-NebulaVideo -Prompt 'two' -LiteralPath (Join-Path $stills harbor.png) -Wait -PollIntervalSec 0.1
                $a | Save-NebulaVideo -Path $videos | Out-Null
                $b | Save-NebulaVideo -Path $videos",
                variables: new Dictionary<string, object?> { ["stills"] = scratch.Stills, ["videos"] = scratch.Videos });

            Assert.StartsWith("FileExists,", run.SingleError().FullyQualifiedErrorId, StringComparison.Ordinal);
        }

        [Fact]
        public void Saved_files_carry_the_task_they_came_from()
        {
            using var scratch = new ScratchFolder(_engine.Stills);
            var run = _engine.Run(@"
                Get-ChildItem $stills -Filter *.png | New-NebulaVideo -Prompt 'join' -Wait -PollIntervalSec 0.1 |
                    Save-NebulaVideo -Path $videos |
                    Select-Object Name, TaskId, Model, SourceImage, Length",
                variables: new Dictionary<string, object?> { ["stills"] = scratch.Stills, ["videos"] = scratch.Videos });

            Assert.Empty(run.Errors);
            Assert.Equal(3, run.Output.Count);
            foreach (var file in run.Output)
            {
                var image = (string)file.Properties["SourceImage"].Value;
                Assert.Equal(Path.GetFileNameWithoutExtension(image) + ".mp4", file.Properties["Name"].Value);
                Assert.Equal("wan2.5-i2v-preview", file.Properties["Model"].Value);
                Assert.False(string.IsNullOrEmpty((string)file.Properties["TaskId"].Value));
            }
        }

        [Fact]
        public void One_file_path_with_several_tasks_saves_none_of_them()
        {
            using var scratch = new ScratchFolder(_engine.Stills);
            var one = Path.Combine(scratch.Videos, "one.mp4");
            var since = DateTimeOffset.UtcNow;
            var run = _engine.Run(@"
                Get-ChildItem $stills -Filter *.png | New-NebulaVideo -Prompt 'one file' -Wait -PollIntervalSec 0.1 | Save-NebulaVideo -Path $one",
                variables: new Dictionary<string, object?> { ["stills"] = scratch.Stills, ["one"] = one });

            Assert.Equal(Enumerable.Repeat("PathTakesOneTask", 3), run.Errors.Select(e => e.FullyQualifiedErrorId.Split(',')[0]));
            Assert.All(run.Errors, e => Assert.IsType<VideoTask>(e.TargetObject));
            Assert.False(File.Exists(one));
            Assert.DoesNotContain(_engine.Emulator.Requests, r => r.Origin == "storage" && r.ReceivedAt >= since);
        }

        [Fact]
        public void A_folder_in_a_listing_is_said_to_be_a_folder_and_the_images_go_on()
        {
            using var scratch = new ScratchFolder(_engine.Stills);
            Directory.CreateDirectory(Path.Combine(scratch.Stills, "videos"));
            var run = _engine.Run("Get-ChildItem $stills | New-NebulaVideo -Prompt 'listing'",
                variables: new Dictionary<string, object?> { ["stills"] = scratch.Stills });

            var error = run.SingleError();
            Assert.StartsWith("ImageIsFolder,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
            Assert.Equal(Path.Combine(scratch.Stills, "videos"), error.TargetObject);
            Assert.Contains("-File", error.ErrorDetails.RecommendedAction, StringComparison.Ordinal);
            Assert.Equal(3, run.Objects<VideoTask>().Count());
        }

        [Fact]
        public void A_data_uri_for_a_url_only_model_is_named_not_copied_into_the_error()
        {
            var image = Convert.ToBase64String(File.ReadAllBytes(Path.Combine(_engine.Stills, "harbor.png")).Concat(new byte[6 * 1024 * 1024]).ToArray());
            var run = _engine.Run(TwoGateways.Connect + @"
                New-NebulaVideo -Model wan2.6-image-to-video -Prompt p -ImageUrl $uri
                [pscustomobject]@{ Prompt = 'p'; Model = 'wan2.6-image-to-video'; Path = $uri } | New-NebulaVideo",
                apiKey: null, variables: TwoGateways.Variables(_engine, ("uri", "data:image/png;base64," + image)));

            Assert.Equal(2, run.Errors.Count);
            Assert.All(run.Errors, e =>
            {
                Assert.StartsWith("ImageUrlRequired,", e.FullyQualifiedErrorId, StringComparison.Ordinal);
                Assert.True(e.Exception.Message.Length < 500, $"The message has {e.Exception.Message.Length} characters.");
                Assert.True((e.ErrorDetails?.Message ?? string.Empty).Length < 500);
            });
            Assert.Equal("(data URI)", run.Errors[0].TargetObject);
        }

        [Fact]
        public async Task A_resumed_task_whose_read_fails_is_the_errors_target_so_it_can_be_waited_for_later()
        {
            using var scratch = new ScratchFolder(_engine.Stills);
            var journal = scratch["resume.journal"];
            var variables = new Dictionary<string, object?> { ["harbor"] = Path.Combine(scratch.Stills, "harbor.png"), ["journal"] = journal };
            const string submit = "New-NebulaVideo -Prompt 'resume me' -LiteralPath $harbor -JournalPath $journal -MaxRetry 0";
            string taskId;
            Uri gateway;
            await using (var emulator = await EmulatorServer.StartAsync(new EmulatorOptions { PhaseDuration = TimeSpan.FromSeconds(30) }))
            {
                gateway = emulator.GatewayUri;
                var first = _engine.Run(submit, variables: variables, gateway: gateway);
                Assert.Empty(first.Errors);
                taskId = Assert.Single(first.Objects<VideoTask>()).TaskId;
            }

            // The gateway is gone: the rerun resumes from the journal, and its read fails.
            var again = _engine.Run(submit + " -ErrorVariable failed -ErrorAction SilentlyContinue; $failed", variables: variables, gateway: gateway);

            var error = Assert.Single(again.Objects<ErrorRecord>());
            Assert.StartsWith("GatewayUnreachable,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
            var target = Assert.IsType<VideoTask>(error.TargetObject);
            Assert.Equal((taskId, true, gateway), (target.TaskId, target.Resumed, target.Gateway));
        }

        [Fact]
        public async Task What_is_known_of_an_unanswered_submission_is_one_command_away_and_a_rerun_refuses_it_at_once()
        {
            // The create's answer is cut after its first bytes: the task exists and is billed, its id half arrived.
            await using var emulator = await EmulatorServer.StartAsync(new EmulatorOptions
            {
                PhaseDuration = TimeSpan.FromMilliseconds(300),
                Faults = new FaultPlan { Rate = 1, Creates = true, Reads = false, Kinds = new[] { FaultKind.TruncatedBody }, Seed = 3 },
            });
            using var scratch = new ScratchFolder(_engine.Stills);
            var variables = new Dictionary<string, object?> { ["harbor"] = Path.Combine(scratch.Stills, "harbor.png"), ["journal"] = scratch["cut.journal"] };
            const string submit = "New-NebulaVideo -Prompt 'cut answer' -LiteralPath $harbor -JournalPath $journal";

            var run = _engine.Run(submit, gateway: emulator.GatewayUri, variables: variables);
            var error = run.SingleError();
            Assert.StartsWith("SubmitOutcomeUnknown,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
            var command = Regex.Match(error.ErrorDetails.RecommendedAction, @"Get-NebulaVideoJournal -Fingerprint (?<fp>[0-9a-f]{12}) -JournalPath '[^']+'");
            Assert.True(command.Success, error.ErrorDetails.RecommendedAction);

            // The command the error gives, run as given.
            var look = _engine.Run(command.Value, apiKey: null, variables: variables);
            Assert.Empty(look.Errors);
            var entry = Assert.Single(look.Objects<Core.Tasks.JournalEntry>());
            Assert.Equal(Core.Tasks.JournalState.Unanswered, entry.State);
            Assert.StartsWith(command.Groups["fp"].Value, entry.Fingerprint, StringComparison.Ordinal);
            Assert.Equal(Path.Combine(scratch.Stills, "harbor.png"), entry.Source);
            Assert.Contains("sent at", entry.Outcome, StringComparison.Ordinal);
            Assert.StartsWith("HTTP 200, then ", entry.Answer, StringComparison.Ordinal);
            Assert.Contains("task_id", entry.Answer, StringComparison.Ordinal);

            // Another run in this very process (so the journal's owner is alive) is refused at once, not after a wait.
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var again = _engine.Run(submit, gateway: emulator.GatewayUri, variables: variables);
            Assert.StartsWith("SubmitOutcomeUnknown,", again.SingleError().FullyQualifiedErrorId, StringComparison.Ordinal);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"The rerun took {clock.Elapsed}.");
            Assert.Equal(1, emulator.Requests.Count(r => r.Method == "POST"));
        }

        [Fact]
        public void Clearing_the_journal_counts_submissions_and_saved_videos_apart()
        {
            using var scratch = new ScratchFolder(_engine.Stills);
            var run = _engine.Run(@"
                Get-ChildItem $stills -Filter *.png | New-NebulaVideo -Prompt 'count' -JournalPath $journal -Wait -PollIntervalSec 0.1 |
                    Save-NebulaVideo -Path $videos | Out-Null
                Clear-NebulaVideoJournal -JournalPath $journal -Before ([datetime]::UtcNow.AddMinutes(1)) -Confirm:$false -Verbose",
                variables: new Dictionary<string, object?> { ["stills"] = scratch.Stills, ["videos"] = scratch.Videos, ["journal"] = scratch["count.journal"] });

            Assert.Empty(run.Errors);
            Assert.Contains(run.Verbose, line => line.StartsWith("Removed the records of 3 submission(s) and 3 saved video(s)", StringComparison.Ordinal));
        }

        [Theory]
        [InlineData("Set-NebulaVideoRequestContext -MaxRetryDelaySec 0.5")]
        [InlineData("Set-NebulaVideoRequestContext -RequestTimeoutSec 0.5")]
        [InlineData("Get-NebulaVideoTask -TaskId x -RequestTimeoutSec 0.5")]
        public void A_fractional_second_out_of_range_is_said_back_as_given_not_rounded(string command)
        {
            var run = _engine.Run(command);

            // The range was an integer's, so PowerShell compared (and said) 0.5 as 0: "The 0 argument is less than ...".
            var error = run.SingleError();
            Assert.StartsWith("ParameterArgumentValidationError,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
            Assert.Contains("The 0.5 argument", error.ToString(), StringComparison.Ordinal);
        }
    }
}
