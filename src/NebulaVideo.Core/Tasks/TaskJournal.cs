using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using NebulaVideo.Core.Http;

namespace NebulaVideo.Core.Tasks
{
    /// <summary>What the journal knows about one request.</summary>
    public enum JournalState
    {
        /// <summary>About to be posted; if nothing follows, the run stopped before the answer and the task may exist.</summary>
        Submitting,
        /// <summary>The gateway created the task; its id is recorded.</summary>
        Submitted,
        /// <summary>The gateway refused it (an error answer): nothing was created, so it may be sent again.</summary>
        Refused,
    }

    public sealed record JournalEntry(string Fingerprint, JournalState State, string? TaskId, string? Model, string? Source, DateTimeOffset At);

    /// <summary>
    /// An append-only record of submissions on disk, written before and after each POST, so a runbook that
    /// crashed or was stopped can run again without paying twice: a request already submitted resumes its
    /// task, and one whose answer never arrived is refused until someone checks the gateway. A request is
    /// known by a hash of its gateway and its exact JSON body, so re-running the same CSV finds it again.
    /// One JSON object per line; one journal per runbook (it is not shared between processes at once).
    /// </summary>
    public sealed class TaskJournal
    {
        private readonly string _path;
        private readonly Dictionary<string, JournalEntry> _latest = new Dictionary<string, JournalEntry>(StringComparer.Ordinal);
        private readonly object _gate = new object();

        public TaskJournal(string path)
        {
            _path = Path.GetFullPath(path);
            if (Directory.Exists(_path))
                throw new NebulaVideoException(ErrorIds.JournalUnwritable, $"The journal path '{_path}' is a folder.", _path,
                    "Give -JournalPath a file name, e.g. ./videos/runbook.journal.");
            if (!File.Exists(_path)) return;
            string[] lines;
            try
            {
                lines = File.ReadAllLines(_path);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new NebulaVideoException(ErrorIds.JournalUnreadable, $"Cannot read the journal '{_path}': {ex.Message}", _path,
                    "Check that you may read the file; without it, submissions already paid for could be paid again.", ex);
            }
            foreach (var line in lines)
                if (Parse(line) is { } entry) _latest[entry.Fingerprint] = entry;
        }

        public string FullPath => _path;

        public static string Fingerprint(Uri gateway, byte[] submitBody)
        {
            using var sha = SHA256.Create();
            var prefix = Encoding.UTF8.GetBytes(gateway.AbsoluteUri + "\n");
            sha.TransformBlock(prefix, 0, prefix.Length, null, 0);
            sha.TransformFinalBlock(submitBody, 0, submitBody.Length);
            return BitConverter.ToString(sha.Hash!).Replace("-", string.Empty).ToLowerInvariant();
        }

        public JournalEntry? Find(string fingerprint)
        {
            lock (_gate) return _latest.TryGetValue(fingerprint, out var entry) ? entry : null;
        }

        public void Record(JournalEntry entry)
        {
            lock (_gate)
            {
                try
                {
                    var directory = Path.GetDirectoryName(_path);
                    if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
                    // Flushed to the disk before the POST goes out: the point of the journal is surviving a crash.
                    using (var stream = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.Read, 4096, FileOptions.WriteThrough))
                    {
                        var line = Encoding.UTF8.GetBytes(Serialize(entry) + "\n");
                        stream.Write(line, 0, line.Length);
                        stream.Flush(flushToDisk: true);
                    }
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    // Raised before the POST, so nothing is paid for that the journal could not record.
                    throw new NebulaVideoException(ErrorIds.JournalUnwritable, $"Cannot write the journal '{_path}': {ex.Message}", entry.Source,
                        "Give -JournalPath a file you may write, on a disk with room; nothing was submitted for this item.", ex);
                }
                _latest[entry.Fingerprint] = entry;
            }
        }

        private static string Serialize(JournalEntry entry)
        {
            using var buffer = new MemoryStream();
            using (var w = new Utf8JsonWriter(buffer))
            {
                w.WriteStartObject();
                w.WriteString("fingerprint", entry.Fingerprint);
                w.WriteString("state", entry.State.ToString());
                if (entry.TaskId is not null) w.WriteString("task_id", entry.TaskId);
                if (entry.Model is not null) w.WriteString("model", entry.Model);
                if (entry.Source is not null) w.WriteString("source", entry.Source);
                w.WriteString("at", entry.At.ToString("o", System.Globalization.CultureInfo.InvariantCulture));
                w.WriteEndObject();
            }
            return Encoding.UTF8.GetString(buffer.ToArray());
        }

        // A torn last line (the crash the journal exists for) is skipped, not fatal.
        private static JournalEntry? Parse(string line)
        {
            if (string.IsNullOrWhiteSpace(line)) return null;
            try
            {
                using var doc = Json.Parse(line);
                JsonElement? root = doc.RootElement;
                var fingerprint = root.Str("fingerprint");
                if (fingerprint is null || !Enum.TryParse<JournalState>(root.Str("state"), out var state)) return null;
                var at = DateTimeOffset.TryParse(root.Str("at"), System.Globalization.CultureInfo.InvariantCulture,
                    System.Globalization.DateTimeStyles.RoundtripKind, out var parsed) ? parsed : DateTimeOffset.MinValue;
                return new JournalEntry(fingerprint, state, root.Str("task_id"), root.Str("model"), root.Str("source"), at);
            }
            catch (JsonException)
            {
                return null;
            }
        }
    }
}
