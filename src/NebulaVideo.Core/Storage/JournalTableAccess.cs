using System;
using System.Collections.Generic;
using System.Threading;
using Azure;
using Azure.Data.Tables;
using NebulaVideo.Core.Tasks;
using NebulaOptions = NebulaVideo.Core.Http.ClientOptions;

namespace NebulaVideo.Core.Storage
{
    /// <summary>
    /// Everything of the table journal that touches the Azure SDK, so the SDK loads only once a table journal is made.
    /// Each method is ONE attempt of one call on one partition of the table; the answers a journal expects (the row is
    /// there already: 409; the row changed since it was read: 412) come back as null, every other failure in the terms
    /// <see cref="Transient"/> knows, for the journal's retry. The SDK's own retries are off.
    /// </summary>
    internal sealed class JournalTableAccess
    {
        private readonly TableClient _table;
        private readonly string _partition;

        private JournalTableAccess(TableClient table, string partition, string? account)
        {
            _table = table;
            _partition = partition;
            Account = account ?? string.Empty;
            Location = table.Uri.GetLeftPart(UriPartial.Path).TrimEnd('/');
        }

        /// <summary>The table's address, without a query or a trailing slash.</summary>
        public string Location { get; }

        public string Table => _table.Name;

        /// <summary>The storage account's name, as the SDK reads it from the address; empty when it cannot tell.</summary>
        public string Account { get; }

        /// <summary>The partition (PartitionKey) this journal's rows are in.</summary>
        public string Partition => _partition;

        /// <summary>A journal table on a connection string; null with the reason when it cannot be one.</summary>
        public static JournalTableAccess? FromConnectionString(string connectionString, string table, string partition, NebulaOptions options, Action<string>? log, out string? problem)
        {
            problem = null;
            var policy = new StorageCallPolicy(log);
            TableClient client;
            try
            {
                client = new TableClient(connectionString, table, TableOptions(options, policy));
            }
            catch (Exception ex) when (ex is FormatException || ex is ArgumentException || ex is InvalidOperationException || ex is UriFormatException)
            {
                // Not the SDK's message: it may quote the string it could not read.
                problem = "it is not an Azure Storage connection string with a table endpoint (AccountName=...;AccountKey=...;EndpointSuffix=... or TableEndpoint=...).";
                return null;
            }
            policy.Endpoint = client.Uri;
            return new JournalTableAccess(client, partition, client.AccountName);
        }

        /// <summary>
        /// A journal table at its address (no query), signed with a SAS token (without its leading '?'), which the SDK adds
        /// to each request; null with the reason when the address names no table the SDK can reach.
        /// </summary>
        public static JournalTableAccess? FromTableSas(Uri table, string name, string token, string partition, NebulaOptions options, Action<string>? log, out string? problem)
        {
            problem = null;
            var policy = new StorageCallPolicy(log) { Endpoint = table };
            TableClient client;
            try
            {
                client = new TableClient(table, new AzureSasCredential(token), TableOptions(options, policy));
            }
            catch (Exception ex) when (ex is FormatException || ex is ArgumentException || ex is UriFormatException)
            {
                problem = "it is not a table's address (https://ACCOUNT.table.core.windows.net/TABLE).";
                return null;
            }
            if (!string.Equals(client.Name, name, StringComparison.Ordinal))
            {
                problem = $"the storage SDK reads another table than '{name}' in it; give https://ACCOUNT.table.core.windows.net/TABLE.";
                return null;
            }
            return new JournalTableAccess(client, partition, AccountOf(table));
        }

        /// <summary>The account an address names: its host's first label, or its path's first segment for an emulator's (path-style) address.</summary>
        private static string? AccountOf(Uri table)
        {
            if (table.HostNameType == UriHostNameType.Dns && !table.IsLoopback) return table.Host.Split('.')[0];
            var segments = table.AbsolutePath.Split(new[] { '/' }, StringSplitOptions.RemoveEmptyEntries);
            return segments.Length > 1 ? segments[0] : null;
        }

        private static TableClientOptions TableOptions(NebulaOptions options, StorageCallPolicy policy) =>
            StorageCalls.Configure(new TableClientOptions(), options, policy);

        /// <summary>Creates the table unless it exists; true when this call created it.</summary>
        public bool CreateTableIfMissing(CancellationToken cancellation) =>
            StorageCalls.Attempt(() => _table.CreateIfNotExists(cancellation) is { } created && created.GetRawResponse().Status != 409, cancellation);

        /// <summary>
        /// Reads at most one row of the partition: proves the table is there and the credential reaches its rows, without
        /// creating anything (a table's own SAS cannot create its table).
        /// </summary>
        public bool Probe(CancellationToken cancellation) =>
            StorageCalls.Attempt(() =>
            {
                var filter = TableClient.CreateQueryFilter($"PartitionKey eq {_partition}");
                using var pages = _table.Query<TableEntity>(filter, 1, new[] { "PartitionKey" }, cancellation).AsPages(null, 1).GetEnumerator();
                pages.MoveNext();
                return true;
            }, cancellation);

        /// <summary>Inserts the row; its ETag, or null when a row has its key already (409).</summary>
        public string? Add(string rowKey, JournalEntry entry, TimeSpan? lease, CancellationToken cancellation) =>
            StorageCalls.Attempt(() =>
            {
                try
                {
                    return _table.AddEntity(JournalRow.ToEntity(_partition, rowKey, entry, lease), cancellation).Headers.ETag?.ToString();
                }
                catch (RequestFailedException ex) when (ex.Status == 409)
                {
                    return null;
                }
            }, cancellation);

        /// <summary>
        /// Replaces the row if it is still the one read as <paramref name="etag"/>; its new ETag, or null when it changed
        /// or went (412, 404): the caller reads it again and decides again.
        /// </summary>
        public string? Replace(string rowKey, JournalEntry entry, TimeSpan? lease, string etag, CancellationToken cancellation) =>
            StorageCalls.Attempt(() =>
            {
                try
                {
                    return _table.UpdateEntity(JournalRow.ToEntity(_partition, rowKey, entry, lease), new ETag(etag), TableUpdateMode.Replace, cancellation).Headers.ETag?.ToString();
                }
                catch (RequestFailedException ex) when (ex.Status == 412 || (ex.Status == 404 && ex.ErrorCode != "TableNotFound"))
                {
                    return null;
                }
            }, cancellation);

        /// <summary>
        /// Renews a Submitting row's lease: a conditional merge that changes only its renewal count, so the service stamps
        /// it anew (its Timestamp, by the service's clock). Its new ETag, or null when the row is no longer the one held.
        /// </summary>
        public string? Renew(string rowKey, string etag, int renewals, CancellationToken cancellation) =>
            StorageCalls.Attempt(() =>
            {
                try
                {
                    var entity = new TableEntity(_partition, rowKey) { [JournalRow.Renewals] = renewals };
                    return _table.UpdateEntity(entity, new ETag(etag), TableUpdateMode.Merge, cancellation).Headers.ETag?.ToString();
                }
                catch (RequestFailedException ex) when (ex.Status == 412 || ex.Status == 404)
                {
                    return null;
                }
            }, cancellation);

        /// <summary>The row, with the service's time of this answer; null when there is none.</summary>
        public StoredRow? Read(string rowKey, CancellationToken cancellation) =>
            StorageCalls.Attempt(() =>
            {
                var answer = _table.GetEntityIfExists<TableEntity>(_partition, rowKey, null, cancellation);
                if (!answer.HasValue) return null;
                return JournalRow.FromEntity(answer.Value!, answer.GetRawResponse().Headers.Date);
            }, cancellation);

        /// <summary>Every row of the partition, or those whose task_id is <paramref name="taskId"/>.</summary>
        public List<StoredRow> List(string? taskId, CancellationToken cancellation) =>
            StorageCalls.Attempt(() =>
            {
                var filter = taskId is null
                    ? TableClient.CreateQueryFilter($"PartitionKey eq {_partition}")
                    : TableClient.CreateQueryFilter($"PartitionKey eq {_partition} and task_id eq {taskId}");
                var rows = new List<StoredRow>();
                foreach (var page in _table.Query<TableEntity>(filter, null, null, cancellation).AsPages())
                {
                    var date = page.GetRawResponse().Headers.Date;
                    foreach (var entity in page.Values) rows.Add(JournalRow.FromEntity(entity, date));
                }
                return rows;
            }, cancellation);

        /// <summary>Deletes the row if it is still the one read as <paramref name="etag"/>; false when it changed or went.</summary>
        public bool Delete(string rowKey, string etag, CancellationToken cancellation) =>
            StorageCalls.Attempt(() =>
            {
                try
                {
                    var answer = _table.DeleteEntity(_partition, rowKey, new ETag(etag), cancellation);
                    return answer.Status != 404;
                }
                catch (RequestFailedException ex) when (ex.Status == 412 || ex.Status == 404)
                {
                    return false;
                }
            }, cancellation);
    }
}
