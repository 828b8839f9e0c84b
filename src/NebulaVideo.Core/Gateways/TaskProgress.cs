using System;

namespace NebulaVideo.Core.Gateways
{
    /// <summary>Status words, progress figures and completion times every dialect reads alike.</summary>
    internal static class TaskProgress
    {
        /// <summary>
        /// One status word in the module's vocabulary; null for a word it does not know. The gateways have
        /// been seen to use all of these across their model families.
        /// </summary>
        public static VideoStatus? Status(string? word)
        {
            switch (word?.Trim().ToLowerInvariant())
            {
                case "submitted": case "queued": case "pending": case "not_start": return VideoStatus.Queued;
                case "in_progress": case "processing": case "running": return VideoStatus.Running;
                case "succeeded": case "success": case "completed": return VideoStatus.Succeeded;
                case "failed": case "failure": case "canceled": case "cancelled": case "unknown": return VideoStatus.Failed;
                case "expired": return VideoStatus.Expired;
                default: return null;
            }
        }

        /// <summary>Progress for answers without a figure: 0 queued, 50 running, 100 finished.</summary>
        public static int Default(VideoStatus status) => status switch
        {
            VideoStatus.Queued => 0,
            VideoStatus.Running => 50,
            _ => 100,
        };

        /// <summary>
        /// When a task finished, as honestly as this client can tell: the gateway's own time when its answer
        /// states one; else the time known from an earlier read; else now, but only when this client's previous
        /// answer about the task (<paramref name="known"/> was read from the gateway) showed it unfinished, so the
        /// end fell between the two reads. A task first seen already finished ended at some unknown earlier moment:
        /// null, rather than a time that changes with every read.
        /// </summary>
        public static DateTimeOffset? CompletedAt(VideoStatus status, DateTimeOffset? stated, VideoTask known)
        {
            if (!status.IsFinished()) return null;
            if (stated is not null) return stated;
            if (known.CompletedAt is not null) return known.CompletedAt;
            var sawItFinish = known.RawJson is not null && !known.IsFinished;
            return sawItFinish ? DateTimeOffset.UtcNow : null;
        }
    }
}
