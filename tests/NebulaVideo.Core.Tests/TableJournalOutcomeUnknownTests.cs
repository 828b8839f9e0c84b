using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using NebulaVideo.Core.Catalog;
using NebulaVideo.Core.Connections;
using NebulaVideo.Core.Gateways;
using NebulaVideo.Core.Http;
using NebulaVideo.Core.Tasks;
using NebulaVideo.Emulator;
using NebulaVideo.Tests.Shared;
using Xunit;

namespace NebulaVideo.Core.Tests
{
    /// <summary>
    /// A submission whose submitter died before the gateway's answer, in a journal table: the engine refuses it
    /// (SubmitOutcomeUnknown), and its advice names the table's row and the way past it, not a journal file.
    /// </summary>
    public sealed class TableJournalOutcomeUnknownTests : IAsyncLifetime
    {
        private static readonly ClientOptions Options = new ClientOptions { MaxReadRetries = 2, RetryBaseDelay = TimeSpan.FromMilliseconds(100) };
        private static readonly TimeSpan Lease = TimeSpan.FromSeconds(2);

        private readonly string _table = TestStorage.NewName("unknown");
        private readonly List<TableJournal> _journals = new List<TableJournal>();
        private EmulatorServer _emulator = null!;

        public async Task InitializeAsync() =>
            _emulator = await EmulatorServer.StartAsync(new EmulatorOptions { PhaseDuration = TimeSpan.FromMinutes(1) });

        public async Task DisposeAsync()
        {
            foreach (var journal in _journals) journal.Dispose();
            await _emulator.DisposeAsync();
        }

        private TableJournal Table(string? scope = null)
        {
            var journal = TableJournal.FromConnectionString(TestStorage.ConnectionString!, _table, Options, null, scope, Lease);
            _journals.Add(journal);
            return journal;
        }

        private GatewayClient Client() =>
            new GatewayClient(new GatewayConnection(Dialects.Nebula, _emulator.GatewayUri, GatewayConnection.SecureKey("sk-x"), "test"));

        private static VideoRequest Request(string prompt) => ModelCatalog.BuiltIn.Resolve(new VideoRequest { Model = "sora-2", Prompt = prompt });

        /// <summary>What kill -9 leaves of a run that claimed the request: its Submitting row, and nobody renewing its lease.</summary>
        private string ClaimAndDie(PreparedSubmission submission, string? scope)
        {
            var dead = Table(scope);
            var submitting = JournalEntry.Submitting(submission.Fingerprint, new VideoTask { Model = "sora-2", Prompt = submission.Request.Prompt });
            Assert.Equal(ClaimKind.Submit, dead.Claim(submitting, force: false).Kind);
            dead.Dispose();
            Thread.Sleep(Lease * 2.5);
            return submission.Fingerprint;
        }

        [StorageTheory]
        [InlineData(null)]
        [InlineData("runbook/nightly")]
        public async Task A_dead_submitters_row_is_named_by_table_partition_and_row_with_Force_as_the_way_past_it(string? scope)
        {
            var client = Client();
            var submission = client.Prepare(Request("harbour at dusk"), ModelCatalog.BuiltIn.Get("sora-2"));
            var fingerprint = ClaimAndDie(submission, scope);
            var journal = Table(scope);

            var ex = await Assert.ThrowsAsync<NebulaVideoException>(() => client.SubmitAsync(submission, CancellationToken.None, journal));

            Assert.Equal("SubmitOutcomeUnknown", ex.Id.Name);
            var advice = ex.RecommendedAction!;
            Assert.Contains($"table '{_table}' ({journal.Location})", advice, StringComparison.Ordinal);
            Assert.Contains($"PartitionKey '{(scope is null ? TableJournal.DefaultScope : "runbook%2Fnightly")}'", advice, StringComparison.Ordinal);
            Assert.Contains($"RowKey '{fingerprint}'", advice, StringComparison.Ordinal);
            Assert.Contains($"Get-NebulaVideoJournal -Fingerprint {JournalEntry.ShortFingerprint(fingerprint)}", advice, StringComparison.Ordinal);
            Assert.Contains("-Force", advice, StringComparison.Ordinal);
            // -JournalPath takes a file: a table's address there would name nothing.
            Assert.DoesNotContain("-JournalPath", advice, StringComparison.Ordinal);
            Assert.Equal(0, _emulator.SubmissionCount);

            // The advice's way out is real: -Force replaces that row and submits once.
            var forced = await client.SubmitAsync(submission, CancellationToken.None, Table(scope), force: true);
            Assert.Equal(1, _emulator.SubmissionCount);
            Assert.Equal(forced.TaskId, Table(scope).FindResumable(fingerprint)!.TaskId);
        }

        [Fact]
        public void A_file_journal_still_names_its_entry_with_the_file()
        {
            var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"nebulavideo-advice-{Guid.NewGuid():N}.jsonl");
            var file = new TaskJournal(path);
            var described = file.DescribeEntry("0123456789abcdef0123");
            Assert.Equal($"Get-NebulaVideoJournal -Fingerprint 0123456789ab -JournalPath '{path}' shows what is known (when it was sent, what of the answer arrived).", described);
        }
    }
}
