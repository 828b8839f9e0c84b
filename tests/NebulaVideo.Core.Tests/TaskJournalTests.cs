using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using NebulaVideo.Core.Catalog;
using NebulaVideo.Core.Connections;
using NebulaVideo.Core.Http;
using NebulaVideo.Core.Gateways;
using NebulaVideo.Core.Gateways.Nebula;
using NebulaVideo.Core.Downloads;
using NebulaVideo.Core.Tasks;
using NebulaVideo.Emulator;
using Xunit;

namespace NebulaVideo.Core.Tests
{
    /// <summary>A runbook that stops and runs again never pays twice.</summary>
    public sealed class TaskJournalTests : IAsyncLifetime
    {
        private readonly string _folder = Directory.CreateTempSubdirectory("nebulavideo-journal-").FullName;
        private EmulatorServer _emulator = null!;

        private string JournalFile => Path.Combine(_folder, "runbook.journal");

        public async Task InitializeAsync() =>
            _emulator = await EmulatorServer.StartAsync(new EmulatorOptions { PhaseDuration = TimeSpan.FromMinutes(1) });

        public async Task DisposeAsync()
        {
            await _emulator.DisposeAsync();
            Directory.Delete(_folder, recursive: true);
        }

        [Fact]
        public async Task A_request_already_submitted_is_resumed_not_posted_again_even_by_a_new_process()
        {
            var first = await Client("sk-x").SubmitAsync(Request("waves"), Sora, CancellationToken.None, new TaskJournal(JournalFile));
            // A new journal object reads the file, as the next run of the runbook would.
            var again = await Client("sk-x").SubmitAsync(Request("waves"), Sora, CancellationToken.None, new TaskJournal(JournalFile));

            Assert.Equal(first.TaskId, again.TaskId);
            Assert.Equal("waves", again.Prompt);
            Assert.Equal(0.4m, again.EstimatedCostUsd);
            Assert.Equal(1, _emulator.SubmissionCount);
            Assert.Single(_emulator.Requests, r => r.Method == "POST");
        }

        [Fact]
        public async Task A_different_request_is_a_new_submission()
        {
            var journal = new TaskJournal(JournalFile);
            var a = await Client("sk-x").SubmitAsync(Request("waves"), Sora, CancellationToken.None, journal);
            var b = await Client("sk-x").SubmitAsync(Request("clouds"), Sora, CancellationToken.None, journal);
            Assert.NotEqual(a.TaskId, b.TaskId);
            Assert.Equal(2, _emulator.SubmissionCount);
        }

        [Fact]
        public async Task A_submission_whose_answer_never_arrived_is_refused_rather_than_risked()
        {
            var journal = new TaskJournal(JournalFile);
            var body = Seed.Body(Request("waves"));
            // What a crash between the journal's first line and the gateway's answer leaves behind: a Submitting
            // line whose process is gone.
            journal.Record(new JournalEntry(TaskJournal.Fingerprint(_emulator.GatewayUri, body), JournalState.Submitting, null, "sora-2", "waves", DateTimeOffset.UtcNow)
            {
                Owner = $"{Environment.MachineName}:{ExitedProcessId()}:crashed",
            });

            var ex = await Assert.ThrowsAsync<NebulaVideoException>(() =>
                Client("sk-x").SubmitAsync(Request("waves"), Sora, CancellationToken.None, new TaskJournal(JournalFile)));
            Assert.Equal("SubmitOutcomeUnknown", ex.Id.Name);
            Assert.Contains(JournalFile, ex.RecommendedAction);
            Assert.Contains("-Force", ex.RecommendedAction);
            Assert.DoesNotContain(_emulator.Requests, r => r.Method == "POST");

            // -Force is the deliberate way past it.
            var forced = await Client("sk-x").SubmitAsync(Request("waves"), Sora, CancellationToken.None, new TaskJournal(JournalFile), force: true);
            Assert.StartsWith("video_", forced.TaskId);
            Assert.Single(_emulator.Requests, r => r.Method == "POST");
        }

        [Fact]
        public async Task A_request_another_live_run_is_submitting_is_waited_for_and_then_resumed()
        {
            var body = Seed.Body(Request("waves"));
            var fingerprint = TaskJournal.Fingerprint(_emulator.GatewayUri, body);
            var other = new TaskJournal(JournalFile);
            // Another run of this (live) process has claimed the request and is waiting for the gateway.
            Assert.Equal(ClaimKind.Submit, other.Claim(new JournalEntry(fingerprint, JournalState.Submitting, null, "sora-2", "waves", DateTimeOffset.UtcNow), force: false).Kind);

            var waiting = Client("sk-x").SubmitAsync(Request("waves"), Sora, CancellationToken.None, new TaskJournal(JournalFile));
            await Task.Delay(300);
            Assert.False(waiting.IsCompleted, "The second run should wait for the first one's answer, not post.");
            var first = await Client("sk-x").SubmitAsync(Request("waves"), Sora, CancellationToken.None, journal: null);
            other.Record(new JournalEntry(fingerprint, JournalState.Submitted, first.TaskId, "sora-2", "waves", DateTimeOffset.UtcNow));

            var resumed = await waiting;
            Assert.Equal(first.TaskId, resumed.TaskId);
            Assert.True(resumed.Resumed);
            Assert.Single(_emulator.Requests, r => r.Method == "POST");
        }

        private static int ExitedProcessId()
        {
            using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("true") { UseShellExecute = false })!;
            process.WaitForExit();
            return process.Id;
        }

        [Fact]
        public async Task A_refused_or_unsent_request_may_be_sent_again()
        {
            var journal = new TaskJournal(JournalFile);
            await Assert.ThrowsAsync<GatewayException>(() => Client("bad-key").SubmitAsync(Request("waves"), Sora, CancellationToken.None, journal));
            var offline = new GatewayClient(new GatewayConnection(Dialects.Nebula, new Uri("http://127.0.0.1:1/"), GatewayConnection.SecureKey("sk-x"), "test"));
            var unreachable = await Assert.ThrowsAsync<NebulaVideoException>(() => offline.SubmitAsync(Request("clouds"), Sora, CancellationToken.None, journal));
            Assert.Equal("GatewayUnreachable", unreachable.Id.Name);

            var reloaded = new TaskJournal(JournalFile);
            await Client("sk-x").SubmitAsync(Request("waves"), Sora, CancellationToken.None, reloaded);
            Assert.Equal(1, _emulator.SubmissionCount);
            Assert.Equal(JournalState.Refused,
                Latest(reloaded, TaskJournal.Fingerprint(new Uri("http://127.0.0.1:1/"), Seed.Body(Request("clouds"))))!.State);
        }

        [Fact]
        public void Pruning_removes_old_and_foreign_lines_and_a_journal_object_elsewhere_notices_the_new_file()
        {
            var journal = new TaskJournal(JournalFile);
            var elsewhere = new TaskJournal(JournalFile);
            journal.Record(new JournalEntry("old", JournalState.Submitted, "t-old", "sora-2", null, DateTimeOffset.UtcNow.AddDays(-2)));
            File.AppendAllText(JournalFile, "not a journal line\n");
            journal.Record(new JournalEntry("saved:t-old", JournalState.Saved, "t-old", "sora-2", null, DateTimeOffset.UtcNow.AddDays(-2)) { SavedTo = "/videos/old.mp4" });
            journal.Record(new JournalEntry("new", JournalState.Submitted, "t-new", "sora-2", null, DateTimeOffset.UtcNow));
            Assert.NotNull(Latest(elsewhere, "old"));

            // One submission and one saved video: the saved line is not counted as a request of its own.
            Assert.Equal((1, 1), journal.Prune(DateTimeOffset.UtcNow - TaskJournal.Retention));

            Assert.Single(File.ReadAllLines(JournalFile));
            Assert.Null(Latest(elsewhere, "old"));
            Assert.Equal("t-new", Latest(elsewhere, "new")!.TaskId);
            Assert.Equal((0, 0), journal.Prune(DateTimeOffset.UtcNow - TaskJournal.Retention));
        }

        [Fact]
        public async Task Many_journal_objects_claiming_the_same_requests_at_once_each_win_a_request_once()
        {
            // As many runs as threads, each with its own journal object on the one file, all racing for the same 40 requests.
            var wins = await RaceForRequests(runs: 6, requests: 40);

            Assert.Equal(40, wins.Count);
            Assert.Equal(40, wins.Distinct().Count());
            Assert.Equal(40, File.ReadAllLines(JournalFile).Length);
        }

        [Fact]
        public async Task A_lock_file_a_killed_run_left_is_broken_once_and_every_waiting_run_then_claims_each_request_once()
        {
            // What kill -9 in the middle of a claim leaves: the lock file, never deleted, from an hour ago.
            var lockFile = JournalFile + ".lock";
            File.WriteAllText(lockFile, "");
            File.SetLastWriteTimeUtc(lockFile, DateTime.UtcNow.AddHours(-1));

            // All four wait on it at once, see it stale together and must not break each other's new locks.
            var wins = await RaceForRequests(runs: 4, requests: 10);

            Assert.Equal(10, wins.Count);
            Assert.Equal(10, wins.Distinct().Count());
            Assert.Equal(10, File.ReadAllLines(JournalFile).Length);
            Assert.False(File.Exists(lockFile), "Every lock taken since was let go; the stale one is gone.");
            Assert.False(File.Exists(lockFile + ".break"));
        }

        /// <summary>Runs, each a journal object of its own on the one file, claiming the same requests at once; the fingerprints each won.</summary>
        private async Task<List<string>> RaceForRequests(int runs, int requests)
        {
            var wins = new System.Collections.Concurrent.ConcurrentBag<string>();
            await Task.WhenAll(Enumerable.Range(0, runs).Select(_ => new TaskJournal(JournalFile)).Select(journal => Task.Run(() =>
            {
                for (var i = 0; i < requests; i++)
                {
                    var entry = new JournalEntry("request-" + i, JournalState.Submitting, null, "sora-2", null, DateTimeOffset.UtcNow);
                    if (journal.Claim(entry, force: false).Kind == ClaimKind.Submit) wins.Add(entry.Fingerprint);
                }
            })).ToList());
            return wins.ToList();
        }

        [Fact]
        public async Task A_journaled_task_the_gateway_does_not_know_says_so_and_Force_submits_it_again()
        {
            var body = Seed.Body(Request("waves"));
            new TaskJournal(JournalFile).Record(new JournalEntry(TaskJournal.Fingerprint(_emulator.GatewayUri, body), JournalState.Submitted,
                "video_gone", "sora-2", null, DateTimeOffset.UtcNow.AddHours(-1)));

            var ex = await Assert.ThrowsAsync<NebulaVideoException>(() =>
                Client("sk-x").SubmitAsync(Request("waves"), Sora, CancellationToken.None, new TaskJournal(JournalFile)));

            Assert.Equal("GatewayTaskNotFound", ex.Id.Name);
            Assert.Contains("video_gone", ex.Message);
            Assert.Contains("-Force", ex.RecommendedAction);
            Assert.DoesNotContain(_emulator.Requests, r => r.Method == "POST");
            var again = await Client("sk-x").SubmitAsync(Request("waves"), Sora, CancellationToken.None, new TaskJournal(JournalFile), force: true);
            Assert.NotEqual("video_gone", again.TaskId);
        }

        [Fact]
        public void A_line_torn_by_a_crash_is_skipped()
        {
            var journal = new TaskJournal(JournalFile);
            journal.Record(new JournalEntry("abc", JournalState.Submitted, "video_1", "sora-2", "x", DateTimeOffset.UtcNow));
            File.AppendAllText(JournalFile, "{\"fingerprint\":\"def\",\"sta");

            var reloaded = new TaskJournal(JournalFile);
            Assert.Equal("video_1", Latest(reloaded, "abc")!.TaskId);
            Assert.Null(Latest(reloaded, "def"));
        }

        [Fact]
        public void Fingerprints_tell_gateways_and_bodies_apart()
        {
            var body = Seed.Body(Request("waves"));
            var here = TaskJournal.Fingerprint(new Uri("https://llm.ai-nebula.com/"), body);
            Assert.Equal(here, TaskJournal.Fingerprint(new Uri("https://llm.ai-nebula.com/"), Seed.Body(Request("waves"))));
            Assert.NotEqual(here, TaskJournal.Fingerprint(new Uri("http://127.0.0.1:5080/"), body));
            Assert.NotEqual(here, TaskJournal.Fingerprint(new Uri("https://llm.ai-nebula.com/"), Seed.Body(Request("waves!"))));
        }

        /// <summary>What the journal lists as a request's latest record (null when it lists none).</summary>
        private static JournalEntry? Latest(TaskJournal journal, string fingerprint) => journal.Entries().SingleOrDefault(e => e.Fingerprint == fingerprint);

        private static ModelInfo Sora => ModelCatalog.BuiltIn.Get("sora-2");

        private static VideoRequest Request(string prompt) => ModelCatalog.BuiltIn.Resolve(new VideoRequest { Model = "sora-2", Prompt = prompt });

        private GatewayClient Client(string key) => new(new GatewayConnection(Dialects.Nebula, _emulator.GatewayUri, GatewayConnection.SecureKey(key), "test"));
    }
}
