using System;
using System.Linq;
using System.Management.Automation;
using NebulaVideo.Core.Tasks;

namespace NebulaVideo.Commands
{
    /// <summary>
    /// Lists what the journal knows of each request: how far it got (Submitting, Submitted, Refused, Unanswered) or
    /// where its video was saved, when, its task id, and for a submission whose answer never arrived whole, what
    /// happened and what of the answer arrived. SubmitOutcomeUnknown names the entry to look at.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "NebulaVideoJournal")]
    [OutputType(typeof(JournalEntry))]
    public sealed class GetNebulaVideoJournalCommand : NebulaVideoCmdlet
    {
        /// <summary>Entries whose fingerprint starts with this (SubmitOutcomeUnknown gives the first twelve characters); wildcards are allowed.</summary>
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[]? Fingerprint { get; set; }

        /// <summary>Only entries in these states.</summary>
        [Parameter]
        public JournalState[]? State { get; set; }

        /// <summary>Only entries written after this moment; by default all the journal holds.</summary>
        [Parameter]
        public DateTime? Since { get; set; }

        /// <summary>The journal to read; the session's or the user's default when omitted.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? JournalPath { get; set; }

        protected override void ProcessRecord() => ForEachItem(() =>
        {
            var journal = JournalAccess.Required(this, JournalPath).Journal;
            // A fingerprint is a prefix: "3fa8c2d1e0b4" finds its entry as "3fa8c2d1e0b4*" does.
            var patterns = Fingerprint?.Select(f => new WildcardPattern(WildcardPattern.ContainsWildcardCharacters(f) ? f : f + "*", WildcardOptions.IgnoreCase)).ToList();
            var since = Since is DateTime given ? new DateTimeOffset(given.ToUniversalTime()) : DateTimeOffset.MinValue;
            foreach (var entry in journal.Entries())
            {
                if (entry.At < since) continue;
                if (State is not null && !State.Contains(entry.State)) continue;
                if (patterns is not null && !patterns.Any(p => p.IsMatch(entry.Fingerprint))) continue;
                WriteObject(entry);
            }
        });
    }
}
