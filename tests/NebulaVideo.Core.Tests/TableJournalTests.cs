using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using NebulaVideo.Core.Catalog;
using NebulaVideo.Core.Connections;
using NebulaVideo.Core.Gateways;
using NebulaVideo.Core.Http;
using NebulaVideo.Core.Gateways.Nebula;
using NebulaVideo.Core.Tasks;
using NebulaVideo.Emulator;
using NebulaVideo.Tests.Shared;
using Xunit;

namespace NebulaVideo.Core.Tests
{
    /// <summary>
    /// The journal in an Azure Table (Azurite): what every journal store does alike, run against the file journal and
    /// the table journal both, then what only a table shared by hosts does (claims by insert, leases on the service's
    /// clock, conditional updates).
    /// </summary>
    public sealed class TableJournalTests : IDisposable
    {
        private static readonly ClientOptions Options = new ClientOptions { MaxReadRetries = 2, RetryBaseDelay = TimeSpan.FromMilliseconds(100) };

        private readonly string _folder = Directory.CreateTempSubdirectory("nebulavideo-tablejournal-").FullName;
        private readonly string _table = TestStorage.NewName("journal");
        private readonly List<IDisposable> _journals = new List<IDisposable>();
        private readonly ConcurrentQueue<string> _log = new ConcurrentQueue<string>();

        public void Dispose()
        {
            foreach (var journal in _journals) journal.Dispose();
            Directory.Delete(_folder, recursive: true);
        }

        /// <summary>A journal object of the store named: each one is a run of its own (another process, another host).</summary>
        private ITaskJournal Open(string store, string? scope = null, TimeSpan? lease = null) => store switch
        {
            "file" => new TaskJournal(Path.Combine(_folder, (scope ?? "runbook") + ".journal")),
            "table" => Table(scope, lease),
            _ => throw new ArgumentException(store),
        };

        private TableJournal Table(string? scope = null, TimeSpan? lease = null)
        {
            var journal = TableJournal.FromConnectionString(TestStorage.ConnectionString!, _table, Options, _log.Enqueue, scope, lease);
            _journals.Add(journal);
            return journal;
        }

        private static JournalEntry Submitting(string fingerprint) =>
            new JournalEntry(fingerprint, JournalState.Submitting, null, "sora-2", "/images/" + fingerprint + ".png", DateTimeOffset.UtcNow)
            {
                Prompt = "waves",
                Duration = 8,
                EstimatedCostUsd = 0.4m,
                Gateway = new Uri("https://llm.ai-nebula.com/"),
            };

        [StorageTheory]
        [InlineData("file")]
        [InlineData("table")]
        public void A_claimed_and_recorded_request_is_resumed_by_another_run_with_what_its_submitter_knew(string store)
        {
            var first = Open(store);
            var entry = Submitting("f1");
            Assert.Equal(ClaimKind.Submit, first.Claim(entry, force: false).Kind);
            first.Record(entry.Submitted("video_1"));

            var again = Open(store);
            var claim = again.Claim(Submitting("f1"), force: false);
            Assert.Equal(ClaimKind.Resume, claim.Kind);
            Assert.Equal("video_1", claim.Earlier!.TaskId);
            Assert.Equal("waves", claim.Earlier.Prompt);
            Assert.Equal(0.4m, claim.Earlier.EstimatedCostUsd);
            Assert.Equal(8, claim.Earlier.Duration);
            Assert.Equal(new Uri("https://llm.ai-nebula.com/"), claim.Earlier.Gateway);
            Assert.Equal("video_1", again.FindResumable("f1")!.TaskId);
            Assert.Equal("f1", again.FindTask("video_1")!.Fingerprint);
            Assert.Null(again.FindResumable("f2"));
            Assert.Null(again.FindTask("video_2"));
        }

        [StorageTheory]
        [InlineData("file")]
        [InlineData("table")]
        public void A_refused_request_is_submitted_again_and_Force_submits_anything(string store)
        {
            var journal = Open(store);
            var entry = Submitting("f1");
            journal.Claim(entry, force: false);
            journal.Record(entry.Refused());
            Assert.Equal(ClaimKind.Submit, Open(store).Claim(Submitting("f1"), force: false).Kind);

            var other = Open(store);
            Assert.Equal(ClaimKind.Submit, other.Claim(Submitting("f2"), force: false).Kind);
            other.Record(Submitting("f2").Submitted("video_2"));
            Assert.Equal(ClaimKind.Resume, Open(store).Claim(Submitting("f2"), force: false).Kind);
            Assert.Equal(ClaimKind.Submit, Open(store).Claim(Submitting("f2"), force: true).Kind);
        }

        [StorageTheory]
        [InlineData("file")]
        [InlineData("table")]
        public void An_unanswered_submission_is_an_unknown_outcome_for_every_later_run(string store)
        {
            var journal = Open(store);
            journal.Claim(Submitting("f1"), force: false);
            journal.Record(Submitting("f1").Unanswered("the connection broke after the body was sent", "HTTP 200, 12 bytes"));

            var claim = Open(store).Claim(Submitting("f1"), force: false);
            Assert.Equal(ClaimKind.OutcomeUnknown, claim.Kind);
            Assert.Equal("HTTP 200, 12 bytes", claim.Earlier!.Answer);
        }

        [StorageTheory]
        [InlineData("file")]
        [InlineData("table")]
        public void Saved_videos_are_records_of_their_own_and_every_run_sees_where_they_went(string store)
        {
            var journal = Open(store);
            journal.Claim(Submitting("f1"), force: false);
            journal.Record(Submitting("f1").Submitted("video_1"));
            var task = new VideoTask { TaskId = "video_1", Model = "sora-2", SourceImage = "/images/f1.png" };
            journal.RecordSaved(task, "/videos/one.mp4");
            // Saved again elsewhere: the latest place counts.
            journal.RecordSaved(task, "/videos/one-again.mp4");

            var other = Open(store);
            Assert.Equal("/videos/one-again.mp4", other.SavedTo("video_1"));
            Assert.Null(other.SavedTo("video_2"));
            // The save did not take the request's place.
            Assert.Equal("video_1", other.FindResumable("f1")!.TaskId);
            var entries = other.Entries();
            Assert.Equal(2, entries.Count);
            Assert.Equal(new[] { JournalState.Submitted, JournalState.Saved }, entries.Select(e => e.State));
            Assert.Equal("saved:video_1", entries[1].Fingerprint);
        }

        [StorageTheory]
        [InlineData("file")]
        [InlineData("table")]
        public void Pruning_removes_the_records_older_than_the_cut_and_counts_requests_and_saves(string store)
        {
            var journal = Open(store);
            var old = DateTimeOffset.UtcNow.AddDays(-2);
            journal.Record(new JournalEntry("old", JournalState.Submitted, "t-old", "sora-2", null, old));
            journal.Record(new JournalEntry("saved:t-old", JournalState.Saved, "t-old", "sora-2", null, old) { SavedTo = "/videos/old.mp4" });
            journal.Record(new JournalEntry("new", JournalState.Submitted, "t-new", "sora-2", null, DateTimeOffset.UtcNow));

            Assert.Equal((1, 1), journal.Prune(DateTimeOffset.UtcNow - JournalRules.Retention));

            var other = Open(store);
            Assert.Equal(new[] { "new" }, other.Entries().Select(e => e.Fingerprint));
            Assert.Null(other.SavedTo("t-old"));
            Assert.Equal((0, 0), other.Prune(DateTimeOffset.UtcNow - JournalRules.Retention));
        }

        [StorageTheory]
        [InlineData("file")]
        [InlineData("table")]
        public void Keys_with_characters_a_table_forbids_are_kept_apart_and_read_back_as_written(string store)
        {
            var journal = Open(store);
            var odd = new[] { "a/b#c", "a%2Fb#c", "x?y\\z", "tab\there", "100%" };
            foreach (var fingerprint in odd)
            {
                Assert.Equal(ClaimKind.Submit, journal.Claim(Submitting(fingerprint), force: false).Kind);
                journal.Record(Submitting(fingerprint).Submitted("video_" + Array.IndexOf(odd, fingerprint)));
            }
            journal.RecordSaved(new VideoTask { TaskId = "task/with#odd?chars" }, "/videos/odd.mp4");

            var other = Open(store);
            foreach (var fingerprint in odd)
                Assert.Equal("video_" + Array.IndexOf(odd, fingerprint), other.FindResumable(fingerprint)!.TaskId);
            Assert.Equal("/videos/odd.mp4", other.SavedTo("task/with#odd?chars"));
            Assert.Equal(odd.Length + 1, other.Entries().Count);
        }

        [StorageTheory]
        [InlineData("file")]
        [InlineData("table")]
        public async Task Runs_on_two_hosts_claiming_one_request_from_many_threads_submit_it_once(string store)
        {
            // Two journal objects (two hosts), eight threads each, all at once.
            var hosts = new[] { Open(store), Open(store) };
            var kinds = new ConcurrentBag<ClaimKind>();
            using var start = new ManualResetEventSlim();
            var runs = Enumerable.Range(0, 16).Select(i => Task.Run(() =>
            {
                start.Wait();
                kinds.Add(hosts[i % 2].Claim(Submitting("contested"), force: false).Kind);
            })).ToList();
            start.Set();
            await Task.WhenAll(runs);

            Assert.Single(kinds, k => k == ClaimKind.Submit);
            // The table tells this object's own claim in flight (another runspace of the same run) as in progress too;
            // the file journal takes its own object's Submitting record for an attempt that stopped.
            Assert.Equal(store == "table" ? 15 : 8, kinds.Count(k => k == ClaimKind.InProgress));
        }

        [StorageFact]
        public void A_submitter_that_keeps_renewing_its_lease_is_alive_and_one_that_stopped_is_dead_by_the_services_clock()
        {
            var lease = TimeSpan.FromSeconds(2);
            var alive = Table(lease: lease);
            var dead = Table(lease: lease);
            var reader = Table(lease: lease);
            Assert.Equal(ClaimKind.Submit, alive.Claim(Submitting("alive"), force: false).Kind);
            Assert.Equal(ClaimKind.Submit, dead.Claim(Submitting("dead"), force: false).Kind);
            // What kill -9 leaves: the row, and nobody renewing it.
            dead.Dispose();
            Assert.Equal(ClaimKind.InProgress, reader.Claim(Submitting("dead"), force: false).Kind);

            Thread.Sleep(lease * 2.5);

            Assert.Equal(ClaimKind.InProgress, reader.Claim(Submitting("alive"), force: false).Kind);
            var unknown = reader.Claim(Submitting("dead"), force: false);
            Assert.Equal(ClaimKind.OutcomeUnknown, unknown.Kind);
            Assert.Equal(JournalState.Submitting, unknown.Earlier!.State);
            // -Force is the deliberate way past it.
            Assert.Equal(ClaimKind.Submit, reader.Claim(Submitting("dead"), force: true).Kind);

            alive.Record(Submitting("alive").Submitted("video_alive"));
            Assert.Equal(ClaimKind.Resume, reader.Claim(Submitting("alive"), force: false).Kind);
        }

        [StorageFact]
        public void A_record_on_a_row_another_run_changed_since_is_refused_never_written_over_it()
        {
            var first = Table();
            var second = Table();
            Assert.Equal(ClaimKind.Submit, first.Claim(Submitting("f1"), force: false).Kind);
            // Another host forces the request while the first still waits for its answer: the row's ETag moves on.
            Assert.Equal(ClaimKind.Submit, second.Claim(Submitting("f1"), force: true).Kind);

            var ex = Assert.Throws<NebulaVideoException>(() => first.Record(Submitting("f1").Submitted("video_first")));
            Assert.Equal("JournalUnwritable", ex.Id.Name);
            Assert.Contains("video_first", ex.Message);
            Assert.Contains(first.Location, ex.Message);
            // A refusal of the first run adds nothing, and is not written either.
            first.Claim(Submitting("f2"), force: false);
            second.Claim(Submitting("f2"), force: true);
            first.Record(Submitting("f2").Refused());

            second.Record(Submitting("f1").Submitted("video_second"));
            var reader = Table();
            Assert.Equal("video_second", reader.FindResumable("f1")!.TaskId);
            Assert.Equal(JournalState.Submitting, reader.Entries().Single(e => e.Fingerprint == "f2").State);
        }

        [StorageFact]
        public async Task Runs_racing_to_replace_a_refused_row_lose_on_its_ETag_read_it_again_and_wait_for_the_winner()
        {
            var journal = Table();
            journal.Claim(Submitting("f1"), force: false);
            journal.Record(Submitting("f1").Refused());

            // Every run finds the refused row and replaces it conditionally on the same ETag: one wins, every other gets a
            // 412, reads the winner's Submitting row and waits for it.
            var hosts = Enumerable.Range(0, 4).Select(_ => Table()).ToArray();
            var kinds = new ConcurrentBag<ClaimKind>();
            using var start = new ManualResetEventSlim();
            var runs = Enumerable.Range(0, 12).Select(i => Task.Run(() =>
            {
                start.Wait();
                kinds.Add(hosts[i % hosts.Length].Claim(Submitting("f1"), force: false).Kind);
            })).ToList();
            start.Set();
            await Task.WhenAll(runs);

            Assert.Single(kinds, k => k == ClaimKind.Submit);
            Assert.Equal(11, kinds.Count(k => k == ClaimKind.InProgress));
        }

        [StorageFact]
        public void Scopes_are_partitions_of_one_table_that_do_not_see_each_other()
        {
            var a = Table("runbook-a/nightly");
            var b = Table("runbook-b");
            a.Record(Submitting("f1").Submitted("video_a"));

            Assert.Empty(b.Entries());
            Assert.Null(b.FindTask("video_a"));
            Assert.Equal(ClaimKind.Submit, b.Claim(Submitting("f1"), force: false).Kind);
            Assert.Equal("video_a", Table("runbook-a/nightly").FindResumable("f1")!.TaskId);
            Assert.Equal(TableJournal.DefaultScope, Table().Scope);
        }

        [StorageFact]
        public void The_journal_is_located_by_its_tables_address_and_no_key_is_said_anywhere()
        {
            var journal = Table();
            journal.Claim(Submitting("f1"), force: false);
            journal.Record(Submitting("f1").Submitted("video_1"));

            Assert.Equal(TestStorage.TableEndpoint + "/" + _table, journal.Location);
            Assert.DoesNotContain("?", journal.Location);
            Assert.Contains(_log, line => line.StartsWith("POST " + journal.Location, StringComparison.Ordinal));
            Assert.DoesNotContain(_log, line => line.Contains(TestStorage.AccountKey, StringComparison.Ordinal));
            Assert.DoesNotContain(TestStorage.AccountKey, journal.ToString());

            var bad = Assert.Throws<NebulaVideoException>(() => TableJournal.FromConnectionString("AccountName=x;AccountKey=secret-part;Nonsense", _table, Options, null));
            Assert.Equal("StorageSettingInvalid", bad.Id.Name);
            Assert.DoesNotContain("secret-part", bad.Message);
            Assert.Throws<NebulaVideoException>(() => TableJournal.FromConnectionString(TestStorage.ConnectionString!, "no-dashes", Options, null));
        }

        [StorageFact]
        public void A_table_deleted_under_the_journal_is_made_again_and_the_claim_goes_on()
        {
            var journal = Table();
            new Azure.Data.Tables.TableServiceClient(TestStorage.ConnectionString!).DeleteTable(_table);
            Assert.Equal(ClaimKind.Submit, journal.Claim(Submitting("f1"), force: false).Kind);
            Assert.Contains(_log, line => line.Contains("is gone; creating it again", StringComparison.Ordinal));
            journal.Record(Submitting("f1").Submitted("video_1"));
            Assert.Equal("video_1", Table().FindResumable("f1")!.TaskId);
        }

        [Fact]
        public void A_table_that_cannot_be_reached_is_a_journal_error_naming_the_table_never_the_key()
        {
            var key = Convert.ToBase64String(Enumerable.Repeat((byte)7, 64).ToArray());
            var ex = Assert.Throws<NebulaVideoException>(() => TableJournal.FromConnectionString(
                $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={key};TableEndpoint=http://127.0.0.1:1/devstoreaccount1;",
                "journal", new ClientOptions { MaxReadRetries = 0, RequestTimeout = TimeSpan.FromSeconds(5) }, null));

            Assert.Equal("JournalUnwritable", ex.Id.Name);
            Assert.Equal("StorageUnreachable", Assert.IsType<NebulaVideoException>(ex.InnerException).Id.Name);
            Assert.Contains("127.0.0.1:1", ex.Message);
            Assert.DoesNotContain(key, ex.ToString());
        }

        [StorageFact]
        public async Task The_engine_resumes_a_request_another_host_submitted_through_the_table_instead_of_paying_again()
        {
            await using var emulator = await EmulatorServer.StartAsync(new EmulatorOptions { PhaseDuration = TimeSpan.FromMinutes(1) });
            var client = new GatewayClient(new GatewayConnection(Dialects.Nebula, emulator.GatewayUri, GatewayConnection.SecureKey("sk-x"), "test"));
            var sora = ModelCatalog.BuiltIn.Get("sora-2");
            var request = ModelCatalog.BuiltIn.Resolve(new VideoRequest { Model = "sora-2", Prompt = "waves" });

            var first = await client.SubmitAsync(request, sora, CancellationToken.None, Table());
            var again = await client.SubmitAsync(request, sora, CancellationToken.None, Table());

            Assert.Equal(first.TaskId, again.TaskId);
            Assert.True(again.Resumed);
            Assert.Equal(Table().Location, again.JournalPath);
            Assert.Equal(1, emulator.SubmissionCount);
        }
    }
}
