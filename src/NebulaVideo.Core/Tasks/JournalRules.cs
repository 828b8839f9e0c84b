using System;

namespace NebulaVideo.Core.Tasks
{
    /// <summary>
    /// The never-pay-twice decisions every journal store makes alike, given the latest record of a request. How a
    /// store tells a live submitter from a dead one is its own (the file journal: the owner's process on this
    /// machine, or staleness; a shared table: a lease).
    /// </summary>
    public static class JournalRules
    {
        /// <summary>How long gateways keep tasks: an older submission is not resumed (its video is gone).</summary>
        public static readonly TimeSpan Retention = TimeSpan.FromHours(24);

        /// <summary>True when a rerun reads this record's task instead of paying again: submitted, with a task id, within the retention.</summary>
        public static bool IsResumable(JournalEntry entry) =>
            entry.State == JournalState.Submitted && entry.TaskId is not null && DateTimeOffset.UtcNow - entry.At < Retention;

        /// <summary>
        /// What a run may do with a request whose latest record is <paramref name="earlier"/> (null: none), or with any
        /// request when <paramref name="force"/>d; <see cref="ClaimKind.Submit"/> means the caller records its Submitting
        /// record and posts. <paramref name="isAlive"/> says whether the run that wrote a Submitting record is still
        /// waiting for its answer.
        /// </summary>
        public static JournalClaim Decide(JournalEntry? earlier, bool force, Func<JournalEntry, bool> isAlive)
        {
            if (force || earlier is null || earlier.State == JournalState.Refused) return new JournalClaim(ClaimKind.Submit, null);
            if (IsResumable(earlier))
                return new JournalClaim(ClaimKind.Resume, earlier);
            if (earlier.State == JournalState.Submitting && DateTimeOffset.UtcNow - earlier.At < Retention)
                return new JournalClaim(isAlive(earlier) ? ClaimKind.InProgress : ClaimKind.OutcomeUnknown, earlier);
            if (earlier.State == JournalState.Unanswered && DateTimeOffset.UtcNow - earlier.At < Retention)
                return new JournalClaim(ClaimKind.OutcomeUnknown, earlier);
            return new JournalClaim(ClaimKind.Submit, null);
        }
    }
}
