using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace NebulaVideo.Core.Tasks
{
    /// <summary>
    /// The journal's lines on disk: appended one at a time and flushed before the caller goes on, read incrementally
    /// (what others appended since the last read), rewritten atomically. Not thread-safe and not locked: the caller
    /// holds the journal's lock (<see cref="JournalLock"/>) around every call.
    /// </summary>
    internal sealed class JournalFile
    {
        private readonly string _path;
        private long _offset;
        private string? _head;

        /// <param name="path">The file's full path; created on the first append.</param>
        public JournalFile(string path) => _path = path;

        public string FullPath => _path;

        /// <summary>
        /// The records appended since the last read. <paramref name="fromStart"/> says the file was replaced or shrank
        /// (another run pruned it), so what was read before no longer counts and everything is read again.
        /// </summary>
        public List<JournalEntry> ReadNew(out bool fromStart)
        {
            fromStart = false;
            var entries = new List<JournalEntry>();
            if (!File.Exists(_path)) return entries;
            try
            {
                using var stream = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                // A journal pruned by another run is a new file: its first line (the oldest kept) tells.
                var head = FirstLine(stream);
                if (stream.Length < _offset || (_head is not null && head != _head))
                {
                    _offset = 0;
                    fromStart = true;
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
                    if (JournalLine.Parse(line) is { } entry) entries.Add(entry);
                return entries;
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new NebulaVideoException(ErrorIds.JournalUnreadable, $"Cannot read the journal '{_path}': {ex.Message}", _path,
                    "Check that you may read the file; without it, submissions already paid for could be paid again.", ex);
            }
        }

        /// <summary>Forgets what was read, so the next <see cref="ReadNew"/> reads the whole file.</summary>
        public void Forget()
        {
            _offset = 0;
            _head = null;
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

        /// <summary>Appends a record, on the disk before this returns: the point of the journal is surviving a crash.</summary>
        public void Append(JournalEntry entry)
        {
            try
            {
                using var stream = new FileStream(_path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, 4096, FileOptions.WriteThrough);
                var tornTail = stream.Length > 0 && EndsWithoutNewline(stream);
                stream.Seek(0, SeekOrigin.End);
                var line = Encoding.UTF8.GetBytes((tornTail ? "\n" : string.Empty) + JournalLine.Serialize(entry) + "\n");
                stream.Write(line, 0, line.Length);
                stream.Flush(flushToDisk: true);
                _offset = stream.Length;
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                // Raised before the POST, so nothing is paid for that the journal could not record.
                throw new NebulaVideoException(ErrorIds.JournalUnwritable, $"Cannot write the journal '{_path}': {ex.Message}", entry.Source,
                    "Give -JournalPath a file you may write, on a disk with room, or set NEBULAVIDEO_JOURNAL; nothing was submitted for this item.", ex);
            }
        }

        private static bool EndsWithoutNewline(FileStream stream)
        {
            stream.Seek(-1, SeekOrigin.End);
            return stream.ReadByte() != '\n';
        }

        /// <summary>
        /// Keeps only the lines <paramref name="keep"/> accepts (as they are, byte for byte), replacing the file atomically;
        /// false when every line was kept (and the file left alone). Lines that are not records are offered as null.
        /// </summary>
        public bool Rewrite(Func<JournalEntry?, bool> keep)
        {
            if (!File.Exists(_path)) return false;
            var lines = ReadAllLines();
            var kept = lines.FindAll(line => keep(JournalLine.Parse(line)));
            if (kept.Count == lines.Count) return false;
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
            return true;
        }

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

        internal static void TryDelete(string path)
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
