using System;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Json;
using NebulaVideo.Core.Http;

namespace NebulaVideo.Core.Tasks
{
    /// <summary>
    /// The journal file's line format: one JSON object per record, snake_case names, absent fields omitted. A line
    /// that is torn, foreign or of an unknown state reads as nothing, never as an error. A Saved record's key goes in
    /// "fingerprint", as every version of the journal has written it.
    /// </summary>
    internal static class JournalLine
    {
        public static string Serialize(JournalEntry entry)
        {
            using var buffer = new MemoryStream();
            using (var w = new Utf8JsonWriter(buffer))
            {
                w.WriteStartObject();
                w.WriteString("fingerprint", entry.Fingerprint);
                w.WriteString("state", entry.State.ToString());
                Text(w, "task_id", entry.TaskId);
                Text(w, "connection", entry.Connection);
                Text(w, "gateway", entry.Gateway?.AbsoluteUri);
                Text(w, "dialect", entry.Dialect);
                Text(w, "model", entry.Model);
                Text(w, "source", entry.Source);
                Text(w, "prompt", entry.Prompt);
                if (entry.Duration is int duration) w.WriteNumber("duration", duration);
                Text(w, "resolution", entry.Resolution);
                Text(w, "staged_image", entry.StagedImage);
                Text(w, "saved_to", entry.SavedTo);
                if (entry.EstimatedCostUsd is decimal cost) w.WriteNumber("estimated_cost_usd", cost);
                Text(w, "owner", entry.Owner);
                Text(w, "outcome", entry.Outcome);
                Text(w, "answer", entry.Answer);
                w.WriteString("at", entry.At.ToString("o", CultureInfo.InvariantCulture));
                w.WriteEndObject();
            }
            return Encoding.UTF8.GetString(buffer.ToArray());
        }

        private static void Text(Utf8JsonWriter w, string name, string? value)
        {
            if (value is not null) w.WriteString(name, value);
        }

        public static JournalEntry? Parse(string line)
        {
            if (string.IsNullOrWhiteSpace(line)) return null;
            try
            {
                using var doc = Json.Parse(line);
                JsonElement? root = doc.RootElement;
                var fingerprint = root.Str("fingerprint");
                if (fingerprint is null || !Enum.TryParse<JournalState>(root.Str("state"), out var state)) return null;
                var at = DateTimeOffset.TryParse(root.Str("at"), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var parsed)
                    ? parsed : DateTimeOffset.MinValue;
                return new JournalEntry(fingerprint, state, root.Str("task_id"), root.Str("model"), root.Str("source"), at)
                {
                    Connection = root.Str("connection"),
                    Gateway = Uri.TryCreate(root.Str("gateway"), UriKind.Absolute, out var gateway) ? gateway : null,
                    Dialect = root.Str("dialect"),
                    Prompt = root.Str("prompt"),
                    Duration = (int?)root.Long("duration"),
                    Resolution = root.Str("resolution"),
                    EstimatedCostUsd = root.Decimal("estimated_cost_usd"),
                    StagedImage = root.Str("staged_image"),
                    SavedTo = root.Str("saved_to"),
                    Owner = root.Str("owner"),
                    Outcome = root.Str("outcome"),
                    Answer = root.Str("answer"),
                };
            }
            catch (JsonException)
            {
                return null;
            }
        }
    }
}
