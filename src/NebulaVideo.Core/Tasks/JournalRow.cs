using System;
using System.Globalization;
using System.Text;
using Azure.Data.Tables;

namespace NebulaVideo.Core.Tasks
{
    /// <summary>
    /// The journal table's row format: one row per key (<see cref="JournalEntry.Key"/>) in the journal's partition,
    /// holding the key's latest record with the same snake_case names as a journal file's line (JournalLine), absent
    /// fields omitted. A Submitting row also carries its lease: <see cref="LeaseMs"/>, how long after the service last
    /// stamped the row (its Timestamp) the submitter is taken to be alive, and <see cref="Renewals"/>, what the submitter
    /// changes to have it stamped again. A row without a fingerprint or a known state reads as no record.
    /// </summary>
    internal static class JournalRow
    {
        public const string LeaseMs = "lease_ms";
        public const string Renewals = "renewals";

        // Edm.DateTime starts in 1601.
        private static readonly DateTimeOffset Earliest = new DateTimeOffset(1601, 1, 2, 0, 0, 0, TimeSpan.Zero);

        /// <summary>
        /// A partition or row key Azure takes, the same for the same text and different for different ones: '%', and the
        /// characters Azure forbids in keys ('/', '\', '#', '?', control characters), become %XX.
        /// </summary>
        public static string EscapeKey(string key)
        {
            StringBuilder? escaped = null;
            for (var i = 0; i < key.Length; i++)
            {
                var c = key[i];
                var forbidden = c == '%' || c == '/' || c == '\\' || c == '#' || c == '?' || char.IsControl(c);
                if (forbidden && escaped is null) escaped = new StringBuilder(key, 0, i, key.Length + 8);
                if (forbidden) escaped!.Append('%').Append(((int)c).ToString("X2", CultureInfo.InvariantCulture));
                else escaped?.Append(c);
            }
            return escaped?.ToString() ?? key;
        }

        public static TableEntity ToEntity(string partition, string rowKey, JournalEntry entry, TimeSpan? lease)
        {
            var row = new TableEntity(partition, rowKey)
            {
                ["fingerprint"] = entry.Fingerprint,
                ["state"] = entry.State.ToString(),
                ["at"] = entry.At < Earliest ? Earliest : entry.At,
            };
            Text(row, "task_id", entry.TaskId);
            Text(row, "connection", entry.Connection);
            Text(row, "gateway", entry.Gateway?.AbsoluteUri);
            Text(row, "dialect", entry.Dialect);
            Text(row, "model", entry.Model);
            Text(row, "source", entry.Source);
            Text(row, "prompt", entry.Prompt);
            if (entry.Duration is int duration) row["duration"] = duration;
            Text(row, "resolution", entry.Resolution);
            Text(row, "staged_image", entry.StagedImage);
            Text(row, "saved_to", entry.SavedTo);
            // A table has no decimal: the invariant text keeps every digit.
            if (entry.EstimatedCostUsd is decimal cost) row["estimated_cost_usd"] = cost.ToString(CultureInfo.InvariantCulture);
            Text(row, "owner", entry.Owner);
            Text(row, "outcome", entry.Outcome);
            Text(row, "answer", entry.Answer);
            if (lease is TimeSpan length)
            {
                row[LeaseMs] = (long)length.TotalMilliseconds;
                row[Renewals] = 0;
            }
            return row;
        }

        private static void Text(TableEntity row, string name, string? value)
        {
            if (value is not null) row[name] = value;
        }

        /// <param name="row">The row as the service gave it.</param>
        /// <param name="serviceNow">The Date of the answer that carried it: the service's time, not ours.</param>
        public static StoredRow FromEntity(TableEntity row, DateTimeOffset? serviceNow)
        {
            long? lease = row.TryGetValue(LeaseMs, out var value) && value is not null ? Convert.ToInt64(value, CultureInfo.InvariantCulture) : null;
            return new StoredRow(row.RowKey, row.ETag.ToString(), Entry(row), row.Timestamp, serviceNow,
                lease is long ms && ms > 0 ? TimeSpan.FromMilliseconds(ms) : (TimeSpan?)null);
        }

        private static JournalEntry? Entry(TableEntity row)
        {
            var fingerprint = row.GetString("fingerprint");
            if (fingerprint is null || !Enum.TryParse<JournalState>(row.GetString("state"), out var state)) return null;
            return new JournalEntry(fingerprint, state, row.GetString("task_id"), row.GetString("model"), row.GetString("source"),
                Moment(row, "at") ?? DateTimeOffset.MinValue)
            {
                Connection = row.GetString("connection"),
                Gateway = Uri.TryCreate(row.GetString("gateway"), UriKind.Absolute, out var gateway) ? gateway : null,
                Dialect = row.GetString("dialect"),
                Prompt = row.GetString("prompt"),
                Duration = row.TryGetValue("duration", out var duration) && duration is not null ? Convert.ToInt32(duration, CultureInfo.InvariantCulture) : null,
                Resolution = row.GetString("resolution"),
                EstimatedCostUsd = decimal.TryParse(row.GetString("estimated_cost_usd"), NumberStyles.Number, CultureInfo.InvariantCulture, out var cost) ? cost : null,
                StagedImage = row.GetString("staged_image"),
                SavedTo = row.GetString("saved_to"),
                Owner = row.GetString("owner"),
                Outcome = row.GetString("outcome"),
                Answer = row.GetString("answer"),
            };
        }

        private static DateTimeOffset? Moment(TableEntity row, string name)
        {
            if (!row.TryGetValue(name, out var value) || value is null) return null;
            return value switch
            {
                DateTimeOffset moment => moment,
                DateTime time => new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc)),
                string text when DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var parsed) => parsed,
                _ => null,
            };
        }
    }

    /// <summary>
    /// One row of the journal table as it was read, in terms free of the Azure SDK: its record (null when it is not
    /// one), its ETag, the service's stamp of its last change (<see cref="Timestamp"/>), the service's time of the
    /// answer that carried it (<see cref="ServiceNow"/>) and, for a Submitting row, its lease length.
    /// </summary>
    internal sealed record StoredRow(string RowKey, string ETag, JournalEntry? Entry, DateTimeOffset? Timestamp, DateTimeOffset? ServiceNow, TimeSpan? Lease);
}
