using System.Collections.Generic;
using NebulaVideo.Core.Images;

namespace NebulaVideo.Core
{
    /// <summary>
    /// One video to generate, as the user asked for it. Optional values stay null until the catalog
    /// fills in the model's defaults (<see cref="Catalog.ModelCatalog.Resolve(VideoRequest, Catalog.ModelInfo)"/>).
    /// </summary>
    public sealed record VideoRequest
    {
        public string Model { get; init; } = Catalog.ModelCatalog.DefaultModel;
        public string Prompt { get; init; } = string.Empty;
        public ImageInput? Image { get; init; }

        /// <summary>Seconds of video, one of the model's durations.</summary>
        public int? Duration { get; init; }

        /// <summary>480p, 720p or 1080p, for models priced by resolution (the unified gateway calls it quality).</summary>
        public string? Resolution { get; init; }

        /// <summary>sora-2: 720x1280 or 1280x720.</summary>
        public string? Size { get; init; }

        public long? Seed { get; init; }
        public bool? SmartRewrite { get; init; }
        public bool? GenerateAudio { get; init; }
        public string? AudioUrl { get; init; }

        /// <summary>sora-2 remix: the id (video_...) of a finished task to regenerate from.</summary>
        public string? RemixFromVideoId { get; init; }

        /// <summary>sora-2: the end user's identifier, passed through.</summary>
        public string? User { get; init; }

        /// <summary>Unified gateway: the https address it calls when the task ends.</summary>
        public string? CallbackUrl { get; init; }

        /// <summary>More body fields for the gateway, as given (-Parameter); never one the module sets itself.</summary>
        public IReadOnlyDictionary<string, object?> ExtraFields { get; init; } = new Dictionary<string, object?>();
    }
}
