using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Azure.Data.Tables;
using NebulaVideo.Core;
using NebulaVideo.Core.Tasks;
using NebulaVideo.Tests.Shared;
using Xunit;

namespace NebulaVideo.Tests
{
    /// <summary>
    /// The session's journal in an Azure Table (Connect-NebulaVideoStorage -JournalTable, or the runbook's variables): the
    /// real engine in separate runspaces (as separate hosts would be) sharing one table on Azurite.
    /// </summary>
    [Collection(EngineCollection.Name)]
    public sealed class JournalTableTests : IDisposable
    {
        private readonly EngineFixture _engine;
        private readonly ScratchFolder _scratch;

        public JournalTableTests(EngineFixture engine)
        {
            _engine = engine;
            _scratch = new ScratchFolder(engine.Stills);
        }

        // The engine's runs each get a journal file of their own ($NebulaVideoJournalPath, which wins): removed here.
        private PSRun Run(string script, string table) => _engine.Run(@"
            Remove-Variable NebulaVideoJournalPath
            Connect-NebulaVideoStorage -ConnectionString $storage -JournalTable $table
            " + script, variables: new Dictionary<string, object?>
            {
                ["storage"] = EngineFixture.Secure(TestStorage.ConnectionString!), ["table"] = table,
                ["harbor"] = Path.Combine(_scratch.Stills, "harbor.png"),
            });

        [StorageFact]
        public void Two_sessions_sharing_a_journal_table_pay_once_and_list_and_clear_it()
        {
            var table = "journal" + Guid.NewGuid().ToString("N").Substring(0, 12);
            var since = DateTimeOffset.UtcNow;

            var first = Run("New-NebulaVideo -Prompt 'one table' -LiteralPath $harbor", table);
            var second = Run(@"
                New-NebulaVideo -Prompt 'one table' -LiteralPath $harbor -WhatIf
                New-NebulaVideo -Prompt 'one table' -LiteralPath $harbor
                Get-NebulaVideoTask -FromJournal | ForEach-Object { 'listed ' + $_.TaskId }
                Clear-NebulaVideoJournal -Before ([datetime]::UtcNow.AddMinutes(5)) -Confirm:$false
                @(Get-NebulaVideoJournal).Count", table);

            Assert.Empty(first.Errors);
            Assert.Empty(second.Errors);
            var sent = first.Objects<VideoTask>().Single();
            var resumed = second.Objects<VideoTask>().Single();
            Assert.Equal(sent.TaskId, resumed.TaskId);
            Assert.True(resumed.Resumed);
            Assert.Equal(1, _engine.PostsSince(since));
            Assert.Equal($"{TestStorage.TableEndpoint.TrimEnd('/')}/{table}", sent.JournalPath);
            Assert.Contains($"Resume task {sent.TaskId} from the journal", second.Host.Text, StringComparison.Ordinal);
            Assert.Contains("listed " + sent.TaskId, second.Objects<string>());
            Assert.Equal(0, second.Output.Select(o => o.BaseObject).OfType<int>().Last());
            Assert.DoesNotContain(TestStorage.AccountKey, string.Join("\n", second.Output.Select(o => o.ToString()).Concat(second.Verbose).Append(second.Host.Text)),
                StringComparison.Ordinal);
        }

        [StorageFact]
        public async Task A_lease_given_to_Connect_is_the_one_its_claims_carry_and_one_without_a_table_or_out_of_range_is_refused()
        {
            var table = "journal" + Guid.NewGuid().ToString("N").Substring(0, 12);
            using var gateway = new LoopbackTap(_engine.Emulator.GatewayUri);
            // The create waits for an answer that does not come: the claim stays Submitting, its lease renewed.
            gateway.Hold = request => request.Method == "POST";
            var variables = new Dictionary<string, object?>
            {
                ["storage"] = EngineFixture.Secure(TestStorage.ConnectionString!), ["table"] = table, ["harbor"] = Path.Combine(_scratch.Stills, "harbor.png"),
            };
            var submitting = Task.Run(() => _engine.Run(@"
                Remove-Variable NebulaVideoJournalPath
                Connect-NebulaVideoStorage -ConnectionString $storage -JournalTable $table -JournalLease 00:00:02.5
                New-NebulaVideo -Prompt 'leased' -LiteralPath $harbor", gateway: gateway.Address, variables: variables));
            for (var waited = 0; gateway.Held == 0 && waited < 600; waited++) await Task.Delay(50);

            var row = Assert.Single(new TableClient(TestStorage.ConnectionString, table).Query<TableEntity>());
            Assert.Equal("Submitting", row.GetString("state"));
            Assert.Equal(2500L, row.GetInt64("lease_ms"));
            gateway.Dispose(); // the connection breaks with the create unanswered
            Assert.StartsWith("SubmitOutcomeUnknown,", (await submitting).SingleError().FullyQualifiedErrorId, StringComparison.Ordinal);

            var refused = _engine.Run(@"
                Connect-NebulaVideoStorage -ConnectionString $storage -JournalLease 00:00:05
                Connect-NebulaVideoStorage -ConnectionString $storage -JournalTable $table -JournalLease 02:00:00", variables: variables);
            Assert.Equal(new[] { "StorageSettingInvalid", "StorageSettingInvalid" }, refused.Errors.Select(e => e.FullyQualifiedErrorId.Split(',')[0]));
        }

        public void Dispose() => _scratch.Dispose();
    }
}
