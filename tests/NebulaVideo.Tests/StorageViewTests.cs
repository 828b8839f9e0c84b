using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Web;
using Azure.Data.Tables;
using Azure.Data.Tables.Sas;
using NebulaVideo.Core;
using NebulaVideo.Tests.Shared;
using Xunit;

namespace NebulaVideo.Tests
{
    /// <summary>
    /// The session's storage as Connect- and Get-NebulaVideoStorage show it, the image store and the journal table in one
    /// object, and the journal table reached with a SAS (its address and token, a SAS connection string in the runbook's
    /// variables): the real engine on Azurite, no token or key in anything the session writes.
    /// </summary>
    [Collection(EngineCollection.Name)]
    public sealed class StorageViewTests : IDisposable
    {
        private const string StorageInfoType = "NebulaVideo.Core.Storage.StorageInfo";

        private readonly EngineFixture _engine;
        private readonly ScratchFolder _scratch;

        public StorageViewTests(EngineFixture engine)
        {
            _engine = engine;
            _scratch = new ScratchFolder(engine.Stills);
        }

        private PSRun Run(string script, params (string Name, object? Value)[] more)
        {
            var variables = new Dictionary<string, object?>
            {
                ["storage"] = EngineFixture.Secure(TestStorage.ConnectionString!),
                ["harbor"] = Path.Combine(_scratch.Stills, "harbor.png"),
            };
            foreach (var (name, value) in more) variables[name] = value;
            // The engine's runs each get a journal file of their own ($NebulaVideoJournalPath, which wins): removed here.
            return _engine.Run("Remove-Variable NebulaVideoJournalPath\n" + script, variables: variables);
        }

        private static string TableAddress(string table) => $"{TestStorage.TableEndpoint.TrimEnd('/')}/{table}";

        private static string NewTable()
        {
            var table = TestStorage.NewName("view");
            new TableClient(TestStorage.ConnectionString, table).Create();
            return table;
        }

        private static string TableSas(string table, string permissions = "raud", DateTimeOffset? expires = null) =>
            new TableSasBuilder(table, permissions, expires ?? DateTimeOffset.UtcNow.AddHours(1))
                .Sign(new TableSharedKeyCredential(TestStorage.AccountName, TestStorage.AccountKey));

        /// <summary>The storage objects a run wrote: the module's type, read through PowerShell as a script would.</summary>
        private static List<PSObject> Storage(PSRun run) => run.Output.Where(o => o.TypeNames.Contains(StorageInfoType)).ToList();

        private static object? Field(PSObject info, string name) => info.Properties[name]?.Value;

        /// <summary>Everything the run wrote: objects (as text and as every property), verbose lines, errors and their advice, the host.</summary>
        private static string Written(PSRun run) => string.Join("\n", run.Output.SelectMany(o => o.Properties.Select(p => p.Value?.ToString() ?? string.Empty).Append(o.ToString()))
            .Concat(run.Verbose)
            .Concat(run.Errors.Select(e => $"{e} {e.TargetObject} {e.ErrorDetails?.RecommendedAction} {e.Exception}"))
            .Append(run.Host.Text));

        private static string JournalRows(string table) => string.Join("\n", new TableClient(TestStorage.ConnectionString, table).Query<TableEntity>()
            .SelectMany(e => ((IDictionary<string, object>)e).Values.Select(v => v?.ToString() ?? string.Empty)));

        private static void AssertNoSecret(string written, params string[] secrets)
        {
            foreach (var secret in secrets.Where(s => s.Length > 0))
                Assert.DoesNotContain(secret, written, StringComparison.Ordinal);
            Assert.DoesNotContain("sig=", written, StringComparison.Ordinal);
        }

        private static string Signature(string token) => HttpUtility.ParseQueryString(token)["sig"]!;

        [StorageFact]
        public void Connect_and_Get_show_the_container_and_the_journal_table_in_one_object_and_an_80_column_table()
        {
            var container = TestStorage.NewName("stills");
            var table = "view" + Guid.NewGuid().ToString("N").Substring(0, 12);

            var run = Run(@"
                Connect-NebulaVideoStorage -ConnectionString $storage -Container $container -JournalTable $table
                '---'
                Get-NebulaVideoStorage
                Get-NebulaVideoStorage | Out-String -Width 80", ("container", container), ("table", table));

            Assert.Empty(run.Errors);
            var shown = Storage(run);
            Assert.Equal(2, shown.Count);
            foreach (var info in shown)
            {
                Assert.Equal(("AzureBlob", TestStorage.AccountName, container, "AccountKey"),
                    (Field(info, "Kind"), Field(info, "Account"), Field(info, "Container"), Field(info, "Credential")));
                Assert.Equal($"{TestStorage.BlobEndpoint.TrimEnd('/')}/{container}", Field(info, "Location"));
                Assert.Equal(TimeSpan.FromDays(1), Field(info, "UrlLifetime"));
                Assert.Equal((table, TableAddress(table), "AccountKey"), (Field(info, "JournalTable"), Field(info, "JournalLocation"), Field(info, "JournalCredential")));
            }
            // Connect writes it before anything else: the first object of the run.
            Assert.Same(shown[0], run.Output[0]);
            var lines = run.Objects<string>().Last().Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0).ToList();
            Assert.Matches(@"^Account\s+Container\s+Credential\s+JournalTable\s+JournalCredential$", lines[0]);
            Assert.Matches($@"^{TestStorage.AccountName}\s+{container.Substring(0, 8)}\S*\s+AccountKey\s+{table.Substring(0, 8)}\S*\s+AccountKey$", lines[2]);
            Assert.All(lines, l => Assert.True(l.Length <= 80, $"{l.Length} columns: {l}"));
            AssertNoSecret(Written(run), TestStorage.AccountKey);
        }

        [StorageFact]
        public void Connecting_only_a_journal_table_writes_the_storage_object_too()
        {
            var table = "view" + Guid.NewGuid().ToString("N").Substring(0, 12);

            var run = Run("Connect-NebulaVideoStorage -ConnectionString $storage -JournalTable $table", ("table", table));

            Assert.Empty(run.Errors);
            var info = Assert.Single(Storage(run));
            Assert.Null(Field(info, "Kind"));
            Assert.Null(Field(info, "Container"));
            Assert.Null(Field(info, "Credential"));
            Assert.Equal(TestStorage.AccountName, Field(info, "Account"));
            Assert.Equal((table, TableAddress(table), "AccountKey"), (Field(info, "JournalTable"), Field(info, "JournalLocation"), Field(info, "JournalCredential")));
        }

        [StorageFact]
        public void A_tables_own_sas_keeps_the_journal_a_rerun_resumes_from_and_the_token_is_said_nowhere()
        {
            var table = NewTable();
            var token = TableSas(table);
            var connect = "Connect-NebulaVideoStorage -JournalTableUri $tableUri -JournalSasToken $token\n";
            var variables = new (string, object?)[] { ("tableUri", new Uri(TableAddress(table))), ("token", EngineFixture.Secure(token)) };
            var since = DateTimeOffset.UtcNow;

            var first = Run(connect + "New-NebulaVideo -Prompt 'by token' -LiteralPath $harbor -Verbose", variables);
            var second = Run(connect + @"
                Get-NebulaVideoStorage
                New-NebulaVideo -Prompt 'by token' -LiteralPath $harbor -Verbose
                Get-NebulaVideoJournal | ForEach-Object { 'journal ' + $_.State + ' ' + $_.TaskId }", variables);

            Assert.Empty(first.Errors);
            Assert.Empty(second.Errors);
            var info = Storage(first).Single();
            Assert.Equal((table, TableAddress(table), "SasToken", TestStorage.AccountName), (Field(info, "JournalTable"), Field(info, "JournalLocation"), Field(info, "JournalCredential"), Field(info, "Account")));
            Assert.Null(Field(info, "Kind"));
            Assert.Equal(2, Storage(second).Count);
            var sent = first.Objects<VideoTask>().Single();
            var resumed = second.Objects<VideoTask>().Single();
            Assert.Equal(TableAddress(table), sent.JournalPath);
            Assert.Equal(sent.TaskId, resumed.TaskId);
            Assert.True(resumed.Resumed);
            Assert.Equal(1, _engine.PostsSince(since));
            Assert.Contains($"journal Submitted {sent.TaskId}", second.Objects<string>());
            foreach (var run in new[] { first, second })
                AssertNoSecret(Written(run), token, Signature(token), Uri.EscapeDataString(Signature(token)));
            AssertNoSecret(JournalRows(table), token, Signature(token), Uri.EscapeDataString(Signature(token)));
        }

        [StorageFact]
        public void A_runbooks_sas_connection_string_and_table_variables_keep_its_journal()
        {
            var table = NewTable();
            var token = TableSas(table);
            using var environment = new EnvironmentScope(
                ("NEBULAVIDEO_STORAGE_CONNECTION_STRING", $"TableEndpoint={TestStorage.TableEndpoint};SharedAccessSignature={token}"),
                ("NEBULAVIDEO_STORAGE_JOURNAL_TABLE", table), ("NEBULAVIDEO_STORAGE_CONTAINER", null));

            var run = Run(@"
                Get-NebulaVideoStorage
                New-NebulaVideo -Prompt 'runbook token' -LiteralPath $harbor");

            Assert.Empty(run.Errors);
            var info = Assert.Single(Storage(run));
            Assert.Equal((table, "SasToken"), (Field(info, "JournalTable"), Field(info, "JournalCredential")));
            Assert.Null(Field(info, "Container"));
            var task = run.Objects<VideoTask>().Single();
            Assert.Equal(TableAddress(table), task.JournalPath);
            Assert.Contains(task.TaskId, JournalRows(table), StringComparison.Ordinal);
            AssertNoSecret(Written(run), token, Signature(token));
        }

        [StorageFact]
        public void A_script_block_store_takes_a_journal_table_by_token_beside_it()
        {
            var table = NewTable();
            var token = TableSas(table);

            var run = Run(@"
                Connect-NebulaVideoStorage -ScriptBlock { 'https://example.com/x.png' } -JournalTableUri $tableUri -JournalSasToken $token |
                    Format-List | Out-String -Width 80", ("tableUri", new Uri(TableAddress(table))), ("token", EngineFixture.Secure(token)));

            Assert.Empty(run.Errors);
            var list = run.Objects<string>().Single();
            Assert.Matches(@"(?m)^Kind\s+: ScriptBlock\s*$", list);
            Assert.Matches(@"(?m)^Credential\s+: ScriptBlock\s*$", list);
            Assert.Matches($@"(?m)^JournalTable\s+: {table}\s*$", list);
            Assert.Matches(@"(?m)^JournalCredential\s+: SasToken\s*$", list);
            AssertNoSecret(Written(run), token, Signature(token));
        }

        [Theory]
        [InlineData("read only", "StorageSettingInvalid", "without add (a), update (u) and delete (d)")]
        [InlineData("expired", "StorageTokenExpired", "expired at")]
        [InlineData("no token", "StorageSettingInvalid", "-JournalTableUri and -JournalSasToken go together")]
        public void A_journal_token_that_cannot_serve_is_refused_before_any_call_and_registers_nothing(string kind, string id, string says)
        {
            // Nothing listens there: a call made before the checks would end in a journal error, not this one.
            const string closed = "http://127.0.0.1:9/nvtest/journal";
            var key = new TableSharedKeyCredential("nvtest", Convert.ToBase64String(new byte[64]));
            var token = kind switch
            {
                "read only" => new TableSasBuilder("journal", "r", DateTimeOffset.UtcNow.AddHours(1)).Sign(key),
                "expired" => new TableSasBuilder("journal", "raud", DateTimeOffset.UtcNow.AddMinutes(-1)).Sign(key),
                _ => new TableSasBuilder("journal", "raud", DateTimeOffset.UtcNow.AddHours(1)).Sign(key),
            };
            var parameters = kind == "no token" ? "-JournalTableUri $tableUri" : "-JournalTableUri $tableUri -JournalSasToken $token";

            var run = Run($@"
                Connect-NebulaVideoStorage -ScriptBlock {{ 'https://example.com/x.png' }} {parameters}
                @(Get-NebulaVideoStorage).Count",
                ("tableUri", new Uri(closed)), ("token", EngineFixture.Secure(token)));

            var error = run.SingleError();
            Assert.StartsWith(id + ",", error.FullyQualifiedErrorId, StringComparison.Ordinal);
            Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
            Assert.Contains(says, error.Exception.Message, StringComparison.Ordinal);
            Assert.Equal(closed, error.TargetObject);
            Assert.False(string.IsNullOrEmpty(error.ErrorDetails?.RecommendedAction));
            // The script block store was not registered without its journal.
            Assert.Equal(0, run.Output.Select(o => o.BaseObject).OfType<int>().Single());
            AssertNoSecret(Written(run), token, Signature(token));
        }

        public void Dispose() => _scratch.Dispose();
    }
}
