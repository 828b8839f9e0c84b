using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading;
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
        /// <summary>The task's video was saved (<see cref="JournalEntry.SavedTo"/>): a line of its own, keyed by the task.</summary>
        Saved,
        /// <summary>
        /// Posted, and its answer did not arrive whole (<see cref="JournalEntry.Outcome"/>, <see cref="JournalEntry.Answer"/>):
        /// the task may exist and be billed, so no run sends it again unless forced.
        /// </summary>
        Unanswered,
    }

    /// <summary>One line of the journal: a request's fingerprint, how far it got, and what a later run needs to know of it.</summary>
    public sealed record JournalEntry(string Fingerprint, JournalState State, string? TaskId, string? Model, string? Source, DateTimeOffset At)
    {
        public string? Connection { get; init; }
        public Uri? Gateway { get; init; }
        public string? Dialect { get; init; }
        public string? Prompt { get; init; }
        public int? Duration { get; init; }
        public string? Resolution { get; init; }
        public decimal? EstimatedCostUsd { get; init; }

        /// <summary>Where Save-NebulaVideo wrote the task's video (Saved lines only).</summary>
        public string? SavedTo { get; init; }

        /// <summary>Who wrote it (host, process, journal object), so a run can tell a live submission from a crashed one.</summary>
        public string? Owner { get; init; }

        /// <summary>Unanswered lines: what happened to the submission (when it was sent, how it broke off).</summary>
        public string? Outcome { get; init; }

        /// <summary>Unanswered lines: what of the answer arrived (its status, its first bytes); null when nothing did.</summary>
        public string? Answer { get; init; }

        /// <summary>The first characters of the fingerprint, enough to tell entries apart (Get-NebulaVideoJournal -Fingerprint).</summary>
        public string ShortFingerprint() => ShortFingerprint(Fingerprint);

        public static string ShortFingerprint(string fingerprint) => fingerprint.Length > 12 ? fingerprint.Substring(0, 12) : fingerprint;
    }

    /// <summary>What a run may do with a request, decided under the journal's lock.</summary>
    public enum ClaimKind
    {
        /// <summary>Nothing is known of it (or it was refused, or -Force): this run submits it, and has recorded that it is about to.</summary>
        Submit,
        /// <summary>It was submitted within the gateway's retention: read its task instead of paying again.</summary>
        Resume,
        /// <summary>Another run (runspace, process, host) is submitting it right now: wait for its answer.</summary>
        InProgress,
        /// <summary>A run began submitting it and stopped before the answer: the task may exist and be billed.</summary>
        OutcomeUnknown,
    }

    public sealed record JournalClaim(ClaimKind Kind, JournalEntry? Earlier);

    /// <summary>
    /// An append-only record of submissions on disk, written before and after each POST, so a run that
    /// crashed, was killed or was stopped can run again without paying twice. A request is known by a hash
    /// of its gateway and its exact JSON body. Every read and write happens under a lock file beside the
    /// journal, so runspaces, processes and hosts sharing one journal submit each request once; each
    /// operation first reads what the others appended. One JSON object per line; a torn or foreign line is
    /// skipped, never fatal.
    /// </summary>
    public sealed class TaskJournal
    {
        /// <summary>The environment variable that moves the default journal.</summary>
        public const string PathVariable = "NEBULAVIDEO_JOURNAL";

        /// <summary>How long gateways keep tasks: an older submission is not resumed (its video is gone).</summary>
        public static readonly TimeSpan Retention = TimeSpan.FromHours(24);

        private static readonly string ProcessOwner = $"{LocalProcess.Machine}:{LocalProcess.Id}";
        private static readonly TimeSpan LockWait = TimeSpan.FromSeconds(30);

        private readonly string _path;
        private readonly string _lockPath;
        private readonly TimeSpan _staleAfter;
        private readonly string _owner = $"{ProcessOwner}:{Guid.NewGuid():N}";
        private readonly Dictionary<string, JournalEntry> _latest = new Dictionary<string, JournalEntry>(StringComparer.Ordinal);
        private readonly Dictionary<string, JournalEntry> _byTask = new Dictionary<string, JournalEntry>(StringComparer.Ordinal);
        private readonly object _gate = new object();
        private long _offset;
        private string? _head;

        /// <param name="path">The journal file; created on the first write.</param>
        /// <param name="staleAfter">How long another run's unanswered submission is taken to be still on its way.</param>
        public TaskJournal(string path, TimeSpan? staleAfter = null)
        {
            _path = Path.GetFullPath(path);
            _lockPath = _path + ".lock";
            _staleAfter = staleAfter ?? TimeSpan.FromMinutes(2);
            if (Directory.Exists(_path))
                throw new NebulaVideoException(ErrorIds.JournalUnwritable, $"The journal path '{_path}' is a folder.", _path,
                    "Give -JournalPath a file name, e.g. ./videos/runbook.journal.");
            lock (_gate) Refresh();
        }

        /// <summary>
        /// The journal used when none is named: the file NEBULAVIDEO_JOURNAL names, else journal.jsonl in the
        /// NebulaVideo folder of the user's local application data (~/.local/share on Linux,
        /// %LOCALAPPDATA% on Windows, ~/Library/Application Support on macOS).
        /// </summary>
        public static string DefaultPath
        {
            get
            {
                var named = Environment.GetEnvironmentVariable(PathVariable);
                return !string.IsNullOrWhiteSpace(named) ? EnvironmentPath.Full(named!, PathVariable, ErrorIds.JournalUnwritable)
                    : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "NebulaVideo", "journal.jsonl");
            }
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

        /// <summary>The latest entry for a request, with what other runs have appended since.</summary>
        public JournalEntry? Find(string fingerprint) => Locked(() => _latest.TryGetValue(fingerprint, out var entry) ? entry : null);

        /// <summary>The request's submission if a rerun would resume it: submitted, with a task id, within the retention.</summary>
        public JournalEntry? FindResumable(string fingerprint) =>
            Locked(() => _latest.TryGetValue(fingerprint, out var entry) && IsResumable(entry) ? entry : null);

        private static bool IsResumable(JournalEntry entry) =>
            entry.State == JournalState.Submitted && entry.TaskId is not null && DateTimeOffset.UtcNow - entry.At < Retention;

        /// <summary>The entry that recorded a task's submission, if this journal holds it.</summary>
        public JournalEntry? FindTask(string taskId) => Locked(() => _byTask.TryGetValue(taskId, out var entry) ? entry : null);

        /// <summary>Where the task's video was saved, if the journal recorded it.</summary>
        public string? SavedTo(string taskId) => Locked(() => _latest.TryGetValue(SavedKey(taskId), out var entry) ? entry.SavedTo : null);

        /// <summary>Records where a task's video went, so a later run knows what is still unsaved.</summary>
        public void RecordSaved(VideoTask task, string path) =>
            Record(new JournalEntry(SavedKey(task.TaskId), JournalState.Saved, task.TaskId, task.Model, task.SourceImage, DateTimeOffset.UtcNow)
            {
                Connection = task.Connection, Gateway = task.Gateway, Dialect = task.Dialect, SavedTo = path,
            });

        private const string SavedPrefix = "saved:";

        private static string SavedKey(string taskId) => SavedPrefix + taskId;

        /// <summary>
        /// Removes every line older than <paramref name="before"/> (and every line that is not the journal's),
        /// rewriting the file atomically under the lock. Returns how many requests' records, and how many saved
        /// videos' records, were removed entirely.
        /// </summary>
        public (int Requests, int Saves) Prune(DateTimeOffset before) => Locked(() =>
        {
            if (!File.Exists(_path)) return (0, 0);
            var lines = ReadAllLines();
            var kept = lines.FindAll(line => Parse(line) is { } entry && entry.At >= before);
            if (kept.Count == lines.Count) return (0, 0);
            var known = new HashSet<string>(_latest.Keys, StringComparer.Ordinal);
            var temp = _path + "." + Guid.NewGuid().ToString("N") + ".tmp";
            try
            {
                File.WriteAllText(temp, kept.Count == 0 ? string.Empty : string.Join("\n", kept) + "\n");
                if (File.Exists(_path)) File.Replace(temp, _path, null);
                else File.Move(temp, _path);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                TryDelete(temp);
                throw new NebulaVideoException(ErrorIds.JournalUnwritable, $"Cannot rewrite the journal '{_path}': {ex.Message}", _path,
                    "Check that you may write the file and its folder.", ex);
            }
            Reload();
            known.ExceptWith(_latest.Keys);
            var saves = 0;
            foreach (var key in known) if (key.StartsWith(SavedPrefix, StringComparison.Ordinal)) saves++;
            return (known.Count - saves, saves);
        });

        private List<string> ReadAllLines()
        {
            var lines = new List<string>();
            using var stream = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            string? line;
            while ((line = reader.ReadLine()) is not null)
                if (!string.IsNullOrWhiteSpace(line)) lines.Add(line);
            return lines;
        }

        private void Reload()
        {
            _offset = 0;
            _head = null;
            _latest.Clear();
            _byTask.Clear();
            Refresh();
        }

        /// <summary>Every request's latest entry, oldest first.</summary>
        public IReadOnlyList<JournalEntry> Entries() => Locked(() =>
        {
            var all = new List<JournalEntry>(_latest.Values);
            all.Sort((a, b) => a.At.CompareTo(b.At));
            return (IReadOnlyList<JournalEntry>)all;
        });

        /// <summary>
        /// Decides, atomically for every run sharing the journal, what this run does with a request; when the
        /// answer is <see cref="ClaimKind.Submit"/> the Submitting line (<paramref name="submitting"/>) is already written.
        /// </summary>
        public JournalClaim Claim(JournalEntry submitting, bool force) => Locked(() =>
        {
            if (!force && _latest.TryGetValue(submitting.Fingerprint, out var earlier) && earlier.State != JournalState.Refused)
            {
                if (IsResumable(earlier))
                    return new JournalClaim(ClaimKind.Resume, earlier);
                if (earlier.State == JournalState.Submitting && DateTimeOffset.UtcNow - earlier.At < Retention)
                    return new JournalClaim(IsAlive(earlier) ? ClaimKind.InProgress : ClaimKind.OutcomeUnknown, earlier);
                if (earlier.State == JournalState.Unanswered && DateTimeOffset.UtcNow - earlier.At < Retention)
                    return new JournalClaim(ClaimKind.OutcomeUnknown, earlier);
            }
            Append(submitting with { Owner = _owner });
            return new JournalClaim(ClaimKind.Submit, null);
        });

        /// <summary>Appends an entry (the answer to a submission this run claimed).</summary>
        public void Record(JournalEntry entry) => Locked(() =>
        {
            Append(entry with { Owner = entry.Owner ?? _owner });
            return true;
        });

        // Another run's submission is alive while its process runs (same host) or, elsewhere, until it is stale.
        private bool IsAlive(JournalEntry entry)
        {
            // Written by this very journal object, which is not submitting it now: an earlier attempt of ours that stopped.
            if (entry.Owner == _owner || DateTimeOffset.UtcNow - entry.At > _staleAfter) return false;
            var owner = entry.Owner?.Split(':');
            if (owner is null || owner.Length < 2 || owner[0] != LocalProcess.Machine) return true;
            return !int.TryParse(owner[1], out var pid) || LocalProcess.IsRunning(pid);
        }

        private T Locked<T>(Func<T> action)
        {
            lock (_gate)
            {
                using (AcquireFileLock())
                {
                    Refresh();
                    return action();
                }
            }
        }

        /// <summary>
        /// The lock shared by every process and host: a lock file created exclusively (atomic on local disks and
        /// network shares alike) and removed when done. One left behind by a killed process is broken once stale.
        /// </summary>
        private IDisposable AcquireFileLock()
        {
            var waited = Stopwatch.StartNew();
            var vanished = 0;
            // The lock file as last seen (its time stamp tells one holder's file from the next one's) and since when,
            // by this process's own clock: a shared folder's stamps come from the server's clock, which may differ.
            var seenStamp = default(DateTime);
            var seenSince = TimeSpan.Zero;
            while (true)
            {
                try
                {
                    var directory = Path.GetDirectoryName(_path);
                    if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
                    return new FileStream(_lockPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose);
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    // One look at the lock file decides: looking twice races with a holder letting go in between.
                    var held = new FileInfo(_lockPath);
                    if (!held.Exists)
                    {
                        // The holder let go between our attempt and our look: simply try again. An error that is not
                        // about the lock file (a folder we may not write) repeats every time: reported at once when
                        // it is a refusal, after enough attempts otherwise.
                        if (ex is IOException && ++vanished < 1000) continue;
                        throw CannotLock(ex);
                    }
                    // Held, or (Windows) a lock file its holder just closed that is still being deleted: wait.
                    if (held.LastWriteTimeUtc != seenStamp)
                    {
                        seenStamp = held.LastWriteTimeUtc;
                        seenSince = waited.Elapsed;
                    }
                    else if (IsStale(seenStamp, waited.Elapsed - seenSince))
                    {
                        BreakStaleLock(seenStamp);
                        seenStamp = default;
                        continue;
                    }
                    if (waited.Elapsed > LockWait)
                        throw new NebulaVideoException(ErrorIds.JournalUnwritable, $"The journal '{_path}' stayed locked for {LockWait.TotalSeconds:0} s.", _path,
                            $"Another run may be stuck; if none is running, delete {_lockPath} (and {_lockPath}.break, if there is one).");
                    Thread.Sleep(15);
                }
            }
        }

        // A holder keeps the lock for milliseconds. One lock file unchanged for 5 s of our own watching is stale when
        // it is also old by its stamp (a killed run's), or when we have watched it for 15 s whatever the clocks say.
        private static bool IsStale(DateTime stamp, TimeSpan watched) =>
            watched > TimeSpan.FromSeconds(5) && (DateTime.UtcNow - stamp > TimeSpan.FromSeconds(15) || watched > TimeSpan.FromSeconds(15));

        /// <summary>
        /// Removes a stale lock file, one breaker at a time: two waiters that both saw it stale must not both delete,
        /// or the second would delete the lock the first one took meanwhile. The breaker deletes only the very file
        /// it judged (same stamp); a lock taken since is left to its holder.
        /// </summary>
        private void BreakStaleLock(DateTime stamp)
        {
            try
            {
                using (new FileStream(_lockPath + ".break", FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose))
                {
                    var held = new FileInfo(_lockPath);
                    if (held.Exists && held.LastWriteTimeUtc == stamp) TryDelete(_lockPath);
                }
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                // Another waiter is breaking it: its result is what the next attempt finds.
            }
        }

        private NebulaVideoException CannotLock(Exception ex) =>
            new(ErrorIds.JournalUnwritable, $"Cannot lock the journal '{_path}': {ex.Message}", _path,
                "Give -JournalPath a file in a folder you may write, or set NEBULAVIDEO_JOURNAL; nothing was submitted for this item.", ex);

        /// <summary>Reads what was appended since the last read (all of it when the file was replaced or shrank).</summary>
        private void Refresh()
        {
            if (!File.Exists(_path)) return;
            try
            {
                using var stream = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                // A journal pruned by another run is a new file: its first line (the oldest kept) tells.
                var head = FirstLine(stream);
                if (stream.Length < _offset || (_head is not null && head != _head))
                {
                    _offset = 0;
                    _latest.Clear();
                    _byTask.Clear();
                }
                _head = head;
                stream.Position = _offset;
                var bytes = new byte[stream.Length - _offset];
                var read = 0;
                while (read < bytes.Length)
                {
                    var n = stream.Read(bytes, read, bytes.Length - read);
                    if (n == 0) break;
                    read += n;
                }
                // Under the lock nobody is writing, so a last line without its newline was torn by a crash: skip it.
                _offset += read;
                foreach (var line in Encoding.UTF8.GetString(bytes, 0, read).Split('\n'))
                    if (Parse(line) is { } entry) Remember(entry);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new NebulaVideoException(ErrorIds.JournalUnreadable, $"Cannot read the journal '{_path}': {ex.Message}", _path,
                    "Check that you may read the file; without it, submissions already paid for could be paid again.", ex);
            }
        }

        private void Remember(JournalEntry entry)
        {
            _latest[entry.Fingerprint] = entry;
            if (entry.TaskId is not null && entry.State == JournalState.Submitted) _byTask[entry.TaskId] = entry;
        }

        private static string? FirstLine(FileStream stream)
        {
            stream.Position = 0;
            var buffer = new byte[256];
            var read = stream.Read(buffer, 0, buffer.Length);
            var text = Encoding.UTF8.GetString(buffer, 0, read);
            var end = text.IndexOf('\n');
            return read == 0 ? null : end < 0 ? text : text.Substring(0, end);
        }

        private void Append(JournalEntry entry)
        {
            try
            {
                // Flushed to the disk before the POST goes out: the point of the journal is surviving a crash.
                using (var stream = new FileStream(_path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, 4096, FileOptions.WriteThrough))
                {
                    var tornTail = stream.Length > 0 && EndsWithoutNewline(stream);
                    stream.Seek(0, SeekOrigin.End);
                    var line = Encoding.UTF8.GetBytes((tornTail ? "\n" : string.Empty) + Serialize(entry) + "\n");
                    stream.Write(line, 0, line.Length);
                    stream.Flush(flushToDisk: true);
                    _offset = stream.Length;
                }
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                // Raised before the POST, so nothing is paid for that the journal could not record.
                throw new NebulaVideoException(ErrorIds.JournalUnwritable, $"Cannot write the journal '{_path}': {ex.Message}", entry.Source,
                    "Give -JournalPath a file you may write, on a disk with room, or set NEBULAVIDEO_JOURNAL; nothing was submitted for this item.", ex);
            }
            Remember(entry);
        }

        private static bool EndsWithoutNewline(FileStream stream)
        {
            stream.Seek(-1, SeekOrigin.End);
            return stream.ReadByte() != '\n';
        }

        private static string Serialize(JournalEntry entry)
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
                Text(w, "saved_to", entry.SavedTo);
                if (entry.EstimatedCostUsd is decimal cost) w.WriteNumber("estimated_cost_usd", cost);
                Text(w, "owner", entry.Owner);
                Text(w, "outcome", entry.Outcome);
                Text(w, "answer", entry.Answer);
                w.WriteString("at", entry.At.ToString("o", System.Globalization.CultureInfo.InvariantCulture));
                w.WriteEndObject();
            }
            return Encoding.UTF8.GetString(buffer.ToArray());
        }

        private static void Text(Utf8JsonWriter w, string name, string? value)
        {
            if (value is not null) w.WriteString(name, value);
        }

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
                return new JournalEntry(fingerprint, state, root.Str("task_id"), root.Str("model"), root.Str("source"), at)
                {
                    Connection = root.Str("connection"),
                    Gateway = Uri.TryCreate(root.Str("gateway"), UriKind.Absolute, out var gateway) ? gateway : null,
                    Dialect = root.Str("dialect"),
                    Prompt = root.Str("prompt"),
                    Duration = (int?)root.Long("duration"),
                    Resolution = root.Str("resolution"),
                    EstimatedCostUsd = root.Decimal("estimated_cost_usd"),
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

        private static void TryDelete(string path)
        {
            try
            {
                File.Delete(path);
            }
            catch (IOException)
            {
                // Someone else broke it first, or it is in use again: the next attempt decides.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }
}
