using System;
using System.Management.Automation;
using NebulaVideo.Core;
using NebulaVideo.Core.Tasks;

namespace NebulaVideo.Commands
{
    /// <summary>Reads the current state of tasks from the gateway.</summary>
    // The task set is the default so a piped task binds as a task (keeping its gateway) rather than by its TaskId.
    [Cmdlet(VerbsCommon.Get, "NebulaVideoTask", DefaultParameterSetName = TaskSets.ByTask)]
    [OutputType(typeof(VideoTask))]
    public sealed class GetNebulaVideoTaskCommand : TaskCmdlet
    {
        /// <summary>Task ids, also by position.</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = TaskSets.ById, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("Id")]
        [ValidateNotNullOrEmpty]
        public override string[] TaskId { get; set; } = Array.Empty<string>();

        /// <summary>The connection to read bare task ids (or all given tasks) from, instead of the one each task names.</summary>
        [Parameter]
        [ArgumentCompleter(typeof(ConnectionCompleter))]
        [ValidateNotNullOrEmpty]
        public override string? Connection { get; set; }

        /// <summary>Lists the tasks the journal recorded as submitted (in the last 24 hours, or since -Since), read fresh from their gateways.</summary>
        [Parameter(Mandatory = true, ParameterSetName = JournalSet)]
        public SwitchParameter FromJournal { get; set; }

        /// <summary>The journal to list; the session's or the user's default when omitted.</summary>
        [Parameter(ParameterSetName = JournalSet)]
        [ValidateNotNullOrEmpty]
        public string? JournalPath { get; set; }

        /// <summary>Only tasks submitted after this moment; by default the last 24 hours (the gateways' retention).</summary>
        [Parameter(ParameterSetName = JournalSet)]
        public DateTime? Since { get; set; }

        private const string JournalSet = "Journal";

        protected override void ProcessRecord()
        {
            if (ParameterSetName == JournalSet)
            {
                ForEachItem(ListJournal);
                return;
            }
            // Refreshing a task keeps what only it knew (prompt, source image, estimate).
            ForEachTask((task, client) => WriteObject(Run(ct => client.GetTaskAsync(task, ct))));
        }

        /// <summary>What a runbook needs to resume the next day: each journaled task as it stands now, with what the journal knew of it.</summary>
        private void ListJournal()
        {
            var since = RetentionCut(Since);
            // What is listed is the journal itself: one that cannot be used is this command's error.
            var journal = JournalAccess.Required(this, JournalPath).Journal;
            foreach (var entry in journal.Entries())
            {
                if (entry.At < since) continue;
                if (entry.State == JournalState.Submitting || entry.State == JournalState.Unanswered)
                {
                    // Not a task anyone knows the id of: the one thing the journal cannot settle, so it is said, not hidden.
                    WriteWarning($"The request for {entry.Source ?? entry.Prompt ?? entry.Fingerprint} ({entry.Model}) began submitting at {entry.At:u} and its answer never arrived: it may exist on the gateway {entry.Gateway}. "
                        + $"Get-NebulaVideoJournal -Fingerprint {entry.ShortFingerprint()} shows what is known; check the gateway; New-NebulaVideo -Force sends it again.");
                    continue;
                }
                if (entry.State != JournalState.Submitted || entry.TaskId is null) continue;
                var known = entry.ToTask() with { SavedTo = journal.SavedTo(entry.TaskId), JournalPath = journal.Location };
                ForEachItem(() =>
                {
                    var client = ClientFor(known, Connection);
                    WriteObject(Run(ct => client.GetTaskAsync(known, ct)));
                });
            }
        }
    }
}
