using System;
using System.Text.RegularExpressions;
using NebulaVideo.Core.Http;

namespace NebulaVideo.Core.Storage
{
    /// <summary>
    /// The checks of storage settings, made before anything is sent: a URL lifetime in range, a container or table
    /// name Azure takes, an endpoint that is https (or this machine's emulator), tokens that are current, a read token
    /// that reads and does nothing else, and a journal token that reaches the journal's rows and may change them. No
    /// message repeats a token or a key.
    /// </summary>
    internal static class StoreSettings
    {
        private static readonly Regex ContainerName = new Regex("^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$", RegexOptions.CultureInvariant);

        public static void CheckLifetime(TimeSpan lifetime)
        {
            if (lifetime <= TimeSpan.Zero || lifetime > AzureBlobImageStore.MaxUrlLifetime)
                throw new NebulaVideoException(ErrorIds.StorageSettingInvalid,
                    $"The URL lifetime {lifetime} is out of range: a read URL given to a gateway must last more than 0 and at most {AzureBlobImageStore.MaxUrlLifetime.TotalDays:0} days.",
                    lifetime, $"Give a lifetime above zero and up to {AzureBlobImageStore.MaxUrlLifetime.TotalDays:0} days; {AzureBlobImageStore.DefaultUrlLifetime.TotalHours:0} hours is the default.");
        }

        public static void CheckContainerName(string container)
        {
            if (container is not null && ContainerName.IsMatch(container)) return;
            // Said back only when it cannot be a misplaced connection string or token.
            var shown = container is null || container.Length > 63 || container.IndexOfAny(new[] { '=', ';', '&' }) >= 0 ? null : container;
            throw Invalid(shown is null ? "That is not a container name." : $"'{shown}' is not a container name.", shown,
                    "Name the container with 3 to 63 lower-case letters, digits and single hyphens, starting and ending with a letter or digit.");
        }

        private static readonly Regex TableName = new Regex("^[A-Za-z][A-Za-z0-9]{2,62}$", RegexOptions.CultureInvariant);

        /// <param name="table">The name.</param>
        /// <param name="target">The error's target: the table's address when it was given as one; else the name.</param>
        public static void CheckTableName(string table, object? target = null)
        {
            if (IsTableName(table)) return;
            var shown = table is null || table.Length > 63 || table.IndexOfAny(new[] { '=', ';', '&' }) >= 0 ? null : table;
            throw Invalid(shown is null ? "That is not a table name." : $"'{shown}' is not a table name.", target ?? shown,
                "Name the table with 3 to 63 letters and digits, starting with a letter.");
        }

        private static bool IsTableName(string? table) => table is not null && TableName.IsMatch(table);

        // What a journal does to its rows: reads (claims, lookups, listing), adds (claims), updates (records, leases) and
        // deletes (Clear-NebulaVideoJournal). The same letters in a table's SAS and in an account SAS.
        private static readonly (char Letter, string Name)[] JournalPermissions = { ('r', "read"), ('a', "add"), ('u', "update"), ('d', "delete") };

        private const string JournalTokenAdvice =
            "Mint a SAS for the table with read, add, update and delete (sp=raud), such as New-AzStorageTableSASToken -Name TABLE -Permission raud, or az storage table generate-sas --permissions raud.";

        /// <summary>
        /// The token a journal table is reached with: a SAS for that table (tn=) or an account SAS for the table service
        /// (ss=t) reaching its rows (srt=o), granting read, add, update and delete, over every row of the journal's
        /// partition. Its expiry is checked apart (<see cref="CheckNotExpired"/>).
        /// </summary>
        public static void CheckJournalToken(SasToken token, string table, string partition, object target)
        {
            if (token.IsAccountSas)
            {
                var services = token.Field("ss") ?? string.Empty;
                if (services.IndexOf('t') < 0)
                    throw Invalid($"The journal token is an account SAS for other services than tables ({Said("ss", services)}).", target,
                        "Mint an account SAS for the table service (ss=t) and its rows (srt=o) with sp=raud, or a SAS for the table alone. " + JournalTokenAdvice);
                var resources = token.Field("srt") ?? string.Empty;
                if (resources.IndexOf('o') < 0)
                    throw Invalid($"The journal token is an account SAS that does not reach a table's rows ({Said("srt", resources)}): its srt has no o (objects).", target,
                        "Mint the account SAS with srt=o (or sco) and sp=raud, or a SAS for the table alone. " + JournalTokenAdvice);
            }
            else
            {
                var named = token.Field("tn");
                if (named is null)
                    throw Invalid("The journal token is not for a table: it names no table (tn=), as a container's or a blob's token does not.", target, JournalTokenAdvice);
                if (!string.Equals(named, table, StringComparison.OrdinalIgnoreCase))
                    throw Invalid(IsTableName(named) ? $"The journal token is for the table '{named}', not '{table}'." : $"The journal token is for another table than '{table}'.", target,
                        $"Mint the SAS for the table '{table}' (sp=raud), or name the table the token is for.");
                if (token.Field("srk") is not null || token.Field("erk") is not null)
                    throw Invalid("The journal token limits the rows it reaches (srk=, erk=): the journal names its rows by each request's fingerprint, so it needs every row of its partition.", target,
                        "Mint the SAS without a row-key range; a partition range that holds the journal's partition is fine. " + JournalTokenAdvice);
                var first = token.Field("spk");
                var last = token.Field("epk");
                if ((first is not null && string.CompareOrdinal(partition, first) < 0) || (last is not null && string.CompareOrdinal(partition, last) > 0))
                    throw Invalid($"The journal token reaches partitions {(first is null ? "from the first" : $"'{first}'")} to {(last is null ? "the last" : $"'{last}'")}, not this journal's partition '{partition}'.", target,
                        $"Mint the SAS for the partition '{partition}' (spk and epk both '{partition}'), or without a partition range.");
            }

            var permissions = token.Permissions;
            if (permissions is null)
            {
                // A stored access policy (si=) holds the permissions; the service applies it.
                if (token.Field("si") is not null) return;
                throw Invalid("The journal token names no permission (sp=): the journal reads, adds, updates and deletes its rows (sp=raud).", target, JournalTokenAdvice);
            }
            var missing = new System.Collections.Generic.List<string>();
            foreach (var (letter, name) in JournalPermissions)
                if (permissions.IndexOf(letter) < 0) missing.Add($"{name} ({letter})");
            if (missing.Count == 0) return;
            var list = missing.Count == 1 ? missing[0] : string.Join(", ", missing.GetRange(0, missing.Count - 1)) + " and " + missing[missing.Count - 1];
            throw Invalid($"The journal token grants {Said(null, permissions)}, without {list}: the journal reads (r), adds (a), updates (u) and deletes (d) its rows.", target, JournalTokenAdvice);
        }

        /// <summary>True when an account SAS may create the table (srt=c with c or w): a table's own SAS cannot.</summary>
        public static bool CanCreateTable(SasToken token) =>
            token.IsAccountSas && (token.Field("srt") ?? string.Empty).IndexOf('c') >= 0 && (token.Permissions ?? string.Empty).IndexOfAny(new[] { 'c', 'w' }) >= 0;

        // A token's field said back only when it is a few letters, as sp, ss and srt are; never anything that could be a signature.
        private static string Said(string? field, string value)
        {
            var letters = value.Length is > 0 and <= 32 && Regex.IsMatch(value, "^[a-z]+$", RegexOptions.CultureInvariant);
            var shown = letters ? value : "unreadable";
            return field is null ? $"'{shown}'" : $"{field}={shown}";
        }

        public static void CheckSecure(Uri endpoint, object target)
        {
            if (endpoint.Scheme == Uri.UriSchemeHttps || (endpoint.Scheme == Uri.UriSchemeHttp && HostRules.IsLoopback(endpoint))) return;
            throw Invalid($"The storage endpoint {endpoint.GetLeftPart(UriPartial.Authority)} is not https: the key or token, and all that is stored, would travel in clear.", target,
                "Use https (DefaultEndpointsProtocol=https); plain http is taken only for an emulator on this machine.");
        }

        /// <summary>A token past its expiry (se) is StorageTokenExpired; <paramref name="resource"/> is what it is for, in the advice ("container", "table").</summary>
        public static void CheckNotExpired(SasToken token, string which, object target, string resource = "container")
        {
            if (token.ExpiresOn is DateTimeOffset end && end <= DateTimeOffset.UtcNow)
                throw new NebulaVideoException(ErrorIds.StorageTokenExpired, $"The {which} token expired at {end:u}.", target,
                    $"Mint a new SAS for the {resource} with a later expiry (se=).");
        }

        public static void CheckReadOnly(SasToken read, object target)
        {
            var permissions = read.Permissions ?? string.Empty;
            if (read.IsAccountSas || permissions.Replace("r", string.Empty).Length > 0)
                throw new NebulaVideoException(ErrorIds.StorageReadTokenTooBroad,
                    read.IsAccountSas
                        ? "The read token is an account SAS: gateways would get read access to the whole account."
                        : $"The read token grants '{permissions}': gateways get it, so it must grant read (r) and nothing else.",
                    target, "Mint a container SAS with read permission only (sp=r) for gateways; keep write, list and delete to the write token.");
            if (permissions.Length == 0)
                throw Invalid("The read token names no permission (sp=): it must grant read (sp=r).", target, "Mint a container SAS with read permission only (sp=r).");
            if (read.Field("sr") is string resource && resource != "c")
                throw Invalid($"The read token is for sr={resource}, not for the container (sr=c): it cannot read the blobs the store makes.", target,
                    "Mint the read token for the container (sr=c), read only (sp=r).");
        }

        public static NebulaVideoException Invalid(string message, object? target, string advice) =>
            new NebulaVideoException(ErrorIds.StorageSettingInvalid, message, target, advice);
    }
}
