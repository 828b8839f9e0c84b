using NebulaVideo.Core.Images;

namespace NebulaVideo.Core
{
    /// <summary>
    /// One video to generate, as the user asked for it. Optional values stay null until the catalog
    /// fills in the model's defaults (<see cref="Catalog.ModelCatalog.Resolve"/>).
    /// </summary>
    public sealed record VideoRequest
    {
        public string Model { get; init; } = Catalog.ModelCatalog.DefaultModel;
        public string Prompt { get; init; } = string.Empty;
        public ImageInput? Image { get; init; }

        /// <summary>Seconds of video: 5 or 10 for wan2.5, 4, 8 or 12 for sora-2.</summary>
        public int? Duration { get; init; }

        /// <summary>wan2.5: 480p, 720p or 1080p.</summary>
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
    }
}
