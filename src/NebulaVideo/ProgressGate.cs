using System.Diagnostics;

namespace NebulaVideo
{
    /// <summary>
    /// Lets through at most one progress update per interval. A download reports after every read, and a
    /// progress record per read (thousands for one video) costs more than the bytes it reports on; the
    /// console redraws a few times a second anyway.
    /// </summary>
    internal sealed class ProgressGate
    {
        private const long IntervalMs = 200;
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private long _nextMs;

        /// <summary>True when an update may be shown now (the first always may).</summary>
        public bool Pass()
        {
            var now = _clock.ElapsedMilliseconds;
            if (now < _nextMs) return false;
            _nextMs = now + IntervalMs;
            return true;
        }
    }
}
