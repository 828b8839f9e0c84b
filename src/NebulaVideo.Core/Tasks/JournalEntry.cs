using System;

namespace NebulaVideo.Core.Tasks
{
    /// <summary>What the journal knows about one request.</summary>
    public enum JournalState
    {
        /// <summary>About to be posted; if nothing follows, the run stopped before the answer and the task may exist.</summary>
        Submitting,
        /// <summary>The gateway created the task; its id is recorded.</summary>
        Submitted,
        /// <summary>The gateway refused it (an error answer): nothing was created, so it may be sent again.</summary>
        Refused,
        /// <summary>The task's video was saved (<see cref="JournalEntry.SavedTo"/>): a record of its own, keyed by the task (<see cref="JournalEntry.Key"/>).</summary>
        Saved,
        /// <summary>
        /// Posted, and its answer did not arrive whole (<see cref="JournalEntry.Outcome"/>, <see cref="JournalEntry.Answer"/>):
        /// the task may exist and be billed, so no run sends it again unless forced.
        /// </summary>
        Unanswered,
    }

    /// <summary>
    /// One record of the journal: a request's fingerprint, how far it got, and what a later run needs to know of it;
    /// or a saved video. The facts a rerun needs of a task go between entries and tasks only here
    /// (<see cref="Submitting"/>, <see cref="Fill"/>, <see cref="ToTask"/>): a fact that must survive a rerun is
    /// added to those two lists, and to the line format (JournalLine).
    /// </summary>
    public sealed record JournalEntry(string Fingerprint, JournalState State, string? TaskId, string? Model, string? Source, DateTimeOffset At)
    {
        public string? Connection { get; init; }
        public Uri? Gateway { get; init; }
        public string? Dialect { get; init; }
        public string? Prompt { get; init; }
        public int? Duration { get; init; }
        public string? Resolution { get; init; }
        public decimal? EstimatedCostUsd { get; init; }

        /// <summary>Where the request's local image was staged (an address without its SAS), so a rerun knows it without uploading.</summary>
        public string? StagedImage { get; init; }

        /// <summary>Where Save-NebulaVideo wrote the task's video (Saved entries only).</summary>
        public string? SavedTo { get; init; }

        /// <summary>Who wrote it (host, process, journal object), so a run can tell a live submission from a crashed one.</summary>
        public string? Owner { get; init; }

        /// <summary>Unanswered entries: what happened to the submission (when it was sent, how it broke off).</summary>
        public string? Outcome { get; init; }

        /// <summary>Unanswered entries: what of the answer arrived (its status, its first bytes); null when nothing did.</summary>
        public string? Answer { get; init; }

        /// <summary>
        /// What the journal keeps this record under (the latest record of a key is what the journal knows of it): a
        /// request's records share its <see cref="Fingerprint"/>; a saved video's share its task's <see cref="SavedKey"/>,
        /// so saving a video never takes the place of the request that made it.
        /// </summary>
        internal string Key => State == JournalState.Saved && TaskId is not null ? SavedKey(TaskId) : Fingerprint;

        /// <summary>
        /// The key of a task's saved video. Journal files have always carried it as a Saved line's fingerprint, and
        /// still do (so every version reads them alike); that is also what Get-NebulaVideoJournal shows, filters and
        /// binds as a Saved entry's Fingerprint.
        /// </summary>
        internal static string SavedKey(string taskId) => "saved:" + taskId;

        /// <summary>The first characters of the fingerprint, enough to tell entries apart (Get-NebulaVideoJournal -Fingerprint).</summary>
        public string ShortFingerprint() => ShortFingerprint(Fingerprint);

        public static string ShortFingerprint(string fingerprint) => fingerprint.Length > 12 ? fingerprint.Substring(0, 12) : fingerprint;

        /// <summary>
        /// The record of a request about to be posted, with everything a later run needs of its task, taken from the
        /// task as the submitter knows it before the answer (<paramref name="task"/>: model, prompt, image, ...).
        /// </summary>
        public static JournalEntry Submitting(string fingerprint, VideoTask task) =>
            new(fingerprint, JournalState.Submitting, null, task.Model, task.SourceImage, DateTimeOffset.UtcNow)
            {
                Prompt = task.Prompt,
                Duration = task.Duration,
                Resolution = task.Resolution,
                EstimatedCostUsd = task.EstimatedCostUsd,
                Gateway = task.Gateway,
                Connection = task.Connection,
                Dialect = task.Dialect,
                StagedImage = task.StagedImage,
            };

        /// <summary>
        /// The task with what it lacks taken from this record: what only its submitter knew (prompt, image, estimate)
        /// and where it lives (gateway, connection), so a task that lost them (a bare id, a CSV with a few columns)
        /// goes home and is named after its image. What the task knows stays as it is.
        /// </summary>
        public VideoTask Fill(VideoTask task) => task with
        {
            Model = string.IsNullOrEmpty(task.Model) ? Model ?? string.Empty : task.Model,
            SourceImage = task.SourceImage ?? Source,
            SubmittedAt = task.SubmittedAt ?? At,
            Prompt = task.Prompt ?? Prompt,
            Duration = task.Duration ?? Duration,
            Resolution = task.Resolution ?? Resolution,
            EstimatedCostUsd = task.EstimatedCostUsd ?? EstimatedCostUsd,
            Gateway = task.Gateway ?? Gateway,
            Connection = task.Connection ?? Connection,
            Dialect = task.Dialect ?? Dialect,
            StagedImage = task.StagedImage ?? StagedImage,
        };

        /// <summary>The submitted task as this record knows it, its status still to be read from its gateway.</summary>
        public VideoTask ToTask() => Fill(new VideoTask { TaskId = TaskId ?? string.Empty, ProviderStatus = "unknown" });

        /// <summary>The gateway created the task: this submission's record, now with its id.</summary>
        public JournalEntry Submitted(string taskId) => this with { State = JournalState.Submitted, TaskId = taskId, At = DateTimeOffset.UtcNow };

        /// <summary>The gateway refused this submission (or was never reached): nothing was created.</summary>
        public JournalEntry Refused() => this with { State = JournalState.Refused, At = DateTimeOffset.UtcNow };

        /// <summary>This submission was posted and its answer did not arrive whole: what happened, and what of it arrived.</summary>
        public JournalEntry Unanswered(string outcome, string? answer) =>
            this with { State = JournalState.Unanswered, Outcome = outcome, Answer = answer, At = DateTimeOffset.UtcNow };

        /// <summary>
        /// The task this (resumable) record names, for a rerun that reads it instead of paying again: the task as the rerun
        /// knows it (<paramref name="task"/>), with the id and the submission time recorded here.
        /// </summary>
        public VideoTask Resume(VideoTask task) => task with { TaskId = TaskId!, SubmittedAt = At, Resumed = true, StagedImage = task.StagedImage ?? StagedImage };

        /// <summary>
        /// The record of a saved video: where it went, and which task it came from. It names the task (model, image,
        /// gateway, connection) and leaves the request's facts (prompt, estimate) to the request's own records.
        /// </summary>
        public static JournalEntry Saved(VideoTask task, string path) =>
            new(SavedKey(task.TaskId), JournalState.Saved, task.TaskId, task.Model, task.SourceImage, DateTimeOffset.UtcNow)
            {
                Connection = task.Connection,
                Gateway = task.Gateway,
                Dialect = task.Dialect,
                SavedTo = path,
            };
    }
}
