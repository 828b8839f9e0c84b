using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using NebulaVideo.Core;
using NebulaVideo.Core.Gateways;
using NebulaVideo.Core.Tasks;

namespace NebulaVideo
{
    /// <summary>
    /// Waits for tasks on behalf of a cmdlet (Wait-NebulaVideoTask, New-NebulaVideo -Wait): all of them at
    /// once, emitting each succeeded task the moment it is done, failures as non-terminating errors that
    /// carry the task, one summary progress bar, an overall timeout, and Ctrl+C.
    /// </summary>
    internal sealed class PipelineWaiter : IDisposable
    {
        private const int ProgressActivityId = 7301;
        private const string Activity = "Waiting for NebulaVideo tasks";
        private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(250);

        private readonly NebulaVideoCmdlet _cmdlet;
        private readonly TaskWaiter _waiter;
        private readonly CancellationToken _stopping;
        private readonly DateTimeOffset? _deadline;
        private readonly int _timeoutSec;
        private readonly Dictionary<string, VideoTask> _latest = new Dictionary<string, VideoTask>();
        private readonly HashSet<string> _warned = new HashSet<string>();
        private readonly bool _emit;
        private readonly ProgressGate _progressGate = new ProgressGate();
        private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
        private bool _timedOut;
        private int _done;

        // emit false: follow tasks only to know when they finish (they were written already).
        public PipelineWaiter(NebulaVideoCmdlet cmdlet, double pollIntervalSec, int timeoutSec, int throttleLimit, CancellationToken stopping, bool emit = true)
        {
            _cmdlet = cmdlet;
            _emit = emit;
            _stopping = stopping;
            _timeoutSec = timeoutSec;
            _deadline = timeoutSec > 0 ? DateTimeOffset.UtcNow.AddSeconds(timeoutSec) : (DateTimeOffset?)null;
            _waiter = new TaskWaiter(TimeSpan.FromSeconds(pollIntervalSec), throttleLimit, stopping);
        }

        /// <summary>Starts waiting for a task; the client must be resolved on the pipeline thread.</summary>
        public void Add(VideoTask task, GatewayClient client)
        {
            if (_timedOut)
            {
                // The time is up before this task even arrived: report it like the others still running.
                _cmdlet.WriteError(StillRunning(task));
                return;
            }
            _latest[task.TaskId] = task;
            _waiter.Add(task, client.GetTaskAsync, client.MinimumPollInterval);
        }

        /// <summary>Tasks still running (their last event may not have been written yet).</summary>
        public int InFlight => _waiter.Pending.Count;

        /// <summary>Writes whatever has finished so far, without waiting.</summary>
        public void EmitReady() => Pump(block: false);

        /// <summary>Waits, writing what finishes meanwhile, until fewer than <paramref name="limit"/> tasks run.</summary>
        public void WaitForSlot(int limit)
        {
            Pump(block: false);
            if (InFlight >= limit) Pump(block: true, enough: () => InFlight < limit);
        }

        /// <summary>Waits for the rest (or the timeout), writing each as it finishes.</summary>
        public void EmitAll()
        {
            Pump(block: true);
            _cmdlet.WriteProgress(new ProgressRecord(ProgressActivityId, Activity, "Done") { RecordType = ProgressRecordType.Completed });
        }

        private void Pump(bool block, Func<bool>? enough = null)
        {
            while (!_timedOut)
            {
                _cmdlet.DrainPosted();
                var remaining = _deadline - DateTimeOffset.UtcNow;
                if (remaining <= TimeSpan.Zero)
                {
                    TimeOut();
                    return;
                }
                if (block && (_waiter.IsDone || enough?.Invoke() == true)) return;
                var wait = !block ? TimeSpan.Zero : remaining is TimeSpan r && r < Tick ? r : Tick;
                WaitEvent? next;
                try
                {
                    if (!_waiter.TryTake(wait, _stopping, out next))
                    {
                        if (block) continue;
                        return;
                    }
                }
                catch (OperationCanceledException)
                {
                    throw new PipelineStoppedException();
                }
                Handle(next!);
            }
        }

        private void Handle(WaitEvent e)
        {
            _latest[e.Task.TaskId] = e.Task;
            if (e.Kind == WaitEventKind.Finished || e.Kind == WaitEventKind.Error) _done++;
            switch (e.Kind)
            {
                case WaitEventKind.Updated:
                    _cmdlet.WriteVerbose($"Task {e.Task.TaskId}: {e.Task.Status} ({e.Task.ProviderStatus}), {e.Task.Progress}%");
                    break;
                case WaitEventKind.ReadFailed:
                    // Said once as a warning (the gateway may be down for a while), then only with -Verbose.
                    var line = $"Task {e.Task.TaskId} could not be read ({e.Error?.Message}); still waiting for it.";
                    if (_warned.Add(e.Task.TaskId)) _cmdlet.WriteWarning(line);
                    else _cmdlet.WriteVerbose(line);
                    break;
                case WaitEventKind.Finished or WaitEventKind.Error when !_emit:
                    break; // written when it was submitted; followed only to know a slot is free
                case WaitEventKind.Finished when e.Task.Status == VideoStatus.Succeeded:
                    _cmdlet.WriteObject(e.Task);
                    break;
                case WaitEventKind.Finished:
                    _cmdlet.WriteError(Unsuccessful(e.Task));
                    break;
                case WaitEventKind.Error:
                    _cmdlet.WriteError(e.Error as NebulaVideoException ?? new NebulaVideoException(ErrorIds.WaitFailed,
                        $"Could not follow task {e.Task.TaskId}: {e.Error?.Message}", e.Task, "Check the task with Get-NebulaVideoTask.", e.Error));
                    break;
            }
            WriteProgress();
        }

        private void WriteProgress()
        {
            // Every event would be a progress record (hundreds a second in a big batch); a few a second are shown anyway.
            if (!_progressGate.Pass() && _done < _latest.Count) return;
            var all = _latest.Values;
            var running = all.Count(t => t.Status == VideoStatus.Running);
            var queued = all.Count(t => t.Status == VideoStatus.Queued);
            var percent = all.Count == 0 ? 0 : (int)all.Average(t => t.Progress);
            _cmdlet.WriteProgress(new ProgressRecord(ProgressActivityId, Activity,
                $"{_done} of {all.Count} finished, {running} running, {queued} queued")
            {
                PercentComplete = percent,
                SecondsRemaining = SecondsLeft(all, percent),
            });
        }

        // The gateway's own estimate where it gives one (the longest of the tasks still running), else the
        // time so far stretched over the progress still to make; -1 (unknown) before any progress.
        private int SecondsLeft(IEnumerable<VideoTask> tasks, int percent)
        {
            var estimates = tasks.Where(t => !t.IsFinished && t.EstimatedSecondsLeft is not null).Select(t => t.EstimatedSecondsLeft!.Value).ToList();
            if (estimates.Count > 0) return estimates.Max();
            if (percent <= 0 || percent >= 100) return -1;
            return (int)Math.Ceiling(_clock.Elapsed.TotalSeconds * (100 - percent) / percent);
        }

        private static NebulaVideoException Unsuccessful(VideoTask task) => task.Status == VideoStatus.Expired
            ? new NebulaVideoException(ErrorIds.VideoExpired,
                $"Task {task.TaskId} finished, but its video has expired.", task, "Submit the request again to make a new video.")
            : new TaskFailedException(task);

        private void TimeOut()
        {
            _timedOut = true;
            foreach (var task in _waiter.Pending) _cmdlet.WriteError(StillRunning(task));
            _waiter.Dispose();
        }

        private NebulaVideoException StillRunning(VideoTask task) =>
            new NebulaVideoException(ErrorIds.WaitTimeout,
                $"Task {task.TaskId} is still {task.Status} after {_timeoutSec} s.", task,
                "Wait again later: $error[0].TargetObject | Wait-NebulaVideoTask. The task keeps running on the gateway.");

        public void Dispose() => _waiter.Dispose();
    }
}
