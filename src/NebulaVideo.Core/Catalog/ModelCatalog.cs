using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace NebulaVideo.Core.Catalog
{
    /// <summary>
    /// The models the module knows, read from the embedded models.json, and the one place that checks a
    /// request against a model before any money is spent.
    /// </summary>
    public sealed class ModelCatalog
    {
        public const string DefaultModel = "wan2.5-i2v-preview";

        private static readonly Lazy<ModelCatalog> BuiltInCatalog = new Lazy<ModelCatalog>(LoadBuiltIn);
        private readonly IReadOnlyList<ModelInfo> _models;

        public ModelCatalog(IEnumerable<ModelInfo> models) => _models = models.ToList();

        public static ModelCatalog BuiltIn => BuiltInCatalog.Value;

        public IReadOnlyList<ModelInfo> Models => _models;

        public ModelInfo? Find(string name) =>
            _models.FirstOrDefault(m => string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase));

        /// <summary>The model by name, or an UnknownModel error that lists the ones there are.</summary>
        public ModelInfo Get(string name) =>
            Find(name) ?? throw new NebulaVideoException("UnknownModel", ErrorKind.InvalidArgument,
                $"'{name}' is not a model NebulaVideo knows. Known models: {string.Join(", ", _models.Select(m => m.Name))}.",
                name, "Run Get-NebulaVideoModel to see the models and what they accept.");

        /// <summary>
        /// Checks every field of the request against its model and fills in the model's defaults. Throws
        /// <see cref="NebulaVideoException"/> for the first problem, with the offending value as its target.
        /// </summary>
        public VideoRequest Resolve(VideoRequest request)
        {
            var model = Get(request.Model);
            var resolved = request with { Model = model.Name };

            if (string.IsNullOrWhiteSpace(request.Prompt))
                throw Invalid("PromptRequired", "The prompt is empty.", request.Prompt,
                    "Describe the motion and scene you want with -Prompt.");

            RejectUnsupportedOptions(model, request);

            var (format, duration) = ResolveFormat(model, request.Resolution, request.Size ?? (request.Resolution is null ? SizeFromImage(model, request) : null), request.Duration);
            resolved = model.Sizes.Count > 0
                ? resolved with { Size = format, Resolution = null, Duration = duration }
                : resolved with { Resolution = format, Duration = duration };

            CheckImage(model, resolved);

            if (request.Seed is long seed && (seed < 0 || seed > int.MaxValue))
                throw Invalid("SeedOutOfRange", $"The seed {seed} is outside 0..2147483647.", seed, "Use a seed from 0 to 2147483647.");

            if (request.AudioUrl is string audio &&
                (!Uri.TryCreate(audio, UriKind.Absolute, out var audioUri) || audioUri.Scheme != Uri.UriSchemeHttps))
                throw Invalid("AudioUrlInvalid", $"The audio URL '{audio}' is not an https URL.", audio,
                    "Give an https:// link to the audio file.");

            if (request.RemixFromVideoId is string remix && !remix.StartsWith("video_", StringComparison.Ordinal))
                throw Invalid("RemixSourceInvalid", $"'{remix}' is not a sora-2 video id; remix ids start with video_.", remix,
                    "Pass a finished sora-2 task, or its TaskId, to -RemixFrom.");

            return resolved;
        }

        /// <summary>
        /// Checks a duration and a resolution or size against the model and fills in its defaults: all a
        /// price depends on. Returns the resolution (or size) and the seconds.
        /// </summary>
        public static (string Format, int Duration) ResolveFormat(ModelInfo model, string? resolution, string? size, int? duration)
        {
            var seconds = duration ?? model.DefaultDuration;
            if (!model.Durations.Contains(seconds))
                throw Invalid("DurationNotSupported", $"{model.Name} cannot make a {seconds}-second video.", seconds,
                    $"Use -Duration {string.Join(" or ", model.Durations)}.");

            if (model.Resolutions.Count > 0)
            {
                if (size is not null)
                    throw NotSupported(model, "Size", size, $"Use -Resolution {string.Join(" or ", model.Resolutions)} instead.");
                return (Pick(model, model.Resolutions, resolution, model.DefaultResolution!, "Resolution"), seconds);
            }
            // A sized model's "resolution" is its frame size, so one Resolution column serves every model in a CSV.
            if (size is not null && resolution is not null && !string.Equals(size, resolution, StringComparison.OrdinalIgnoreCase))
                throw Invalid("SizeConflict", $"-Size {size} and -Resolution {resolution} disagree.", resolution, "Give the frame size once, with -Size.");
            return (Pick(model, model.Sizes, size ?? resolution, model.DefaultSize!, "Size"), seconds);
        }

        private static void RejectUnsupportedOptions(ModelInfo model, VideoRequest request)
        {
            var given = new (string Name, object? Value)[]
            {
                ("Seed", request.Seed), ("SmartRewrite", request.SmartRewrite), ("GenerateAudio", request.GenerateAudio),
                ("AudioUrl", request.AudioUrl), ("RemixFrom", request.RemixFromVideoId), ("User", request.User),
            };
            foreach (var (name, value) in given)
                if (value is not null && !model.Accepts(name))
                    throw NotSupported(model, name, value, $"Leave -{name} out for {model.Name}.");
        }

        private static void CheckImage(ModelInfo model, VideoRequest request)
        {
            var image = request.Image;
            if (image is null)
            {
                if (model.Image == ImageRequirement.Required)
                    throw Invalid("ImageRequired", $"{model.Name} turns an image into a video, and no image was given.", model.Name,
                        "Give the first frame with -Path, -LiteralPath or -ImageUrl, or pipe image files in.");
                return;
            }
            if (model.Image == ImageRequirement.None)
                throw NotSupported(model, "Path", image.DisplayName, "Leave the image out.");
            if (request.RemixFromVideoId is not null)
                throw Invalid("RemixWithImage", "A remix starts from a video, not an image.", image.DisplayName,
                    "Leave the image out when you use -RemixFrom.");

            // Sora takes a reference image only at exactly the output frame size.
            if (request.Size is string size && image.Info is { } info && ParseSize(size) is var (w, h) && (info.Width != w || info.Height != h))
                throw new NebulaVideoException("ImageSizeMismatch", ErrorKind.InvalidData,
                    $"The image '{image.DisplayName}' is {info.Width}x{info.Height}, but {model.Name} needs an image of exactly {size}.",
                    image.DisplayName, $"Resize the image to {string.Join(" or ", model.Sizes)}, or pick the -Size that matches it.");
        }

        // Landscape images make landscape videos: the natural default when the user names no size.
        private static string? SizeFromImage(ModelInfo model, VideoRequest request)
        {
            if (request.Image?.Info is not { } info) return null;
            return model.Sizes.FirstOrDefault(s => ParseSize(s) is var (w, h) && (w > h) == info.IsLandscape && w != h);
        }

        private static (int Width, int Height) ParseSize(string size)
        {
            var parts = size.Split('x');
            return (int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture),
                int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
        }

        private static string Pick(ModelInfo model, IReadOnlyList<string> offered, string? asked, string fallback, string parameter)
        {
            if (asked is null) return fallback;
            var match = offered.FirstOrDefault(o => string.Equals(o, asked, StringComparison.OrdinalIgnoreCase));
            return match ?? throw Invalid($"{parameter}NotSupported",
                $"{model.Name} does not offer {parameter.ToLowerInvariant()} '{asked}'. It offers: {string.Join(", ", offered)}.", asked,
                $"Use -{parameter} {string.Join(" or ", offered)}.");
        }

        private static NebulaVideoException Invalid(string id, string message, object? target, string action) =>
            new NebulaVideoException(id, ErrorKind.InvalidArgument, message, target, action);

        private static NebulaVideoException NotSupported(ModelInfo model, string parameter, object value, string action) =>
            Invalid("ParameterNotSupported", $"{model.Name} does not take -{parameter}.", value, action);

        private static ModelCatalog LoadBuiltIn()
        {
            using var stream = typeof(ModelCatalog).Assembly.GetManifestResourceStream("NebulaVideo.Core.models.json")
                ?? throw new InvalidOperationException("The built-in model catalog is missing from the assembly.");
            return Parse(stream);
        }

        /// <summary>Reads a catalog document in the models.json layout.</summary>
        public static ModelCatalog Parse(Stream json)
        {
            using var doc = JsonDocument.Parse(json);
            return new ModelCatalog(doc.RootElement.GetProperty("models").EnumerateArray().Select(ReadModel));
        }

        private static ModelInfo ReadModel(JsonElement m)
        {
            string[] Strings(string name) => m.TryGetProperty(name, out var a) ? a.EnumerateArray().Select(e => e.GetString()!).ToArray() : Array.Empty<string>();
            string? Text(string name) => m.TryGetProperty(name, out var v) ? v.GetString() : null;
            return new ModelInfo(
                Text("name")!,
                Text("gateway") ?? "Nebula",
                Text("description") ?? string.Empty,
                (ImageRequirement)Enum.Parse(typeof(ImageRequirement), Text("image") ?? "None", ignoreCase: true),
                Strings("imageFormats"),
                m.TryGetProperty("maxImageBytes", out var max) ? max.GetInt64() : long.MaxValue,
                m.GetProperty("durations").EnumerateArray().Select(d => d.GetInt32()).ToArray(),
                m.GetProperty("defaultDuration").GetInt32(),
                Strings("resolutions"),
                Text("defaultResolution"),
                Strings("sizes"),
                Text("defaultSize"),
                m.GetProperty("pricePerSecondUsd").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDecimal(), StringComparer.OrdinalIgnoreCase),
                Strings("options"));
        }
    }
}
