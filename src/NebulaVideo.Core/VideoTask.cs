using System;

namespace NebulaVideo.Core
{
    /// <summary>
    /// A video task in one shape for every gateway and model. Immutable: each refresh from the gateway
    /// makes a new instance that keeps what only the submitter knew (prompt, source image, estimate).
    /// </summary>
    public sealed record VideoTask
    {
        public string TaskId { get; init; } = string.Empty;
        public string Model { get; init; } = string.Empty;
        public VideoStatus Status { get; init; }

        /// <summary>The gateway's own status word(s), kept as it sent them (e.g. "in_progress/RUNNING").</summary>
        public string ProviderStatus { get; init; } = string.Empty;

        /// <summary>0-100. The gateway's figure when it sends one; otherwise 0 queued, 50 running, 100 finished.</summary>
        public int Progress { get; init; }

        public string? Prompt { get; init; }
        public int? Duration { get; init; }

        /// <summary>480p/720p/1080p, or the frame size (1280x720...) for sora-2.</summary>
        public string? Resolution { get; init; }

        /// <summary>Where the finished video can be fetched: a signed link (valid 24 h); null for sora-2, which downloads by task id.</summary>
        public Uri? VideoUrl { get; init; }

        public string? ErrorCode { get; init; }
        public string? ErrorMessage { get; init; }
        /// <summary>
        /// In USD: the catalog's price for what was submitted, or for a task read by id alone, the gateway's own
        /// model_price x seconds x group ratio (wan2.5); null where no price is known (never 0 for unknown).
        /// </summary>
        public decimal? EstimatedCostUsd { get; init; }

        /// <summary>What the gateway reserved for the task, in its own credits (unified gateway: usage.credits_reserved).</summary>
        public decimal? CreditsReserved { get; init; }

        /// <summary>The gateway's estimate of the seconds still to go, when it gives one.</summary>
        public int? EstimatedSecondsLeft { get; init; }

        /// <summary>The account's price multiplier as the gateway reported it (1 when it did not).</summary>
        public decimal GroupRatio { get; init; } = 1m;

        /// <summary>The image the video started from: a path or URL ("(data URI)" for inline data).</summary>
        public string? SourceImage { get; init; }

        /// <summary>
        /// 1 for the first request of its New-NebulaVideo command made from an image of this name, 2 for the second...
        /// Save-NebulaVideo names only the first after the image alone (harbor.mp4) and adds the task id to the others,
        /// so names follow the input's order, never the order tasks finish in. Null when unknown (counted as the first).
        /// </summary>
        public int? ImageOccurrence { get; init; }

        /// <summary>
        /// Where the local image was staged for a gateway that takes images only by URL (the session's image store):
        /// its address without any SAS or query. Null when the image went inline or as the user's own URL.
        /// </summary>
        public string? StagedImage { get; init; }

        public DateTimeOffset? SubmittedAt { get; init; }
        /// <summary>
        /// When the task finished: the gateway's end time where it gives one (wan2.5), else the moment this client saw
        /// it finish; null when it was first read already finished and the answer gives no time.
        /// </summary>
        public DateTimeOffset? CompletedAt { get; init; }

        /// <summary>The gateway the task lives on (its connection's base URI), so later calls go back to the same place.</summary>
        public Uri? Gateway { get; init; }

        /// <summary>The name of the connection that submitted or last read the task.</summary>
        public string? Connection { get; init; }

        /// <summary>The gateway dialect of the task ("Nebula", "Unified").</summary>
        public string? Dialect { get; init; }

        /// <summary>Where Save-NebulaVideo wrote the video, as the journal recorded it (Get-NebulaVideoTask -FromJournal).</summary>
        public string? SavedTo { get; init; }

        /// <summary>
        /// The journal that recorded the submission (New-NebulaVideo) or listed the task (Get-NebulaVideoTask
        /// -FromJournal): Save-NebulaVideo records the saved file in the same one unless told another.
        /// </summary>
        public string? JournalPath { get; init; }

        /// <summary>True when New-NebulaVideo found the request in the journal and read its task instead of paying again.</summary>
        public bool Resumed { get; init; }

        /// <summary>The gateway's last answer about this task, verbatim.</summary>
        public string? RawJson { get; init; }

        public bool IsFinished => Status.IsFinished();

        public override string ToString() => TaskId;
    }
}
