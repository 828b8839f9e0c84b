using System;
using System.Management.Automation;
using NebulaVideo.Core;
using NebulaVideo.Core.Gateways;

namespace NebulaVideo
{
    /// <summary>
    /// A cmdlet that works on tasks (Get-, Wait-, Save-NebulaVideo): it takes them as task objects (-InputObject: what
    /// New-NebulaVideo writes, or Import-Csv and Import-Clixml read back) or as bare ids (-TaskId), completes each from
    /// the journal where it lost what only its submitter knew, and sends it to its own connection (or -Connection).
    /// </summary>
    public abstract class TaskCmdlet : GatewayCmdlet
    {
        private JournalAccess? _journal;

        /// <summary>Tasks from New-NebulaVideo; a cmdlet that takes them by position overrides this with its Position.</summary>
        [Parameter(Mandatory = true, ParameterSetName = TaskSets.ByTask, ValueFromPipeline = true)]
        [TaskTransformation]
        public virtual VideoTask[] InputObject { get; set; } = Array.Empty<VideoTask>();

        /// <summary>Task ids; a cmdlet that takes them by position overrides this with its Position.</summary>
        [Parameter(Mandatory = true, ParameterSetName = TaskSets.ById, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("Id")]
        [ValidateNotNullOrEmpty]
        public virtual string[] TaskId { get; set; } = Array.Empty<string>();

        /// <summary>
        /// The connection to read bare task ids (or all given tasks) from, instead of the one each task names. Each cmdlet
        /// declares the parameter (overriding this): its place in the cmdlet's syntax follows the order of declaration, and
        /// there it comes before the cmdlet's own parameters.
        /// </summary>
        public abstract string? Connection { get; set; }

        /// <summary>What the command does without the journal, for the one warning it writes when the journal cannot be used.</summary>
        protected virtual string WithoutJournal => "tasks that lost what only their submitter knew (a bare id, a CSV row) are not completed from it";

        /// <summary>The journal as these commands use it: it helps when it can, and never fails a read or a save.</summary>
        internal JournalAccess Journal => _journal ??= JournalAccess.BestEffort(this, WithoutJournal);

        /// <summary>The tasks this input brought: task objects as given, or bare ids as tasks that know only their id.</summary>
        protected VideoTask[] GivenTasks => TaskSets.From(ParameterSetName == TaskSets.ByTask ? InputObject : null, TaskId);

        /// <summary>Does <paramref name="work"/> for each task this input brought (<see cref="Route"/>d); one task's failure is its own error.</summary>
        protected void ForEachTask(Action<VideoTask, GatewayClient> work)
        {
            foreach (var given in GivenTasks)
                ForEachItem(() =>
                {
                    var (task, client) = Route(given);
                    work(task, client);
                });
        }

        /// <summary>A task made ready to go home: completed from the journal (<see cref="Recover"/>), with the client of its connection.</summary>
        protected (VideoTask Task, GatewayClient Client) Route(VideoTask given)
        {
            var task = Recover(given);
            return (task, ClientFor(task, Connection));
        }

        /// <summary>
        /// A task that lost what only its submitter knew (a bare id, a CSV with a few columns) gets it back from the
        /// session's journal: its gateway and connection, so it goes home, and its prompt and source image, so Save names
        /// the file after the image. A task that knows them, or one the journal never saw, is as it was.
        /// </summary>
        protected VideoTask Recover(VideoTask task)
        {
            if (task.Gateway is not null && task.SourceImage is not null && task.Prompt is not null) return task;
            var entry = Journal.Use(journal => journal.FindTask(task.TaskId), null);
            return entry is null ? task : entry.Fill(task);
        }
    }
}
