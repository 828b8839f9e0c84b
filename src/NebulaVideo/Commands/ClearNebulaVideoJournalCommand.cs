using System;
using System.Management.Automation;

namespace NebulaVideo.Commands
{
    /// <summary>
    /// Removes old records from the task journal: by default those older than the gateways' 24-hour
    /// retention, whose tasks can no longer be resumed anyway. Safe while other runs use the journal.
    /// </summary>
    [Cmdlet(VerbsCommon.Clear, "NebulaVideoJournal", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(void))]
    public sealed class ClearNebulaVideoJournalCommand : NebulaVideoCmdlet
    {
        /// <summary>Records older than this go; by default 24 hours ago.</summary>
        [Parameter(Position = 0)]
        public DateTime? Before { get; set; }

        /// <summary>The journal to prune; the session's or the user's default when omitted.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? JournalPath { get; set; }

        protected override void EndProcessing() => ForEachItem(() =>
        {
            var cutoff = RetentionCut(Before);
            var journal = JournalAccess.Required(this, JournalPath).Journal;
            if (!ShouldProcess(journal.Location, $"Remove the records written before {cutoff:u}")) return;
            var (requests, saves) = journal.Prune(cutoff);
            WriteVerbose($"Removed the records of {requests} submission(s) and {saves} saved video(s) from {journal.Location}.");
        });
    }
}
