using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

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

        /// <summary>
        /// An image may declare transparency (an alpha channel or a transparent colour; the catalog's "imageTransparency").
        /// False: such an image is refused before it is sent (the unified gateway's wan models). True unless the catalog says otherwise.
        /// </summary>
        public bool ImageTransparency { get; init; } = true;

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

        /// <summary>
        /// The day the model stops being served, by its gateway or by the gateway's own upstream, when one is
        /// announced (the catalog's "retires"): the model is <see cref="ModelLifecycle.Retiring"/> before it and
        /// <see cref="ModelLifecycle.Retired"/> from it on.
        /// </summary>
        public DateTime? Retires { get; init; }

        /// <summary>What the catalog says about the model's lifecycle: why it retires, what still works (the catalog's "lifecycleNote").</summary>
        public string? LifecycleNote { get; init; }

        /// <summary>The model to move to, when there is one (the catalog's "replacement").</summary>
        public string? Replacement { get; init; }

        /// <summary>Where the entry came from: "built-in", a user file's path, or "pass-through" (not in any catalog).</summary>
        public string Source { get; init; } = "built-in";

        /// <summary>True for a model in no catalog, sent on the user's explicit request with nothing checked but the basics.</summary>
        public bool IsPassThrough => Source == PassThroughSource;

        internal const string PassThroughSource = "pass-through";

        /// <summary>
        /// The resolution a request gets: the one given, else the model's default. A sized model's resolution is its
        /// frame size (720x1280), the one name the module uses for both, as -Resolution and a task's Resolution do.
        /// </summary>
        public string? ResolutionOrDefault(string? resolution) => resolution ?? DefaultResolution ?? DefaultSize;

        public bool IsPriced => PricePerSecondUsd is not null;

        /// <summary>Active, Retiring or Retired today, the day taken in UTC.</summary>
        public ModelLifecycle Lifecycle => LifecycleOn(DateTime.UtcNow);

        /// <summary>Active without a retirement day; Retiring while that day is after <paramref name="day"/>; Retired on it and after.</summary>
        public ModelLifecycle LifecycleOn(DateTime day) =>
            Retires is not DateTime retires ? ModelLifecycle.Active
            : retires.Date > day.Date ? ModelLifecycle.Retiring
            : ModelLifecycle.Retired;

        /// <summary>
        /// Retired and naming a replacement: listings leave it out, since the replacement takes its place. A
        /// retired model without one stays listed, as nothing else offers what it does and a gateway may still
        /// serve it. Asked for by name, any model is given.
        /// </summary>
        public bool IsSupersededOn(DateTime day) => LifecycleOn(day) == ModelLifecycle.Retired && Replacement is not null;

        /// <summary>What to say, once per command, before a retiring or retired model is used; null for an active model.</summary>
        public string? LifecycleWarning() => LifecycleWarning(DateTime.UtcNow);

        /// <summary>
        /// The warning as of <paramref name="day"/>: the model, its retirement day, the catalog's note and the
        /// replacement. A retired model is still sent (the module refuses no model a gateway may serve), so the
        /// text says that too. Null for a model active on that day.
        /// </summary>
        public string? LifecycleWarning(DateTime day)
        {
            if (Retires is not DateTime retires) return null;
            var date = retires.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            var lifecycle = LifecycleOn(day);
            var text = new StringBuilder();
            if (lifecycle == ModelLifecycle.Retired) text.Append(Name).Append(" was retired on ").Append(date);
            else
            {
                var days = (retires.Date - day.Date).Days;
                text.Append(Name).Append(" retires on ").Append(date).Append(", in ").Append(days).Append(days == 1 ? " day" : " days");
            }
            if (string.IsNullOrWhiteSpace(LifecycleNote)) text.Append('.');
            else
            {
                var note = LifecycleNote!.Trim();
                text.Append(": ").Append(note);
                if (!note.EndsWith(".", StringComparison.Ordinal) && !note.EndsWith("!", StringComparison.Ordinal) && !note.EndsWith("?", StringComparison.Ordinal))
                    text.Append('.');
            }
            if (Replacement is string replacement)
                text.Append(" Move to ").Append(replacement).Append(lifecycle == ModelLifecycle.Retiring ? " before then." : ".");
            else if (string.IsNullOrWhiteSpace(LifecycleNote))
                // Without a note the absence of a replacement would go unsaid; with one, the note speaks for it.
                text.Append(" No replacement is named.");
            if (lifecycle == ModelLifecycle.Retired) text.Append(" NebulaVideo still sends it; the gateway may refuse it.");
            return text.ToString();
        }

        public bool Accepts(string option) => Options.Contains(option, StringComparer.OrdinalIgnoreCase);

        /// <summary>USD per second at a resolution (or size), the default resolution (or size) when null; null where the price is unknown.</summary>
        public decimal? PricePerSecond(string? resolution)
        {
            if (PricePerSecondUsd is null) return null;
            if (PricePerSecondUsd.TryGetValue("*", out var flat)) return flat;
            var key = ResolutionOrDefault(resolution) ?? string.Empty;
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
