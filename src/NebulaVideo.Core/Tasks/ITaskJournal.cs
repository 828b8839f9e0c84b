using System;
using System.Collections.Generic;

namespace NebulaVideo.Core.Tasks
{
    /// <summary>What a run may do with a request, decided atomically for every run sharing the journal.</summary>
    public enum ClaimKind
    {
        /// <summary>Nothing is known of it (or it was refused, or -Force): this run submits it, and has recorded that it is about to.</summary>
        Submit,
        /// <summary>It was submitted within the gateway's retention: read its task instead of paying again.</summary>
        Resume,
        /// <summary>Another run (runspace, process, host) is submitting it right now: wait for its answer.</summary>
        InProgress,
        /// <summary>A run began submitting it and stopped before the answer: the task may exist and be billed.</summary>
        OutcomeUnknown,
    }

    public sealed record JournalClaim(ClaimKind Kind, JournalEntry? Earlier);

    /// <summary>
    /// The journal as its users see it, whatever holds it: the record of submissions that lets a run that crashed,
    /// was killed or was stopped run again without paying twice, and of the videos saved. Every run sharing one
    /// journal (runspaces, processes, hosts) sees the others' records, and claims a request atomically. The file
    /// journal (<see cref="TaskJournal"/>) is one store; the decisions every store makes alike are in <see cref="JournalRules"/>.
    /// </summary>
    public interface ITaskJournal
    {
        /// <summary>Where the journal is, as a user names it again (-JournalPath; a task's JournalPath): a file's full path.</summary>
        string Location { get; }

        /// <summary>
        /// How a user finds a request's record in this journal, for the advice of an error about it (SubmitOutcomeUnknown):
        /// the command that shows it, and for a table the row itself. One or two sentences, ending with a full stop.
        /// </summary>
        string DescribeEntry(string fingerprint);

        /// <summary>
        /// Decides what this run does with a request; when the answer is <see cref="ClaimKind.Submit"/> the Submitting
        /// record (<paramref name="submitting"/>) is already written.
        /// </summary>
        JournalClaim Claim(JournalEntry submitting, bool force);

        /// <summary>Records what became of a submission this run claimed (<see cref="JournalEntry.Submitted"/>, Refused, Unanswered).</summary>
        void Record(JournalEntry entry);

        /// <summary>The request's submission if a rerun would resume it: submitted, with a task id, within the retention.</summary>
        JournalEntry? FindResumable(string fingerprint);

        /// <summary>The record of a task's submission, if this journal holds it.</summary>
        JournalEntry? FindTask(string taskId);

        /// <summary>Where the task's video was saved, if the journal recorded it.</summary>
        string? SavedTo(string taskId);

        /// <summary>Records where a task's video went, so a later run knows what is still unsaved.</summary>
        void RecordSaved(VideoTask task, string path);

        /// <summary>
        /// Removes every record older than <paramref name="before"/> (and whatever is not a record). Returns how many
        /// requests', and how many saved videos', records were removed entirely.
        /// </summary>
        (int Requests, int Saves) Prune(DateTimeOffset before);

        /// <summary>The latest record of every request and of every saved video, oldest first.</summary>
        IReadOnlyList<JournalEntry> Entries();
    }
}
