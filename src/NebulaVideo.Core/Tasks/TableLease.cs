using System;
using System.Diagnostics;
using System.Threading;

namespace NebulaVideo.Core.Tasks
{
    /// <summary>
    /// A Submitting row this journal object holds: it renews the row's lease (a conditional write that has the table
    /// service stamp the row again) every third of the lease, from the claim until the submission's answer is recorded,
    /// for at most a maximum hold. It stops on its own when the row is no longer the one it holds (another run took it:
    /// <see cref="Lost"/>) or the hold is over; a renewal that fails for a moment is tried again at the next tick.
    /// </summary>
    internal sealed class TableLease : IDisposable
    {
        private readonly Func<string, string, int, string?> _renew;
        private readonly Action<string>? _log;
        private readonly TimeSpan _maxHold;
        private readonly Stopwatch _held = Stopwatch.StartNew();
        private readonly object _gate = new object();
        private readonly Timer _timer;
        private int _renewals;
        private bool _stopped;

        // renew: one renewal, (row key, ETag, renewal count) to the row's new ETag, or null when the row changed.
        public TableLease(string rowKey, string owner, string etag, TimeSpan lease, TimeSpan maxHold, Func<string, string, int, string?> renew, Action<string>? log)
        {
            RowKey = rowKey;
            Owner = owner;
            ETag = etag;
            _renew = renew;
            _log = log;
            _maxHold = maxHold;
            var period = TimeSpan.FromTicks(Math.Max(lease.Ticks / 3, TimeSpan.FromMilliseconds(50).Ticks));
            _timer = new Timer(_ => Renew(), null, period, period);
        }

        public string RowKey { get; }

        /// <summary>The owner written in the row (host, process, journal object and claim).</summary>
        public string Owner { get; }

        /// <summary>The row's ETag as this lease last wrote it.</summary>
        public string ETag { get; private set; }

        /// <summary>True when a renewal found the row changed by someone else: this run no longer holds it.</summary>
        public bool Lost { get; private set; }

        private void Renew()
        {
            lock (_gate)
            {
                if (_stopped) return;
                if (_held.Elapsed > _maxHold)
                {
                    _log?.Invoke($"Journal row {RowKey}: held for {_maxHold} without an answer; its lease is no longer renewed, so other runs will take the submission's outcome as unknown.");
                    StopLocked();
                    return;
                }
                try
                {
                    var renewed = _renew(RowKey, ETag, ++_renewals);
                    if (renewed is null)
                    {
                        Lost = true;
                        _log?.Invoke($"Journal row {RowKey}: another run changed it while this run was submitting; its lease is no longer renewed.");
                        StopLocked();
                    }
                    else ETag = renewed;
                }
                catch (Exception ex)
                {
                    // A storage fault for a moment: the lease lasts three periods, the next tick tries again.
                    _log?.Invoke($"Journal row {RowKey}: the lease could not be renewed ({ex.GetType().Name}: {ex.Message}); trying again.");
                }
            }
        }

        /// <summary>Stops renewing; once this returns no renewal is under way, so <see cref="ETag"/> is final.</summary>
        public void Dispose()
        {
            lock (_gate) StopLocked();
        }

        private void StopLocked()
        {
            _stopped = true;
            _timer.Dispose();
        }
    }
}
