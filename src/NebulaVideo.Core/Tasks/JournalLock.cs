using System;
using System.Diagnostics;
using System.IO;
using System.Threading;

namespace NebulaVideo.Core.Tasks
{
    /// <summary>
    /// The lock shared by every process and host using one journal file: a lock file beside it, created exclusively
    /// (atomic on local disks and network shares alike) and removed when done. One left behind by a killed process
    /// is broken once stale, judged by this process's own clock, by one waiter at a time.
    /// </summary>
    internal sealed class JournalLock
    {
        private static readonly TimeSpan LockWait = TimeSpan.FromSeconds(30);

        private readonly string _journalPath;
        private readonly string _lockPath;

        /// <param name="journalPath">The journal file's full path; the lock file is that path plus ".lock".</param>
        public JournalLock(string journalPath)
        {
            _journalPath = journalPath;
            _lockPath = journalPath + ".lock";
        }

        /// <summary>Takes the lock, waiting for another holder; disposing the result lets it go.</summary>
        public IDisposable Acquire()
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
                    var directory = Path.GetDirectoryName(_journalPath);
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
                        throw new NebulaVideoException(ErrorIds.JournalUnwritable, $"The journal '{_journalPath}' stayed locked for {LockWait.TotalSeconds:0} s.", _journalPath,
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
                    if (held.Exists && held.LastWriteTimeUtc == stamp) JournalFile.TryDelete(_lockPath);
                }
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                // Another waiter is breaking it: its result is what the next attempt finds.
            }
        }

        private NebulaVideoException CannotLock(Exception ex) =>
            new(ErrorIds.JournalUnwritable, $"Cannot lock the journal '{_journalPath}': {ex.Message}", _journalPath,
                "Give -JournalPath a file in a folder you may write, or set NEBULAVIDEO_JOURNAL; nothing was submitted for this item.", ex);
    }
}
