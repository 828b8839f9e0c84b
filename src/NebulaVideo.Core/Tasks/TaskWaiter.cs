using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace NebulaVideo.Core.Tasks
{
    public enum WaitEventKind
    {
        /// <summary>The task moved on but is not finished.</summary>
        Updated,
        /// <summary>The task reached Succeeded, Failed or Expired.</summary>
        Finished,
        /// <summary>A read failed for a reason that may pass (the gateway was down a while); polling goes on.</summary>
        ReadFailed,
        /// <summary>The task cannot be read at all (not found, key rejected): polling stopped.</summary>
        Error,
    }

    public sealed record WaitEvent(WaitEventKind Kind, VideoTask Task, Exception? Error = null);

    /// <summary>
    /// Polls many tasks at once, each at the gateway's recommended pace, with a cap on requests in flight
    /// so hundreds of tasks do not hammer the gateway. Results arrive as events in a queue that the
    /// caller drains on its own thread (PowerShell may only write from the pipeline thread).
    /// </summary>
    public sealed class TaskWaiter : IDisposable
    {
        private readonly TimeSpan _interval;
        private readonly Random _random = new Random();
        private readonly SemaphoreSlim _pollSlots;
        private readonly CancellationTokenSource _stop;
        private readonly BlockingCollection<WaitEvent> _events = new BlockingCollection<WaitEvent>();
        private readonly ConcurrentDictionary<string, VideoTask> _pending = new ConcurrentDictionary<string, VideoTask>();
        private readonly ConcurrentDictionary<string, byte> _seen = new ConcurrentDictionary<string, byte>();

        public TaskWaiter(TimeSpan pollInterval, int maxConcurrentPolls, CancellationToken cancellationToken)
        {
            _interval = pollInterval;
            _pollSlots = new SemaphoreSlim(Math.Max(1, maxConcurrentPolls));
            _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        }

        /// <summary>Tasks still being polled, in their latest known state.</summary>
        public IReadOnlyCollection<VideoTask> Pending => _pending.Values.ToList();

        /// <summary>True once every added task has produced its last event and that event has been taken.</summary>
        public bool IsDone => _pending.IsEmpty && _events.Count == 0;

        /// <summary>
        /// Starts polling a task with <paramref name="refresh"/> (which reads it from its own gateway).
        /// A task already finished is reported at once; a repeat of a task is ignored.
        /// </summary>
        /// <param name="task">The task to follow.</param>
        /// <param name="refresh">Reads it from its own gateway.</param>
        /// <param name="floor">The shortest pause between two reads of it (the seeds recommend 3 s for a real gateway).</param>
        public void Add(VideoTask task, Func<VideoTask, CancellationToken, Task<VideoTask>> refresh, TimeSpan floor = default)
        {
            if (!_seen.TryAdd(task.TaskId, 0)) return;
            if (task.IsFinished)
            {
                _events.Add(new WaitEvent(WaitEventKind.Finished, task));
                return;
            }
            _pending[task.TaskId] = task;
            _ = Task.Run(() => PollAsync(task, refresh, floor));
        }

        /// <summary>Waits up to <paramref name="timeout"/> for the next event.</summary>
        public bool TryTake(TimeSpan timeout, CancellationToken cancellationToken, out WaitEvent? next)
        {
            var taken = _events.TryTake(out var item, (int)Math.Max(0, timeout.TotalMilliseconds), cancellationToken);
            next = item;
            return taken;
        }

        private async Task PollAsync(VideoTask task, Func<VideoTask, CancellationToken, Task<VideoTask>> refresh, TimeSpan floor)
        {
            var token = _stop.Token;
            var current = task;
            try
            {
                // A task submitted a moment ago cannot be done yet; one that came from elsewhere might be.
                var justSubmitted = task.SubmittedAt is DateTimeOffset at && DateTimeOffset.UtcNow - at < _interval;
                var first = true;
                while (true)
                {
                    if (!first || justSubmitted) await Task.Delay(NextPause(current, floor), token).ConfigureAwait(false);
                    first = false;
                    await _pollSlots.WaitAsync(token).ConfigureAwait(false);
                    try
                    {
                        current = await refresh(current, token).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (Transient.Is(ex))
                    {
                        // One read failing, even after its retries, is no reason to give up a task that is being paid for.
                        _events.Add(new WaitEvent(WaitEventKind.ReadFailed, current, ex));
                        continue;
                    }
                    finally
                    {
                        _pollSlots.Release();
                    }
                    if (current.IsFinished)
                    {
                        Finish(new WaitEvent(WaitEventKind.Finished, current));
                        return;
                    }
                    _pending[current.TaskId] = current;
                    _events.Add(new WaitEvent(WaitEventKind.Updated, current));
                }
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                // Stopped by the caller (timeout or Ctrl+C): the task stays in Pending for reporting.
            }
            catch (Exception ex)
            {
                Finish(new WaitEvent(WaitEventKind.Error, current, ex));
            }
        }

        /// <summary>
        /// The pause before a task's next read: the poll interval, never under the floor, longer for a task the
        /// gateway expects to take long (a third of its estimate, up to 30 s), with ±10 % jitter so hundreds of
        /// tasks submitted together do not read in lockstep.
        /// </summary>
        internal TimeSpan NextPause(VideoTask task, TimeSpan floor)
        {
            var pause = _interval > floor ? _interval : floor;
            if (task.EstimatedSecondsLeft is int left && left > 0)
            {
                var hinted = TimeSpan.FromSeconds(Math.Min(left / 3.0, 30));
                if (hinted > pause) pause = hinted;
            }
            double spread;
            lock (_random) spread = 0.9 + (_random.NextDouble() * 0.2);
            var jittered = TimeSpan.FromTicks((long)(pause.Ticks * spread));
            return jittered < floor ? floor : jittered;
        }

        // The event goes in before the task leaves Pending, so IsDone never sees a gap between them.
        private void Finish(WaitEvent last)
        {
            _events.Add(last);
            _pending.TryRemove(last.Task.TaskId, out _);
        }

        /// <summary>Stops all polling. The token source is left to the collector: poll loops may still observe it.</summary>
        public void Dispose() => _stop.Cancel();
    }
}
