using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using System.Text;

namespace NebulaVideo.Core.Tasks
{
    /// <summary>
    /// The journal in a file on disk, written before and after each POST, so a run that crashed, was killed or was
    /// stopped can run again without paying twice. A request is known by a hash of its gateway and its exact JSON
    /// body. Every read and write happens under a lock file beside the journal (<see cref="JournalLock"/>), so
    /// runspaces, processes and hosts sharing one journal submit each request once; each operation first reads what
    /// the others appended (<see cref="JournalFile"/>). One JSON object per line; a torn or foreign line is skipped,
    /// never fatal.
    /// </summary>
    public sealed class TaskJournal : ITaskJournal
    {
        /// <summary>The environment variable that moves the default journal.</summary>
        public const string PathVariable = "NEBULAVIDEO_JOURNAL";

        /// <summary>How long gateways keep tasks (<see cref="JournalRules.Retention"/>).</summary>
        public static readonly TimeSpan Retention = JournalRules.Retention;

        private static readonly string ProcessOwner = $"{LocalProcess.Machine}:{LocalProcess.Id}";

        private readonly JournalFile _file;
        private readonly JournalLock _lock;
        private readonly TimeSpan _staleAfter;
        private readonly string _owner = $"{ProcessOwner}:{Guid.NewGuid():N}";
        // The latest record of each key (JournalEntry.Key), and the Submitted record of each task.
        private readonly Dictionary<string, JournalEntry> _latest = new Dictionary<string, JournalEntry>(StringComparer.Ordinal);
        private readonly Dictionary<string, JournalEntry> _byTask = new Dictionary<string, JournalEntry>(StringComparer.Ordinal);
        private readonly object _gate = new object();

        /// <param name="path">The journal file; created on the first write.</param>
        /// <param name="staleAfter">How long another run's unanswered submission is taken to be still on its way.</param>
        public TaskJournal(string path, TimeSpan? staleAfter = null)
        {
            var full = Path.GetFullPath(path);
            _file = new JournalFile(full);
            _lock = new JournalLock(full);
            _staleAfter = staleAfter ?? TimeSpan.FromMinutes(2);
            if (Directory.Exists(full))
                throw new NebulaVideoException(ErrorIds.JournalUnwritable, $"The journal path '{full}' is a folder.", full,
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

        public string FullPath => _file.FullPath;

        /// <inheritdoc/>
        public string Location => FullPath;

        /// <inheritdoc/>
        public string DescribeEntry(string fingerprint) =>
            $"Get-NebulaVideoJournal -Fingerprint {JournalEntry.ShortFingerprint(fingerprint)} -JournalPath '{FullPath}' shows what is known (when it was sent, what of the answer arrived).";

        /// <summary>The fingerprint a request is known by: a hash of its gateway and its exact body.</summary>
        public static string Fingerprint(Uri gateway, byte[] submitBody)
        {
            using var sha = SHA256.Create();
            var prefix = Encoding.UTF8.GetBytes(gateway.AbsoluteUri + "\n");
            sha.TransformBlock(prefix, 0, prefix.Length, null, 0);
            sha.TransformFinalBlock(submitBody, 0, submitBody.Length);
            return BitConverter.ToString(sha.Hash!).Replace("-", string.Empty).ToLowerInvariant();
        }

        /// <inheritdoc/>
        public JournalEntry? FindResumable(string fingerprint) =>
            Locked(() => _latest.TryGetValue(fingerprint, out var entry) && JournalRules.IsResumable(entry) ? entry : null);

        /// <inheritdoc/>
        public JournalEntry? FindTask(string taskId) => Locked(() => _byTask.TryGetValue(taskId, out var entry) ? entry : null);

        /// <inheritdoc/>
        public string? SavedTo(string taskId) =>
            Locked(() => _latest.TryGetValue(JournalEntry.SavedKey(taskId), out var entry) ? entry.SavedTo : null);

        /// <inheritdoc/>
        public void RecordSaved(VideoTask task, string path) => Record(JournalEntry.Saved(task, path));

        /// <summary>
        /// Removes every line older than <paramref name="before"/> (and every line that is not the journal's),
        /// rewriting the file atomically under the lock. Returns how many requests' records, and how many saved
        /// videos' records, were removed entirely.
        /// </summary>
        public (int Requests, int Saves) Prune(DateTimeOffset before) => Locked(() =>
        {
            var known = new Dictionary<string, JournalEntry>(_latest, StringComparer.Ordinal);
            if (!_file.Rewrite(entry => entry is not null && entry.At >= before)) return (0, 0);
            _file.Forget();
            Forget();
            Refresh();
            var requests = 0;
            var saves = 0;
            foreach (var gone in known)
            {
                if (_latest.ContainsKey(gone.Key)) continue;
                if (gone.Value.State == JournalState.Saved) saves++;
                else requests++;
            }
            return (requests, saves);
        });

        /// <inheritdoc/>
        public IReadOnlyList<JournalEntry> Entries() => Locked(() =>
        {
            var all = new List<JournalEntry>(_latest.Values);
            all.Sort((a, b) => a.At.CompareTo(b.At));
            return (IReadOnlyList<JournalEntry>)all;
        });

        /// <inheritdoc/>
        public JournalClaim Claim(JournalEntry submitting, bool force) => Locked(() =>
        {
            _latest.TryGetValue(submitting.Key, out var earlier);
            var claim = JournalRules.Decide(earlier, force, IsAlive);
            if (claim.Kind == ClaimKind.Submit) Append(submitting with { Owner = _owner });
            return claim;
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
                using (_lock.Acquire())
                {
                    Refresh();
                    return action();
                }
            }
        }

        /// <summary>Takes in what was appended since the last read (all of it again when the file was replaced or shrank).</summary>
        private void Refresh()
        {
            var entries = _file.ReadNew(out var fromStart);
            if (fromStart) Forget();
            foreach (var entry in entries) Remember(entry);
        }

        private void Forget()
        {
            _latest.Clear();
            _byTask.Clear();
        }

        private void Remember(JournalEntry entry)
        {
            _latest[entry.Key] = entry;
            if (entry.TaskId is not null && entry.State == JournalState.Submitted) _byTask[entry.TaskId] = entry;
        }

        private void Append(JournalEntry entry)
        {
            _file.Append(entry);
            Remember(entry);
        }
    }
}
