using System;
using System.Management.Automation;
using NebulaVideo.Core;

namespace NebulaVideo.Commands
{
    /// <summary>
    /// Waits for tasks to finish, all at once, emitting each succeeded task as soon as it is done. A task
    /// that fails, expires or is still running at -TimeoutSec becomes a non-terminating error whose
    /// TargetObject is the task, so a script can report or retry it.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Wait, "NebulaVideoTask", DefaultParameterSetName = TaskSets.ByTask)]
    [OutputType(typeof(VideoTask))]
    public sealed class WaitNebulaVideoTaskCommand : TaskCmdlet
    {
        /// <summary>The seed documents recommend polling every 3-5 seconds; 5 is gentler on busy accounts.</summary>
        internal const double DefaultPollIntervalSec = 5;

        /// <summary>Status reads in flight at once, however many tasks are waited for.</summary>
        internal const int DefaultThrottleLimit = 4;

        private PipelineWaiter? _waiter;

        /// <summary>Tasks from New-NebulaVideo, also by position.</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = TaskSets.ByTask, ValueFromPipeline = true)]
        [TaskTransformation]
        public override VideoTask[] InputObject { get; set; } = Array.Empty<VideoTask>();

        /// <summary>The connection to read bare task ids (or all given tasks) from, instead of the one each task names.</summary>
        [Parameter]
        [ArgumentCompleter(typeof(ConnectionCompleter))]
        [ValidateNotNullOrEmpty]
        public override string? Connection { get; set; }

        /// <summary>Seconds to wait in all; 0 (the default) waits until every task finishes.</summary>
        [Parameter]
        [ValidateRange(0, int.MaxValue)]
        public int TimeoutSec { get; set; }

        [Parameter]
        [ValidateRange(0.1, 300)]
        public double PollIntervalSec { get; set; } = DefaultPollIntervalSec;

        [Parameter]
        [ValidateRange(1, 64)]
        public int ThrottleLimit { get; set; } = DefaultThrottleLimit;

        protected override void BeginProcessing() =>
            _waiter = new PipelineWaiter(this, PollIntervalSec, TimeoutSec, ThrottleLimit, CancelToken);

        protected override void ProcessRecord()
        {
            ForEachTask((task, client) => _waiter!.Add(task, client));
            _waiter!.EmitReady();
        }

        protected override void EndProcessing() => _waiter!.EmitAll();
    }
}
