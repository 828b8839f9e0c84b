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

    /// <summary>One model the module can drive: what it accepts and what it costs.</summary>
    public sealed class ModelInfo
    {
        internal ModelInfo(string name, string gateway, string description, ImageRequirement image,
            IReadOnlyList<string> imageFormats, long maxImageBytes, IReadOnlyList<int> durations, int defaultDuration,
            IReadOnlyList<string> resolutions, string? defaultResolution, IReadOnlyList<string> sizes, string? defaultSize,
            IReadOnlyDictionary<string, decimal> pricePerSecondUsd, IReadOnlyList<string> options)
        {
            Name = name;
            Gateway = gateway;
            Description = description;
            Image = image;
            ImageFormats = imageFormats;
            MaxImageBytes = maxImageBytes;
            Durations = durations;
            DefaultDuration = defaultDuration;
            Resolutions = resolutions;
            DefaultResolution = defaultResolution;
            Sizes = sizes;
            DefaultSize = defaultSize;
            PricePerSecondUsd = pricePerSecondUsd;
            Options = options;
        }

        public string Name { get; }
        public string Gateway { get; }
        public string Description { get; }
        public ImageRequirement Image { get; }
        public IReadOnlyList<string> ImageFormats { get; }
        public long MaxImageBytes { get; }
        public IReadOnlyList<int> Durations { get; }
        public int DefaultDuration { get; }

        /// <summary>Named resolutions (480p...) for models priced by resolution; empty otherwise.</summary>
        public IReadOnlyList<string> Resolutions { get; }
        public string? DefaultResolution { get; }

        /// <summary>Exact frame sizes (1280x720...) for models that take one; empty otherwise.</summary>
        public IReadOnlyList<string> Sizes { get; }
        public string? DefaultSize { get; }

        /// <summary>USD per second of video, by resolution; the key "*" prices every resolution alike.</summary>
        public IReadOnlyDictionary<string, decimal> PricePerSecondUsd { get; }

        /// <summary>The model-specific parameters it accepts, by their PowerShell parameter names.</summary>
        public IReadOnlyList<string> Options { get; }

        /// <summary>The resolution or size a request gets when it names none.</summary>
        public string? DefaultFormat => DefaultResolution ?? DefaultSize;

        public bool Accepts(string option) => Options.Contains(option, StringComparer.OrdinalIgnoreCase);

        /// <summary>USD per second at a resolution (or size); the default resolution when null.</summary>
        public decimal PricePerSecond(string? resolution)
        {
            if (PricePerSecondUsd.TryGetValue("*", out var flat)) return flat;
            var key = resolution ?? DefaultResolution ?? string.Empty;
            foreach (var pair in PricePerSecondUsd)
                if (string.Equals(pair.Key, key, StringComparison.OrdinalIgnoreCase)) return pair.Value;
            throw new NebulaVideoException("ResolutionNotSupported", ErrorKind.InvalidArgument,
                $"{Name} has no price for resolution '{key}'. It offers: {string.Join(", ", Resolutions)}.", key,
                $"Use one of: {string.Join(", ", Resolutions)}.");
        }

        /// <summary>The seed documents' formula: price per second x seconds x the account's group ratio.</summary>
        public decimal EstimateCost(string? resolution, int seconds, decimal groupRatio = 1m) =>
            PricePerSecond(resolution) * seconds * groupRatio;

        public override string ToString() => Name;
    }
}
