using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using NebulaVideo.Core;
using NebulaVideo.Emulator;
using Xunit;

namespace NebulaVideo.Tests
{
    /// <summary>
    /// Nothing is paid twice: the same pipeline run again, after it finished or after its process was
    /// killed, and two processes running it at once, each submit every request once.
    /// </summary>
    [Collection(EngineCollection.Name)]
    public sealed class JournalTests
    {
        private const string Pipeline = "Get-ChildItem $stills -Filter *.png | New-NebulaVideo -Prompt 'journaled' -JournalPath $journal";

        private readonly EngineFixture _engine;

        public JournalTests(EngineFixture engine) => _engine = engine;

        [Fact]
        public void The_same_pipeline_run_again_resumes_every_task_says_so_and_pays_nothing_more()
        {
            using var scratch = new ScratchFolder(_engine.Stills);
            var variables = Variables(scratch);
            var first = _engine.Run(Pipeline, variables: variables);
            Assert.Empty(first.Errors);
            var since = DateTimeOffset.UtcNow;

            var whatIf = _engine.Run(Pipeline + " -WhatIf", variables: variables);
            var again = _engine.Run(Pipeline + " -WarningVariable warned -WarningAction SilentlyContinue; $warned | ForEach-Object { \"WARNING: $_\" }", variables: variables);

            var whatIfLines = whatIf.Host.Text.Split('\n').Where(l => l.StartsWith("What if", StringComparison.Ordinal)).ToList();
            Assert.Equal(3, whatIfLines.Count);
            Assert.All(whatIfLines, l => Assert.Contains("Resume task", l));
            Assert.Empty(again.Errors);
            Assert.Equal(first.Objects<VideoTask>().Select(t => t.TaskId).OrderBy(i => i), again.Objects<VideoTask>().Select(t => t.TaskId).OrderBy(i => i));
            Assert.All(again.Objects<VideoTask>(), t => Assert.True(t.Resumed));
            Assert.Contains(again.Objects<string>(), l => l.StartsWith("WARNING: 3 item(s)", StringComparison.Ordinal) && l.Contains("resumed from the journal", StringComparison.Ordinal));
            Assert.Equal(0, _engine.PostsSince(since));

            // -Force pays again, on purpose.
            var forced = _engine.Run(Pipeline + " -Force", variables: variables);
            Assert.Equal(3, _engine.PostsSince(since));
            Assert.All(forced.Objects<VideoTask>(), t => Assert.False(t.Resumed));
        }

        [Fact]
        public void The_journal_lists_its_tasks_read_fresh_so_a_runbook_can_resume_the_next_day()
        {
            using var scratch = new ScratchFolder(_engine.Stills);
            var variables = Variables(scratch);
            var submitted = _engine.Run(Pipeline, variables: variables).Objects<VideoTask>().ToList();

            var listed = _engine.Run("Get-NebulaVideoTask -FromJournal -JournalPath $journal | Wait-NebulaVideoTask -PollIntervalSec 0.2 | Save-NebulaVideo -Path $videos",
                variables: variables);

            Assert.Empty(listed.Errors);
            Assert.Equal(new[] { "harbor.mp4", "sunrise.mp4", "tower.mp4" }, Directory.GetFiles(scratch.Videos).Select(Path.GetFileName).OrderBy(n => n));
            foreach (var task in submitted)
                Assert.Equal(_engine.Emulator.VideoBytes(task.TaskId), File.ReadAllBytes(Path.Combine(scratch.Videos, Path.GetFileNameWithoutExtension(task.SourceImage) + ".mp4")));
        }

        [Fact]
        public void Saved_videos_are_recorded_so_the_journal_tells_what_is_still_unsaved_and_old_records_can_be_pruned()
        {
            using var scratch = new ScratchFolder(_engine.Stills);
            var variables = Variables(scratch);
            var run = _engine.Run(@"
                $tasks = @(Get-ChildItem $stills -Filter *.png | New-NebulaVideo -Prompt 'journaled' -JournalPath $journal | Wait-NebulaVideoTask -PollIntervalSec 0.2)
                $tasks | Where-Object { $_.SourceImage -like '*harbor*' } | Save-NebulaVideo -Path $videos -JournalPath $journal | Out-Null
                Get-NebulaVideoTask -FromJournal -JournalPath $journal", variables: variables);

            Assert.Empty(run.Errors);
            var listed = run.Objects<VideoTask>().ToList();
            Assert.Equal(3, listed.Count);
            Assert.Equal(Path.Combine(scratch.Videos, "harbor.mp4"), Assert.Single(listed, t => t.SavedTo is not null).SavedTo);
            Assert.Equal(2, listed.Count(t => t.SavedTo is null));

            // Nothing is older than a day, so the default prune keeps everything; a cut in the future removes it all.
            var pruned = _engine.Run(@"
                Clear-NebulaVideoJournal -JournalPath $journal -Confirm:$false
                @(Get-NebulaVideoTask -FromJournal -JournalPath $journal).Count
                Clear-NebulaVideoJournal -JournalPath $journal -Before (Get-Date).AddMinutes(1) -Confirm:$false
                @(Get-NebulaVideoTask -FromJournal -JournalPath $journal).Count", variables: variables);
            Assert.Empty(pruned.Errors);
            Assert.Equal(new[] { 3, 0 }, pruned.Output.Select(o => (int)o.BaseObject));
        }

        [Fact]
        public void Save_records_each_video_in_the_journal_that_recorded_its_submission_unless_told_another()
        {
            using var scratch = new ScratchFolder(_engine.Stills);
            var variables = Variables(scratch);
            variables["other"] = scratch["other.journal"];
            // Only New-NebulaVideo is given the journal, as a runbook writes it.
            var run = _engine.Run(@"
                $tasks = @(Get-ChildItem $stills -Filter *.png | New-NebulaVideo -Prompt 'journaled' -JournalPath $journal | Wait-NebulaVideoTask -PollIntervalSec 0.2)
                $tasks | Where-Object { $_.SourceImage -notlike '*tower*' } | Save-NebulaVideo -Path $videos | Out-Null
                $tasks | Where-Object { $_.SourceImage -like '*tower*' } | Save-NebulaVideo -Path $videos -JournalPath $other | Out-Null
                Get-NebulaVideoTask -FromJournal -JournalPath $journal
                Test-Path -LiteralPath $NebulaVideoJournalPath", variables: variables);

            Assert.Empty(run.Errors);
            var listed = run.Objects<VideoTask>().ToList();
            Assert.Equal(3, listed.Count);
            Assert.All(listed, t => Assert.Equal(scratch["runs.journal"], t.JournalPath));
            Assert.Equal(new[] { "harbor.mp4", "sunrise.mp4" }, listed.Where(t => t.SavedTo is not null).Select(t => Path.GetFileName(t.SavedTo!)).OrderBy(n => n));
            // The explicit -JournalPath won for the third; the session's own journal was never written.
            Assert.Contains("tower.mp4", File.ReadAllText(scratch["other.journal"]));
            Assert.False((bool)run.Output.Last().BaseObject, "The session's journal should not exist.");
        }

        [Fact]
        public void A_task_naming_a_journal_that_is_not_on_this_machine_is_saved_and_recorded_in_the_sessions()
        {
            using var scratch = new ScratchFolder(_engine.Stills);
            var variables = Variables(scratch);
            var elsewhere = OperatingSystem.IsWindows() ? @"Q:\elsewhere\runs.journal" : "/nonexistent-nebulavideo/elsewhere/runs.journal";
            variables["elsewhere"] = elsewhere;
            // As a task comes back from a CSV written on another machine: its JournalPath names that machine's file.
            var run = _engine.Run(@"
                $task = Get-Item (Join-Path $stills harbor.png) | New-NebulaVideo -Prompt 'from afar' -JournalPath $journal | Wait-NebulaVideoTask -PollIntervalSec 0.2
                $row = $task | Select-Object * -ExcludeProperty JournalPath | Select-Object *, @{ Name = 'JournalPath'; Expression = { $elsewhere } }
                $row | ConvertTo-Csv | ConvertFrom-Csv | Save-NebulaVideo -Path $videos | Out-Null
                (Get-Content -LiteralPath $NebulaVideoJournalPath -Raw) -match 'harbor.mp4'", variables: variables);

            Assert.Empty(run.Errors);
            Assert.DoesNotContain("journal cannot be used", run.Host.Text, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(scratch.Videos, "harbor.mp4")));
            Assert.True((bool)run.Output.Last().BaseObject, "The save should be recorded in the session's journal.");
            Assert.False(Directory.Exists(Path.GetDirectoryName(elsewhere)), "No folder may be created for a journal from elsewhere.");
        }

        [Fact]
        public void A_task_exported_to_csv_and_read_back_goes_home_and_is_saved_under_its_images_name()
        {
            using var scratch = new ScratchFolder(_engine.Stills);
            var variables = Variables(scratch);
            variables["csv"] = scratch["tasks.csv"];
            _engine.Run("Get-ChildItem $stills -Filter harbor.png | New-NebulaVideo -Prompt 'exported' | Export-Csv $csv", variables: variables);

            var run = _engine.Run("Import-Csv $csv | Wait-NebulaVideoTask -PollIntervalSec 0.2 | Save-NebulaVideo -Path $videos", variables: variables);

            Assert.Empty(run.Errors);
            Assert.Equal(Path.Combine(scratch.Videos, "harbor.mp4"), Assert.Single(run.Objects<FileInfo>()).FullName);
        }

        [Fact]
        public void A_bare_task_id_recovers_its_image_and_prompt_from_the_journal()
        {
            using var scratch = new ScratchFolder(_engine.Stills);
            var variables = Variables(scratch);
            variables["NebulaVideoJournalPath"] = scratch["runs.journal"];
            var id = Assert.Single(_engine.Run("Get-ChildItem $stills -Filter tower.png | New-NebulaVideo -Prompt 'only the id is kept'",
                variables: variables).Objects<VideoTask>()).TaskId;
            variables["id"] = id;

            var run = _engine.Run("Get-NebulaVideoTask -TaskId $id | Wait-NebulaVideoTask -PollIntervalSec 0.2 | Save-NebulaVideo -Path $videos", variables: variables);

            Assert.Empty(run.Errors);
            Assert.Equal(Path.Combine(scratch.Videos, "tower.mp4"), Assert.Single(run.Objects<FileInfo>()).FullName);
            var read = Assert.Single(_engine.Run("Get-NebulaVideoTask -TaskId $id", variables: variables).Objects<VideoTask>());
            Assert.Equal(("only the id is kept", Path.Combine(scratch.Stills, "tower.png")), (read.Prompt, read.SourceImage));
        }

        [Fact]
        public async Task Two_runspaces_at_once_on_one_journal_submit_each_item_once()
        {
            using var scratch = new ScratchFolder(_engine.Stills);
            var variables = Variables(scratch);
            var since = DateTimeOffset.UtcNow;

            var runs = await Task.WhenAll(
                Task.Run(() => _engine.Run(Pipeline + " -WarningAction SilentlyContinue", variables: variables)),
                Task.Run(() => _engine.Run(Pipeline + " -WarningAction SilentlyContinue", variables: variables)));

            Assert.All(runs, r => Assert.Empty(r.Errors));
            Assert.Equal(3, _engine.PostsSince(since));
            Assert.Equal(runs[0].Objects<VideoTask>().Select(t => t.TaskId).OrderBy(i => i), runs[1].Objects<VideoTask>().Select(t => t.TaskId).OrderBy(i => i));
        }

        [Fact]
        public void A_failed_task_piped_back_in_is_submitted_again_as_it_was()
        {
            using var scratch = new ScratchFolder(_engine.Stills);
            var variables = Variables(scratch);
            var since = DateTimeOffset.UtcNow;

            var run = _engine.Run(@"
                New-NebulaVideo -Prompt 'emulator:fail once' -Path (Join-Path $stills harbor.png) -JournalPath $journal |
                    Wait-NebulaVideoTask -PollIntervalSec 0.2 -ErrorVariable failed -ErrorAction SilentlyContinue | Out-Null
                $failed[0].TargetObject | New-NebulaVideo -JournalPath $journal", variables: variables);

            Assert.Empty(run.Errors);
            var again = Assert.Single(run.Objects<VideoTask>());
            Assert.False(again.Resumed);
            Assert.Equal(Path.Combine(scratch.Stills, "harbor.png"), again.SourceImage);
            var posts = _engine.Emulator.Requests.Where(r => r.Method == "POST" && r.ReceivedAt >= since).ToList();
            Assert.Equal(2, posts.Count);
            Assert.Equal(posts[0].Body, posts[1].Body);
        }

        [Fact]
        public async Task A_batch_killed_with_kill_9_and_run_again_completes_without_resubmitting()
        {
            // The tasks stay running until the clock moves, so the kill always lands while the batch is waiting.
            var clock = new ManualClock();
            await using var emulator = await EmulatorServer.StartAsync(new EmulatorOptions { PhaseDuration = TimeSpan.FromMinutes(1), Clock = clock });
            using var scratch = new ScratchFolder(_engine.Stills);
            var variables = Variables(scratch);
            var script = Pipeline + " | Wait-NebulaVideoTask -PollIntervalSec 0.2 | Save-NebulaVideo -Path $videos";

            using (var doomed = StartPwsh(script, emulator, variables))
            {
                // Every task read at least once: a task is read only after its "Submitted" line is in the journal, so the
                // kill cannot land between a create and its record (that window is SubmitOutcomeUnknown's, tested apart).
                await Until(() => emulator.SubmissionCount == 3
                    && emulator.Requests.Where(r => r.Method == "GET").Select(r => r.PathAndQuery).Distinct().Count() >= 3, doomed);
                doomed.Kill(entireProcessTree: true); // SIGKILL: no finally block, no flush, nothing
                await doomed.WaitForExitAsync();
            }
            Assert.Empty(Directory.Exists(scratch.Videos) ? Directory.GetFiles(scratch.Videos) : Array.Empty<string>());

            clock.Advance(TimeSpan.FromMinutes(3));
            var rerun = _engine.Run(script, gateway: emulator.GatewayUri, variables: variables);

            Assert.Empty(rerun.Errors);
            Assert.Equal(3, emulator.SubmissionCount);
            Assert.Equal(0, emulator.DuplicateSubmissionCount);
            Assert.Equal(3, Directory.GetFiles(scratch.Videos, "*.mp4").Length);
        }

        [Fact]
        public async Task Two_processes_running_the_same_batch_on_one_journal_submit_each_item_once()
        {
            var clock = new ManualClock();
            await using var emulator = await EmulatorServer.StartAsync(new EmulatorOptions { PhaseDuration = TimeSpan.FromMinutes(1), Clock = clock });
            using var scratch = new ScratchFolder(_engine.Stills);
            var variables = Variables(scratch);
            var script = Pipeline + " -WarningAction SilentlyContinue | ForEach-Object TaskId";

            using var one = StartPwsh(script, emulator, variables);
            using var two = StartPwsh(script, emulator, variables);
            var outputs = await Task.WhenAll(Output(one), Output(two));

            Assert.Equal(3, emulator.SubmissionCount);
            Assert.Equal(0, emulator.DuplicateSubmissionCount);
            Assert.Equal(3, outputs[0].Length);
            Assert.Equal(outputs[0].OrderBy(i => i), outputs[1].OrderBy(i => i));
        }

        private static Dictionary<string, object?> Variables(ScratchFolder scratch) => new()
        {
            ["stills"] = scratch.Stills,
            ["videos"] = scratch.Videos,
            ["journal"] = scratch["runs.journal"],
        };

        /// <summary>The same script in a pwsh process of its own, connected to the emulator through the environment.</summary>
        private Process StartPwsh(string script, EmulatorServer emulator, Dictionary<string, object?> variables)
        {
            var setup = string.Join("; ", variables.Select(v => $"${v.Key} = '{v.Value}'"));
            var info = Pwsh.StartInfo("-NoProfile", "-NonInteractive", "-Command", $"Import-Module '{_engine.ModuleManifest}'; {setup}; {script}");
            info.Environment["NEBULA_API_KEY"] = EngineFixture.ApiKey;
            info.Environment["NEBULA_BASE_URI"] = emulator.GatewayUri.ToString();
            // Whatever the script does not journal with -JournalPath goes to the test's journal, never the user's.
            info.Environment["NEBULAVIDEO_JOURNAL"] = (string)variables["journal"]!;
            return Process.Start(info)!;
        }

        private static async Task<string[]> Output(Process process)
        {
            // Both streams at once: a child filling one pipe while we wait on the other would hang both.
            var text = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            await Task.WhenAll(text, errors, process.WaitForExitAsync());
            Assert.True(string.IsNullOrWhiteSpace(errors.Result), errors.Result);
            return text.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        }

        private static async Task Until(Func<bool> condition, Process process)
        {
            for (var i = 0; i < 600 && !condition(); i++)
            {
                if (process.HasExited) Assert.Fail("The batch ended before it could be killed: " + await process.StandardError.ReadToEndAsync());
                await Task.Delay(50);
            }
            Assert.True(condition(), "The batch never got as far as waiting for its tasks.");
        }
    }
}
