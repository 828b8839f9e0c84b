using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Web;
using Azure.Data.Tables;
using Azure.Data.Tables.Sas;
using NebulaVideo.Core.Http;
using NebulaVideo.Core.Tasks;
using NebulaVideo.Tests.Shared;
using Xunit;

namespace NebulaVideo.Core.Tests
{
    /// <summary>
    /// The journal table reached with a SAS instead of the account key: a table's own SAS with its address, or a SAS
    /// connection string (TableEndpoint=...;SharedAccessSignature=...). Its settings are checked before any call, and the
    /// token is never said: not in a message, a log line, the journal's description or its rows.
    /// </summary>
    public sealed class TableJournalSasTests : IDisposable
    {
        private static readonly ClientOptions Options = new ClientOptions { MaxReadRetries = 1, RetryBaseDelay = TimeSpan.FromMilliseconds(50) };

        // Nothing listens here: a journal that made a call to it would fail with StorageUnreachable, not a settings error.
        private const string Closed = "http://127.0.0.1:9/nowhere";

        private readonly string _table = TestStorage.NewName("sasjournal");
        private readonly List<TableJournal> _journals = new List<TableJournal>();
        private readonly ConcurrentQueue<string> _log = new ConcurrentQueue<string>();

        public void Dispose()
        {
            foreach (var journal in _journals) journal.Dispose();
        }

        private static TableSharedKeyCredential Key => new TableSharedKeyCredential(TestStorage.AccountName, TestStorage.AccountKey);

        private Uri TableUri(string? table = null) => new Uri($"{TestStorage.TableEndpoint}/{table ?? _table}");

        private static string TableSas(string table, string permissions, DateTimeOffset? expires = null, Action<TableSasBuilder>? more = null)
        {
            var builder = new TableSasBuilder(table, permissions, expires ?? DateTimeOffset.UtcNow.AddHours(1));
            more?.Invoke(builder);
            return builder.Sign(Key);
        }

        private static string AccountSas(TableAccountSasPermissions permissions, TableAccountSasResourceTypes resources) =>
            new TableAccountSasBuilder(permissions, resources, DateTimeOffset.UtcNow.AddHours(1)).Sign(Key);

        private static string Signature(string token) => HttpUtility.ParseQueryString(token)["sig"]!;

        private void CreateTable() => new TableClient(TestStorage.ConnectionString, _table).Create();

        private TableJournal Sas(string token, Uri? table = null)
        {
            var journal = TableJournal.FromTableSas(table ?? TableUri(), token, Options, _log.Enqueue);
            _journals.Add(journal);
            return journal;
        }

        private TableJournal Keyed()
        {
            var journal = TableJournal.FromConnectionString(TestStorage.ConnectionString!, _table, Options, _log.Enqueue);
            _journals.Add(journal);
            return journal;
        }

        private static JournalEntry Submitting(string fingerprint) =>
            new JournalEntry(fingerprint, JournalState.Submitting, null, "sora-2", "/images/" + fingerprint + ".png", DateTimeOffset.UtcNow) { Prompt = "waves" };

        /// <summary>Every place the token could leak to: what the journal says of itself, its log, and its rows as stored.</summary>
        private void AssertTokenNowhere(string token, params TableJournal[] journals)
        {
            var said = string.Join("\n", _log.Concat(journals.SelectMany(j => new[] { j.ToString(), j.Location, j.Credential, j.Account ?? string.Empty })));
            var rows = string.Join("\n", new TableClient(TestStorage.ConnectionString, _table).Query<TableEntity>()
                .SelectMany(e => ((IDictionary<string, object>)e).Values.Select(v => v?.ToString() ?? string.Empty)));
            foreach (var secret in new[] { token, Signature(token), Uri.EscapeDataString(Signature(token)) })
            {
                Assert.DoesNotContain(secret, said, StringComparison.Ordinal);
                Assert.DoesNotContain(secret, rows, StringComparison.Ordinal);
            }
            Assert.DoesNotContain("sig=", said, StringComparison.Ordinal);
        }

        [StorageFact]
        public void A_tables_own_sas_keeps_the_journal_that_key_holders_share()
        {
            CreateTable();
            var token = TableSas(_table, "raud");
            var first = Sas(token);

            Assert.Equal(ClaimKind.Submit, first.Claim(Submitting("f1"), force: false).Kind);
            first.Record(Submitting("f1").Submitted("video_1"));

            // Another host with the key, and another with the token, read the same row.
            Assert.Equal(ClaimKind.Resume, Keyed().Claim(Submitting("f1"), force: false).Kind);
            var again = Sas(token);
            Assert.Equal("video_1", again.FindResumable("f1")!.TaskId);
            // Clear-NebulaVideoJournal's delete is allowed too (d).
            Assert.Equal((1, 0), again.Prune(DateTimeOffset.UtcNow.AddMinutes(1)));

            Assert.Equal(TableUri().ToString(), first.Location);
            Assert.Equal((_table, TestStorage.AccountName, "SasToken"), (first.Table, first.Account, first.Credential));
            Assert.Equal("AccountKey", Keyed().Credential);
            AssertTokenNowhere(token, first, again);
        }

        [StorageFact]
        public void A_sas_connection_string_keeps_the_journal_as_the_runbooks_variable_gives_it()
        {
            CreateTable();
            var token = TableSas(_table, "raud");
            var journal = TableJournal.FromConnectionString($"TableEndpoint={TestStorage.TableEndpoint};SharedAccessSignature={token}", _table, Options, _log.Enqueue);
            _journals.Add(journal);

            journal.Record(Submitting("f1").Submitted("video_1"));

            Assert.Equal("video_1", Keyed().FindResumable("f1")!.TaskId);
            Assert.Equal(("SasToken", TableUri().ToString()), (journal.Credential, journal.Location));
            AssertTokenNowhere(token, journal);
        }

        [StorageFact]
        public void An_account_sas_that_may_create_tables_creates_a_missing_one_as_the_key_does()
        {
            var token = AccountSas(TableAccountSasPermissions.All, TableAccountSasResourceTypes.All);
            var journal = TableJournal.FromConnectionString($"TableEndpoint={TestStorage.TableEndpoint};SharedAccessSignature={token}", _table, Options, _log.Enqueue);
            _journals.Add(journal);

            Assert.True(new TableServiceClient(TestStorage.ConnectionString).Query(t => t.Name == _table).Any());
            Assert.Equal(ClaimKind.Submit, journal.Claim(Submitting("f1"), force: false).Kind);
            AssertTokenNowhere(token, journal);
        }

        [StorageFact]
        public void A_missing_table_that_a_tables_sas_cannot_create_is_said_at_once_with_how_to_create_it()
        {
            var token = TableSas(_table, "raud");

            var ex = Assert.Throws<NebulaVideoException>(() => Sas(token));

            var inner = Assert.IsType<NebulaVideoException>(ex.InnerException);
            Assert.Equal("StorageContainerUnavailable", inner.Id.Name);
            Assert.Contains($"table {TableUri()} does not exist", ex.Message, StringComparison.Ordinal);
            Assert.Contains("New-AzStorageTable", ex.RecommendedAction, StringComparison.Ordinal);
            Assert.DoesNotContain(Signature(token), ex.ToString(), StringComparison.Ordinal);
        }

        [StorageFact]
        public void A_token_the_service_refuses_is_access_denied_at_once_with_advice_about_the_journal_token()
        {
            CreateTable();
            var otherKey = new TableSharedKeyCredential(TestStorage.AccountName, Convert.ToBase64String(new byte[64]));
            var forged = new TableSasBuilder(_table, "raud", DateTimeOffset.UtcNow.AddHours(1)).Sign(otherKey);

            var ex = Assert.Throws<NebulaVideoException>(() => Sas(forged));

            Assert.Equal("StorageAccessDenied", Assert.IsType<NebulaVideoException>(ex.InnerException).Id.Name);
            Assert.Contains("journal token", ex.RecommendedAction, StringComparison.Ordinal);
            Assert.Contains("sp=raud", ex.RecommendedAction, StringComparison.Ordinal);
            Assert.DoesNotContain(Signature(forged), ex.ToString(), StringComparison.Ordinal);
        }

        [StorageFact]
        public void A_token_limited_to_the_journals_partition_is_taken()
        {
            CreateTable();
            var token = TableSas(_table, "raud", more: b => { b.PartitionKeyStart = TableJournal.DefaultScope; b.PartitionKeyEnd = TableJournal.DefaultScope; });

            var journal = Sas(token);
            journal.Record(Submitting("f1").Submitted("video_1"));

            Assert.Equal("video_1", Keyed().FindResumable("f1")!.TaskId);
        }

        /// <summary>A token of the kind named, for the table <paramref name="table"/>.</summary>
        private static string Mint(string kind, string table) => kind switch
        {
            "read only" => TableSas(table, "r"),
            "no delete" => TableSas(table, "rau"),
            "expired" => TableSas(table, "raud", DateTimeOffset.UtcNow.AddMinutes(-5)),
            "another table" => TableSas("anothertable", "raud"),
            "row range" => TableSas(table, "raud", more: b => { b.RowKeyStart = "a"; b.RowKeyEnd = "b"; }),
            "other partitions" => TableSas(table, "raud", more: b => { b.PartitionKeyStart = "a"; b.PartitionKeyEnd = "b"; }),
            "account read only" => AccountSas(TableAccountSasPermissions.Read, TableAccountSasResourceTypes.All),
            "account without rows" => AccountSas(TableAccountSasPermissions.All, TableAccountSasResourceTypes.Container),
            "account for blobs" => "sv=2019-07-07&ss=b&srt=sco&sp=rwdlacu&se=2099-01-01T00%3A00%3A00Z&sig=c2VjcmV0",
            "container" => ContainerSas(table),
            "no signature" => "sv=2019-07-07&tn=journal&sp=raud&se=2099-01-01T00%3A00%3A00Z",
            _ => throw new ArgumentException(kind),
        };

        private static string ContainerSas(string name)
        {
            var builder = new Azure.Storage.Sas.BlobSasBuilder { BlobContainerName = name, Resource = "c", ExpiresOn = DateTimeOffset.UtcNow.AddHours(1) };
            builder.SetPermissions("racwd");
            return builder.ToSasQueryParameters(new Azure.Storage.StorageSharedKeyCredential(TestStorage.AccountName, TestStorage.AccountKey)).ToString();
        }

        [StorageTheory]
        [InlineData("read only", "StorageSettingInvalid", "grants 'r', without add (a), update (u) and delete (d)")]
        [InlineData("no delete", "StorageSettingInvalid", "without delete (d)")]
        [InlineData("expired", "StorageTokenExpired", "The journal token expired at")]
        [InlineData("another table", "StorageSettingInvalid", "is for the table 'anothertable', not 'journal'")]
        [InlineData("row range", "StorageSettingInvalid", "limits the rows it reaches")]
        [InlineData("other partitions", "StorageSettingInvalid", "partitions 'a' to 'b'")]
        [InlineData("account read only", "StorageSettingInvalid", "without add (a), update (u) and delete (d)")]
        [InlineData("account without rows", "StorageSettingInvalid", "(srt=c)")]
        [InlineData("account for blobs", "StorageSettingInvalid", "(ss=b)")]
        [InlineData("container", "StorageSettingInvalid", "not for a table")]
        [InlineData("no signature", "StorageSettingInvalid", "not a SAS token")]
        public void A_token_that_cannot_keep_the_journal_is_refused_before_any_call_naming_the_table(string kind, string id, string says)
        {
            var token = Mint(kind, "journal");
            var table = new Uri(Closed + "/journal");

            var ex = Assert.Throws<NebulaVideoException>(() => TableJournal.FromTableSas(table, token, Options, _log.Enqueue));

            Assert.Equal(id, ex.Id.Name);
            Assert.Contains(says, ex.Message, StringComparison.Ordinal);
            Assert.Equal(Closed + "/journal", ex.Target);
            if (HttpUtility.ParseQueryString(token)["sig"] is { } sig) Assert.DoesNotContain(sig, ex.ToString() + ex.RecommendedAction, StringComparison.Ordinal);
            Assert.Empty(_log);
            // Said the same way from a SAS connection string (the runbook's variable), with the table's name as target.
            var fromVariable = Assert.Throws<NebulaVideoException>(() =>
                TableJournal.FromConnectionString($"TableEndpoint={Closed};SharedAccessSignature={token}", "journal", Options, _log.Enqueue));
            Assert.Equal((id, "journal"), (fromVariable.Id.Name, fromVariable.Target));
            Assert.Equal(ex.Message, fromVariable.Message);
        }

        [Theory]
        [InlineData("http://contoso.table.core.windows.net/journal", "is not https")]
        [InlineData("https://contoso.table.core.windows.net/journal?sv=2019-07-07&sig=abc", "carries a query")]
        [InlineData("https://contoso.table.core.windows.net/", "does not name a table")]
        [InlineData("https://contoso.table.core.windows.net/no-dashes", "is not a table name")]
        public void An_address_that_is_not_a_tables_over_https_is_refused_before_any_call(string address, string says)
        {
            var ex = Assert.Throws<NebulaVideoException>(() =>
                TableJournal.FromTableSas(new Uri(address), "sv=2019-07-07&tn=journal&sp=raud&se=2099-01-01T00%3A00%3A00Z&sig=c2VjcmV0", Options, _log.Enqueue));

            Assert.Equal("StorageSettingInvalid", ex.Id.Name);
            Assert.Contains(says, ex.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("c2VjcmV0", ex.ToString() + ex.RecommendedAction, StringComparison.Ordinal);
            Assert.DoesNotContain("abc", ex.Message + ex.Target, StringComparison.Ordinal);
            Assert.Empty(_log);
        }

        [Fact]
        public void A_sas_connection_string_without_a_table_endpoint_is_refused_saying_what_it_lacks()
        {
            var ex = Assert.Throws<NebulaVideoException>(() => TableJournal.FromConnectionString(
                "BlobEndpoint=https://contoso.blob.core.windows.net;SharedAccessSignature=sv=2019-07-07&ss=t&srt=sco&sp=raud&sig=c2VjcmV0", "journal", Options, null));

            Assert.Equal("StorageSettingInvalid", ex.Id.Name);
            Assert.Contains("TableEndpoint", ex.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("c2VjcmV0", ex.ToString() + ex.RecommendedAction, StringComparison.Ordinal);
        }
    }
}
