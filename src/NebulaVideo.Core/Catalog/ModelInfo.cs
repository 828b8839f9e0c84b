using System;
using System.Collections.Generic;
using System.Linq;

namespace NebulaVideo.Core.Catalog
{
    public enum ImageRequirement
    {
        None,
        Optional,
        Required,
    }

    /// <summary>
    /// One model the module can drive, as catalog data: which dialect speaks to it, every limit it has and
    /// what it costs. Nothing about a model is written in code; a user file can change any of it.
    /// </summary>
    public sealed record ModelInfo
    {
        public string Name { get; init; } = string.Empty;

        /// <summary>The gateway dialect that serves it ("Nebula", "Unified").</summary>
        public string Dialect { get; init; } = string.Empty;

        public string Description { get; init; } = string.Empty;

        /// <summary>The request layout within its dialect, for dialects whose models differ ("sora" on Nebula).</summary>
        public string? Layout { get; init; }

        public ImageRequirement Image { get; init; }
        public IReadOnlyList<string> ImageFormats { get; init; } = Array.Empty<string>();

        /// <summary>Largest image file the model takes, when it publishes one.</summary>
        public long? MaxImageBytes { get; init; }

        /// <summary>Smallest and largest width and height in pixels, when published.</summary>
        public int? ImageMinPixels { get; init; }
        public int? ImageMaxPixels { get; init; }

        /// <summary>The image must have exactly the output frame size (sora-2).</summary>
        public bool ImageMatchesSize { get; init; }

        /// <summary>Longest prompt in characters, when published.</summary>
        public int? PromptMaxLength { get; init; }

        /// <summary>Seconds of video it makes; empty when not known (then any duration is passed on).</summary>
        public IReadOnlyList<int> Durations { get; init; } = Array.Empty<int>();
        public int? DefaultDuration { get; init; }

        /// <summary>Named resolutions (480p...) for models priced by resolution; empty otherwise.</summary>
        public IReadOnlyList<string> Resolutions { get; init; } = Array.Empty<string>();
        public string? DefaultResolution { get; init; }

        /// <summary>Exact frame sizes (1280x720...) for models that take one; empty otherwise.</summary>
        public IReadOnlyList<string> Sizes { get; init; } = Array.Empty<string>();
        public string? DefaultSize { get; init; }

        /// <summary>USD per second of video by resolution ("*" prices all alike); null where no price is published.</summary>
        public IReadOnlyDictionary<string, decimal>? PricePerSecondUsd { get; init; }

        /// <summary>The model-specific parameters it accepts, by their PowerShell parameter names.</summary>
        public IReadOnlyList<string> Options { get; init; } = Array.Empty<string>();

        /// <summary>The id prefix of the tasks a remix may start from (sora-2: "video_").</summary>
        public string? RemixIdPrefix { get; init; }

        /// <summary>The day the gateway stops serving the model, when it has announced one (a catalog file sets it).</summary>
        public DateTime? Retires { get; init; }

        /// <summary>The model to move to before <see cref="Retires"/>, when the gateway names one.</summary>
        public string? Replacement { get; init; }

        /// <summary>Where the entry came from: "built-in", a user file's path, or "pass-through" (not in any catalog).</summary>
        public string Source { get; init; } = "built-in";

        /// <summary>True for a model in no catalog, sent on the user's explicit request with nothing checked but the basics.</summary>
        public bool IsPassThrough => Source == PassThroughSource;

        internal const string PassThroughSource = "pass-through";

        /// <summary>The resolution or size a request gets when it names none.</summary>
        public string? DefaultFormat => DefaultResolution ?? DefaultSize;

        public bool IsPriced => PricePerSecondUsd is not null;

        public bool Accepts(string option) => Options.Contains(option, StringComparer.OrdinalIgnoreCase);

        /// <summary>USD per second at a resolution (or size), the default resolution (or size) when null; null where the price is unknown.</summary>
        public decimal? PricePerSecond(string? resolution)
        {
            if (PricePerSecondUsd is null) return null;
            if (PricePerSecondUsd.TryGetValue("*", out var flat)) return flat;
            var key = resolution ?? DefaultFormat ?? string.Empty;
            foreach (var pair in PricePerSecondUsd)
                if (string.Equals(pair.Key, key, StringComparison.OrdinalIgnoreCase)) return pair.Value;
            return null;
        }

        /// <summary>The seed documents' formula, price per second x seconds x group ratio; null where either is unknown.</summary>
        public decimal? EstimateCost(string? resolution, int? seconds, decimal groupRatio = 1m) =>
            PricePerSecond(resolution) is decimal price && (seconds ?? DefaultDuration) is int s ? price * s * groupRatio : (decimal?)null;

        public override string ToString() => Name;
    }
}
