using System;
using System.Collections.Concurrent;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using NebulaVideo.Core;
using NebulaVideo.Core.Connections;
using NebulaVideo.Core.Tasks;

namespace NebulaVideo
{
    /// <summary>
    /// What every NebulaVideo cmdlet shares: Ctrl+C cancellation, running Core's async work while keeping
    /// every Write* call on the pipeline thread, the session's connections, and error records.
    /// </summary>
    public abstract class NebulaVideoCmdlet : PSCmdlet
    {
        private readonly CancellationTokenSource _stopping = new CancellationTokenSource();
        private readonly BlockingCollection<Action> _posted = new BlockingCollection<Action>();

        /// <summary>Cancelled the moment the user presses Ctrl+C (or the host stops the pipeline).</summary>
        protected internal CancellationToken CancelToken => _stopping.Token;

        protected override void StopProcessing() => _stopping.Cancel();

        /// <summary>
        /// Runs Core's async work and blocks until it is done, meanwhile executing on this thread whatever
        /// the work posted (progress, verbose lines). Ctrl+C cancels the work and stops the pipeline.
        /// </summary>
        protected T Run<T>(Func<CancellationToken, Task<T>> work)
        {
            var task = Task.Run(() => work(CancelToken));
            task.ContinueWith(_ => _posted.Add(() => { }), TaskScheduler.Default); // wakes the loop below
            while (!task.IsCompleted || _posted.Count > 0)
            {
                if (_posted.TryTake(out var action, Timeout.Infinite)) action();
            }
            try
            {
                return task.GetAwaiter().GetResult();
            }
            catch (OperationCanceledException) when (CancelToken.IsCancellationRequested)
            {
                throw new PipelineStoppedException();
            }
        }

        /// <summary>Queues work for the pipeline thread; used by callbacks that run on other threads.</summary>
        protected internal void Post(Action action) => _posted.Add(action);

        /// <summary>Executes queued actions, without waiting for more.</summary>
        protected internal void DrainPosted()
        {
            while (_posted.TryTake(out var action)) action();
        }

        /// <summary>The variable that moves the journal for one session (tests, or a runbook that keeps its own).</summary>
        internal const string JournalVariable = "NebulaVideoJournalPath";

        /// <summary>The journal named, else the session's ($NebulaVideoJournalPath), else the user's default.</summary>
        protected TaskJournal OpenJournal(string? path)
        {
            path ??= GetVariableValue(JournalVariable) as string;
            return new TaskJournal(path is null ? TaskJournal.DefaultPath : GetUnresolvedProviderPathFromPSPath(path));
        }

        /// <summary>This session's connections: registered ones and the environment's.</summary>
        protected static ConnectionSet Connections => SessionConnections.Current;

        /// <summary>Writes a non-terminating error for a NebulaVideo failure, so the next pipeline item goes on.</summary>
        protected internal void WriteError(NebulaVideoException ex) => WriteError(ErrorRecords.From(ex));

        /// <summary>Runs one item's work; a NebulaVideo failure becomes that item's error, not the pipeline's end.</summary>
        protected void ForEachItem(Action work)
        {
            try
            {
                work();
            }
            catch (NebulaVideoException ex)
            {
                WriteError(ex);
            }
        }
    }
}
