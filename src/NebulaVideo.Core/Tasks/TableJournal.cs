using System;
using System.Collections.Generic;
using System.Threading;
using NebulaVideo.Core.Http;
using NebulaVideo.Core.Storage;
using Polly;

namespace NebulaVideo.Core.Tasks
{
    /// <summary>
    /// The journal in an Azure Table, shared by every run that names it (runspaces, processes, hosts, cloud sandboxes):
    /// one row per request (keyed by its fingerprint) and per saved video, in one partition per scope, so a runbook's
    /// rows are listed cheaply. The table service is the lock: a claim is an insert, which exactly one run wins; every
    /// later change of a row is conditional on the ETag it was read with, and a run that finds the row changed reads it
    /// again and decides again (<see cref="JournalRules"/>), never writing over what another run wrote.
    /// </summary>
    /// <remarks>
    /// A live submitter is told from a dead one by a lease, on the table service's clock only: a Submitting row carries
    /// its lease length, and the run that claimed it has the service stamp the row again (a conditional write) every
    /// third of that length until the answer is recorded. Another run takes the submitter for dead when the service's
    /// time of its own latest answer (its Date) is past the row's last stamp (its Timestamp) plus the lease: no host's
    /// clock is compared with another's. Renewal starts with a winning <see cref="Claim"/> and ends with the
    /// <see cref="Record"/> of that request (or <see cref="Dispose"/>). No Azure type appears here: the SDK stays in
    /// JournalTableAccess and JournalRow, and loads only when a table journal is made.
    /// </remarks>
    public sealed class TableJournal : ITaskJournal, IDisposable
    {
        /// <summary>The partition used when no scope is named.</summary>
        public const string DefaultScope = "nebulavideo";

        /// <summary>How long a submitter is taken to be alive after the service last stamped its row, unless told otherwise.</summary>
        public static readonly TimeSpan DefaultLease = TimeSpan.FromSeconds(60);

        /// <summary>The longest a run renews one lease: past it, other runs take the submission's outcome as unknown.</summary>
        public static readonly TimeSpan DefaultMaxHold = TimeSpan.FromMinutes(30);

        // How often one claim or record reads and decides again after losing a race, before it gives up.
        private const int MaxRaces = 16;

        private readonly JournalTableAccess _access;
        private readonly ResiliencePipeline _retry;
        private readonly StorageFailures _failures;
        private readonly Action<string>? _log;
        private readonly TimeSpan _lease;
        private readonly TimeSpan _maxHold;
        private readonly string _owner = $"{LocalProcess.Machine}:{LocalProcess.Id}:{Guid.NewGuid():N}";
        private readonly Dictionary<string, TableLease> _held = new Dictionary<string, TableLease>(StringComparer.Ordinal);
        private readonly object _gate = new object();

        private readonly bool _canCreate;

        private TableJournal(JournalTableAccess access, bool hasKey, bool canCreate, string scope, TimeSpan lease, TimeSpan maxHold, ClientOptions options, Action<string>? log)
        {
            _access = access;
            _canCreate = canCreate;
            Credential = hasKey ? "AccountKey" : "SasToken";
            Scope = scope;
            _lease = lease;
            _maxHold = maxHold;
            _log = log;
            _retry = ReadRetry.Create(options, log);
            _failures = new StorageFailures(access.Location, hasKey, options, "table", hasKey ? null : (
                "Check the journal token: it must be for this table (or an account SAS for the table service), still valid, and grant read, add, update and delete (sp=raud); mint a new one if in doubt.",
                $"Create the table first (New-AzStorageTable -Name {access.Table}, or az storage table create --name {access.Table}): a SAS for one table cannot create it."));
        }

        /// <summary>
        /// The journal in the table <paramref name="table"/> of the account a connection string names: with the account
        /// key, the table is created when missing; a SAS connection string (TableEndpoint=...;SharedAccessSignature=...)
        /// is taken as <see cref="FromTableSas"/> takes a token. The endpoint must be https, or http on this machine
        /// (Azurite). <paramref name="scope"/> is the partition of this journal's rows (a runbook's own;
        /// <see cref="DefaultScope"/> when null), <paramref name="lease"/> how long a submitter is alive after the service
        /// last stamped its row (<see cref="DefaultLease"/>; renewed every third of it), <paramref name="maxHold"/> the
        /// longest one submission's lease is renewed (<see cref="DefaultMaxHold"/>).
        /// </summary>
        public static TableJournal FromConnectionString(string connectionString, string table, ClientOptions options, Action<string>? log,
            string? scope = null, TimeSpan? lease = null, TimeSpan? maxHold = null)
        {
            StoreSettings.CheckTableName(table);
            if (string.IsNullOrWhiteSpace(connectionString))
                throw StoreSettings.Invalid("The storage connection string is empty.", table, "Give the storage account's connection string (the portal's Access keys, or az storage account show-connection-string).");
            var (partition, length) = Partition(scope, lease);
            if (SasConnectionString(connectionString) is (var endpoint, var token))
            {
                if (endpoint is null)
                    throw StoreSettings.Invalid("The SAS connection string names no TableEndpoint: a SAS reaches only the endpoints given with it.", table,
                        "Copy the connection string with its TableEndpoint= (the portal's Shared access signature page, with the Table service allowed), or give the table's address and token apart (-JournalTableUri, -JournalSasToken).");
                if (!Uri.TryCreate(endpoint.TrimEnd('/') + "/" + table, UriKind.Absolute, out var address) || (address.Scheme != Uri.UriSchemeHttps && address.Scheme != Uri.UriSchemeHttp))
                    throw StoreSettings.Invalid("The SAS connection string's TableEndpoint is not an http or https address.", table,
                        "Copy the connection string again: TableEndpoint=https://ACCOUNT.table.core.windows.net;SharedAccessSignature=....");
                StoreSettings.CheckSecure(address, table);
                return WithSas(address, table, token, table, partition, length, maxHold, options, log, scope);
            }
            var access = JournalTableAccess.FromConnectionString(connectionString, table, partition, options, log, out var problem)
                ?? throw StoreSettings.Invalid($"The storage connection string cannot be used: {problem}", table, "Copy the connection string again from the storage account's Access keys.");
            StoreSettings.CheckSecure(new Uri(access.Location), table);
            return Open(access, hasKey: true, canCreate: true, scope, length, maxHold, options, log);
        }

        /// <summary>
        /// The journal in the table at <paramref name="tableUri"/> (https://ACCOUNT.table.core.windows.net/TABLE, no query),
        /// reached with <paramref name="sasToken"/>: a SAS for that table or an account SAS for the table service, granting
        /// read, add, update and delete (sp=raud) over the journal's partition, not expired. All of it is checked before any
        /// call (StorageSettingInvalid, StorageTokenExpired; the address as target); then one read proves the table is there.
        /// A table's own SAS cannot create its table; an account SAS allowed to (srt=c, sp with c or w) creates it when
        /// missing. The token goes to the table's endpoint only, and is never said.
        /// </summary>
        public static TableJournal FromTableSas(Uri tableUri, string sasToken, ClientOptions options, Action<string>? log,
            string? scope = null, TimeSpan? lease = null, TimeSpan? maxHold = null)
        {
            if (tableUri is null || !tableUri.IsAbsoluteUri)
                throw StoreSettings.Invalid("The table's address is not an absolute URL.", null, "Give the table's address: https://ACCOUNT.table.core.windows.net/TABLE.");
            var shown = tableUri.GetLeftPart(UriPartial.Path).TrimEnd('/');
            if (tableUri.Query.Length > 0)
                throw StoreSettings.Invalid($"The table's address {shown} carries a query; its token must be given apart.", shown,
                    "Give the address without '?...', and the token with -JournalSasToken.");
            StoreSettings.CheckSecure(tableUri, shown);
            // Path-style on an emulator (http://127.0.0.1:10002/ACCOUNT/TABLE), the account in the host's name otherwise.
            var segments = tableUri.AbsolutePath.Split(new[] { '/' }, StringSplitOptions.RemoveEmptyEntries);
            var pathStyle = tableUri.HostNameType != UriHostNameType.Dns || tableUri.IsLoopback;
            if (segments.Length != (pathStyle ? 2 : 1))
                throw StoreSettings.Invalid($"The address {shown} does not name a table (and nothing below it).", shown,
                    "Give the table's address: https://ACCOUNT.table.core.windows.net/TABLE.");
            var table = Uri.UnescapeDataString(segments[segments.Length - 1]);
            StoreSettings.CheckTableName(table, shown);
            var (partition, length) = Partition(scope, lease);
            return WithSas(new Uri(shown), table, sasToken, shown, partition, length, maxHold, options, log, scope);
        }

        private static TableJournal WithSas(Uri address, string table, string sasToken, object target, string partition, TimeSpan lease, TimeSpan? maxHold,
            ClientOptions options, Action<string>? log, string? scope)
        {
            var token = SasToken.TryParse(sasToken)
                ?? throw StoreSettings.Invalid("The journal token is not a SAS token (sv=...&tn=...&sp=raud&se=...&sig=...).", target,
                    "Give the token as New-AzStorageTableSASToken or az storage table generate-sas print it, with or without its leading '?'.");
            StoreSettings.CheckNotExpired(token, "journal", target, "table");
            StoreSettings.CheckJournalToken(token, table, partition, target);
            var access = JournalTableAccess.FromTableSas(address, table, token.Query, partition, options, log, out var problem)
                ?? throw StoreSettings.Invalid($"The table's address cannot be used: {problem}", target, "Give the table's address: https://ACCOUNT.table.core.windows.net/TABLE.");
            return Open(access, hasKey: false, StoreSettings.CanCreateTable(token), scope, lease, maxHold, options, log);
        }

        /// <summary>The journal on a table reached already: the table made when missing and the credential allows it, else read once.</summary>
        private static TableJournal Open(JournalTableAccess access, bool hasKey, bool canCreate, string? scope, TimeSpan lease, TimeSpan? maxHold,
            ClientOptions options, Action<string>? log)
        {
            var journal = new TableJournal(access, hasKey, canCreate, string.IsNullOrEmpty(scope) ? DefaultScope : scope!, lease, maxHold ?? DefaultMaxHold, options, log);
            if (canCreate)
                journal.Guarded(write: true, "the creation of the table", access.Location, () =>
                {
                    if (journal.Run($"POST {access.Location} (create table)", access.CreateTableIfMissing)) log?.Invoke($"Created the table {access.Location}.");
                    return true;
                });
            else
                journal.Guarded(write: false, "the first read of the table", access.Location,
                    () => journal.Run($"GET {access.Location} (partition {access.Partition})", access.Probe));
            return journal;
        }

        /// <summary>The partition a scope names (escaped as a key), and a lease length in range.</summary>
        private static (string Partition, TimeSpan Lease) Partition(string? scope, TimeSpan? lease)
        {
            var length = lease ?? DefaultLease;
            if (length < TimeSpan.FromSeconds(1) || length > TimeSpan.FromHours(1))
                throw StoreSettings.Invalid($"The lease {length} is out of range.", length, "Give a lease of 1 second to 1 hour; 60 seconds is the default.");
            return (JournalRow.EscapeKey(string.IsNullOrEmpty(scope) ? DefaultScope : scope!), length);
        }

        /// <summary>
        /// The table endpoint and the token of a SAS connection string (one with SharedAccessSignature=; the endpoint null
        /// when it names none); null for any other connection string. Names are matched without regard to case, as Azure does.
        /// </summary>
        private static (string? Endpoint, string Token)? SasConnectionString(string connectionString)
        {
            string? endpoint = null;
            string? token = null;
            foreach (var part in connectionString.Split(';'))
            {
                var equals = part.IndexOf('=');
                if (equals <= 0) continue;
                var name = part.Substring(0, equals).Trim();
                var value = part.Substring(equals + 1).Trim();
                if (name.Equals("SharedAccessSignature", StringComparison.OrdinalIgnoreCase)) token = value;
                else if (name.Equals("TableEndpoint", StringComparison.OrdinalIgnoreCase)) endpoint = value;
            }
            return token is null ? null : (endpoint, token);
        }

        /// <inheritdoc/>
        public string Location => _access.Location;

        /// <summary>The partition this journal's rows are in.</summary>
        public string Scope { get; }

        /// <summary>The table's name.</summary>
        public string Table => _access.Table;

        /// <summary>The storage account's name; null when its address does not say it.</summary>
        public string? Account => _access.Account.Length == 0 ? null : _access.Account;

        /// <summary>How the table is reached: "AccountKey" or "SasToken". Never the key or the token.</summary>
        public string Credential { get; }

        /// <inheritdoc/>
        /// <remarks>
        /// The row as Storage Explorer or the portal shows it, and the command that reads it: -JournalPath takes a file,
        /// so a table is read by a session connected to it.
        /// </remarks>
        public string DescribeEntry(string fingerprint) =>
            $"Its record is the row PartitionKey '{_access.Partition}', RowKey '{JournalRow.EscapeKey(fingerprint)}' of the table '{_access.Table}' ({Location}); "
            + $"Get-NebulaVideoJournal -Fingerprint {JournalEntry.ShortFingerprint(fingerprint)}, in a session whose journal is that table, shows what is known (when it was sent, what of the answer arrived).";

        /// <inheritdoc/>
        public JournalClaim Claim(JournalEntry submitting, bool force)
        {
            var key = JournalRow.EscapeKey(submitting.Key);
            var mine = submitting with { Owner = $"{_owner}:{Guid.NewGuid():N}" };
            return Guarded(write: true, $"the claim of row {key}", submitting.Source ?? (object)key, () =>
            {
                for (var race = 0; race < MaxRaces; race++)
                {
                    var etag = Run($"POST {Location} (insert {key})", t => _access.Add(key, mine, _lease, t));
                    if (etag is not null) return Won(key, mine, etag);
                    var row = Read(key);
                    if (row is null) continue; // pruned since: insert again
                    // Our own insert, whose answer was lost and which the retry then found.
                    if (row.Entry?.Owner == mine.Owner) return Won(key, mine, row.ETag);
                    var claim = JournalRules.Decide(row.Entry, force, _ => IsAlive(row));
                    if (claim.Kind != ClaimKind.Submit) return claim;
                    etag = Run($"PUT {Location} (replace {key})", t => _access.Replace(key, mine, _lease, row.ETag, t));
                    if (etag is not null) return Won(key, mine, etag);
                    // 412: another run changed the row since it was read; read it and decide again.
                }
                throw Contended(key, submitting.Source);
            });
        }

        private JournalClaim Won(string key, JournalEntry mine, string etag)
        {
            var lease = new TableLease(key, mine.Owner!, etag, _lease, _maxHold,
                (row, tag, count) => _access.Renew(row, tag, count, CancellationToken.None), _log);
            lock (_gate)
            {
                if (_held.TryGetValue(key, out var earlier)) earlier.Dispose();
                _held[key] = lease;
            }
            return new JournalClaim(ClaimKind.Submit, null);
        }

        /// <summary>Alive: a Submitting row whose lease, by the service's clock, has not run out since the service last stamped it.</summary>
        private bool IsAlive(StoredRow row)
        {
            var owner = row.Entry?.Owner;
            // Claimed by this very journal object: alive while it holds it (another runspace of ours is submitting).
            if (owner is not null && owner.StartsWith(_owner + ":", StringComparison.Ordinal))
                lock (_gate) return _held.TryGetValue(row.RowKey, out var held) && held.Owner == owner && !held.Lost;
            if (row.Timestamp is not DateTimeOffset stamped || row.ServiceNow is not DateTimeOffset now) return true; // cannot tell: the safe side
            return now < stamped + (row.Lease ?? _lease);
        }

        /// <inheritdoc/>
        public void Record(JournalEntry entry)
        {
            var key = JournalRow.EscapeKey(entry.Key);
            TableLease? held;
            lock (_gate)
                if (_held.TryGetValue(key, out held)) _held.Remove(key);
            held?.Dispose();
            var mine = entry with { Owner = entry.Owner ?? held?.Owner ?? _owner };
            Guarded(write: true, $"the record of row {key}", entry.Source ?? (object)key, () =>
            {
                var etag = held is { Lost: false } ? held.ETag : null;
                // A row this run does not hold (a saved video) is a new one but for a rerun's: insert it, and read only
                // when one is there. One storage call per saved video instead of two; for thousands, on a network, it counts.
                if (held is null && Run($"POST {Location} (insert {key})", t => _access.Add(key, mine, null, t)) is not null) return true;
                for (var race = 0; race < MaxRaces; race++)
                {
                    if (etag is null)
                    {
                        var row = Read(key);
                        if (row is null)
                        {
                            if (held is not null) return Taken(key, mine, null);
                            if (Run($"POST {Location} (insert {key})", t => _access.Add(key, mine, null, t)) is not null) return true;
                            continue;
                        }
                        if (Written(row, mine)) return true;
                        if (held is not null && row.Entry?.Owner != held.Owner) return Taken(key, mine, row);
                        etag = row.ETag;
                    }
                    if (Run($"PUT {Location} (replace {key})", t => _access.Replace(key, mine, null, etag, t)) is not null) return true;
                    etag = null; // 412: changed since; read it and decide again
                }
                throw Contended(key, entry.Source);
            });
        }

        /// <summary>True when the row holds what this run meant to write already (its own write, whose answer was lost).</summary>
        private static bool Written(StoredRow row, JournalEntry mine) =>
            row.Entry is { } there && there.Owner == mine.Owner && there.State == mine.State && there.TaskId == mine.TaskId && there.SavedTo == mine.SavedTo;

        /// <summary>
        /// Another run took the row this run claimed (-Force, or it took this run for dead): its record stays. A refusal
        /// of ours adds nothing and is dropped; anything else is an error naming the row and what was not recorded.
        /// </summary>
        private bool Taken(string key, JournalEntry mine, StoredRow? row)
        {
            var now = row?.Entry is { } there ? $"{there.State} by {there.Owner ?? "another run"}" : "gone";
            if (mine.State == JournalState.Refused)
            {
                _log?.Invoke($"Journal row {key} in {Location} was taken by another run ({now}); this run's refused submission is not recorded over it.");
                return true;
            }
            var what = mine.TaskId is null ? mine.State.ToString() : $"{mine.State} as task {mine.TaskId}";
            throw new NebulaVideoException(ErrorIds.JournalUnwritable,
                $"The journal row {key} in {Location} was changed by another run while this run submitted it (it is now {now}); this run's record ({what}) was not written over it.",
                mine.Source ?? (object)key,
                "Check the gateway for the task named here and the row's current record (Get-NebulaVideoJournal); no run overwrites another's record.");
        }

        /// <inheritdoc/>
        public JournalEntry? FindResumable(string fingerprint) =>
            Guarded(write: false, "the lookup of a request", fingerprint, () =>
                Read(JournalRow.EscapeKey(fingerprint))?.Entry is { } entry && entry.Key == fingerprint && JournalRules.IsResumable(entry) ? entry : null);

        /// <inheritdoc/>
        public JournalEntry? FindTask(string taskId) =>
            Guarded(write: false, $"the lookup of task {taskId}", taskId, () =>
            {
                JournalEntry? found = null;
                foreach (var row in Run($"GET {Location} (task {taskId})", t => _access.List(taskId, t)))
                    if (row.Entry is { State: JournalState.Submitted } entry && entry.TaskId == taskId && (found is null || entry.At > found.At)) found = entry;
                return found;
            });

        /// <inheritdoc/>
        public string? SavedTo(string taskId) =>
            Guarded(write: false, $"the lookup of task {taskId}'s video", taskId, () =>
                Read(JournalRow.EscapeKey(JournalEntry.SavedKey(taskId)))?.Entry is { State: JournalState.Saved } entry ? entry.SavedTo : null);

        /// <inheritdoc/>
        public void RecordSaved(VideoTask task, string path) => Record(JournalEntry.Saved(task, path));

        /// <inheritdoc/>
        public (int Requests, int Saves) Prune(DateTimeOffset before) =>
            Guarded(write: true, "the pruning of the journal", Location, () =>
            {
                var requests = 0;
                var saves = 0;
                foreach (var row in Run($"GET {Location} (partition {Scope})", t => _access.List(null, t)))
                {
                    if (row.Entry is { } entry && entry.At >= before) continue;
                    // Conditional: a row changed since it was listed is newer than the cut, and stays.
                    if (!Run($"DELETE {Location} ({row.RowKey})", t => _access.Delete(row.RowKey, row.ETag, t)) || row.Entry is null) continue;
                    if (row.Entry.State == JournalState.Saved) saves++;
                    else requests++;
                }
                return (requests, saves);
            });

        /// <inheritdoc/>
        public IReadOnlyList<JournalEntry> Entries() =>
            Guarded(write: false, "the listing of the journal", Location, () =>
            {
                var all = new List<JournalEntry>();
                foreach (var row in Run($"GET {Location} (partition {Scope})", t => _access.List(null, t)))
                    if (row.Entry is { } entry) all.Add(entry);
                all.Sort((a, b) => a.At.CompareTo(b.At));
                return (IReadOnlyList<JournalEntry>)all;
            });

        /// <summary>Stops renewing every lease this object holds: other runs take those submitters for dead once the leases run out.</summary>
        public void Dispose()
        {
            List<TableLease> held;
            lock (_gate)
            {
                held = new List<TableLease>(_held.Values);
                _held.Clear();
            }
            foreach (var lease in held) lease.Dispose();
        }

        public override string ToString() => $"AzureTable {Location} (scope {Scope}, lease {_lease})";

        private StoredRow? Read(string key) => Run($"GET {Location} ({key})", t => _access.Read(key, t));

        private NebulaVideoException Contended(string key, string? source) =>
            new NebulaVideoException(ErrorIds.JournalUnwritable, $"The journal row {key} in {Location} kept changing under this run ({MaxRaces} tries).",
                source ?? (object)key, "Try again: other runs are writing the same row at this moment.");

        /// <summary>One storage call through the read retry policy (the one definition of transient).</summary>
        private T Run<T>(string operation, Func<CancellationToken, T> attempt) => _retry.Run(operation, attempt, CancellationToken.None);

        /// <summary>
        /// A storage call's failure after its retries, as the journal's error (JournalUnwritable for a write, which is
        /// raised before anything is posted, JournalUnreadable for a read), the storage error itself inside.
        /// </summary>
        private T Guarded<T>(bool write, string operation, object target, Func<T> call, bool recreate = true)
        {
            try
            {
                return call();
            }
            catch (NebulaVideoException)
            {
                throw;
            }
            catch (StorageStatusException missing) when (recreate && _canCreate && missing.Status == 404 && missing.ErrorCode == "TableNotFound")
            {
                // The table was deleted under the journal: make it again, then try once more.
                _log?.Invoke($"The table {Location} is gone; creating it again.");
                return Guarded(write, operation, target, () =>
                {
                    Run($"POST {Location} (create table)", _access.CreateTableIfMissing);
                    return call();
                }, recreate: false);
            }
            catch (Exception ex) when (_failures.Describe(ex, operation, target, ErrorIds.StorageRequestFailed) is { } error)
            {
                throw new NebulaVideoException(write ? ErrorIds.JournalUnwritable : ErrorIds.JournalUnreadable, error.Message, target,
                    error.RecommendedAction + (write ? " Nothing was submitted for a request the journal could not claim." : string.Empty), error);
            }
        }
    }
}
