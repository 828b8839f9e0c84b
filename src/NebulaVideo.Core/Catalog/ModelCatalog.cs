using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using NebulaVideo.Core.Gateways;
using NebulaVideo.Core.Http;
using NebulaVideo.Core.Images;

namespace NebulaVideo.Core.Catalog
{
    /// <summary>
    /// The models the module knows (the embedded models.json, then the user's catalog file on top), and the
    /// one place that checks a request against its model before any money is spent.
    /// </summary>
    public sealed class ModelCatalog
    {
        public const string DefaultModel = "wan2.5-i2v-preview";

        /// <summary>The environment variable that names the user's catalog file.</summary>
        public const string UserFileVariable = "NEBULAVIDEO_MODELS";

        private const int MaxCallbackUrlLength = 2048;

        private static readonly Lazy<ModelCatalog> BuiltInCatalog = new Lazy<ModelCatalog>(() => CatalogFile.LoadBuiltIn());
        private static readonly object CurrentGate = new object();
        private static (string? Path, DateTime Stamp, long Length, ModelCatalog Catalog)? _current;

        private readonly IReadOnlyList<ModelInfo> _models;

        public ModelCatalog(IEnumerable<ModelInfo> models, string? userFile = null)
        {
            _models = models.ToList();
            UserFile = userFile;
        }

        /// <summary>The models shipped inside the module.</summary>
        public static ModelCatalog BuiltIn => BuiltInCatalog.Value;

        /// <summary>
        /// The built-in models with the user's file applied: its path from NEBULAVIDEO_MODELS, else
        /// models.json in the NebulaVideo folder of the user's application data, when it exists. Read again
        /// whenever the file changes, so an edit applies without restarting the session.
        /// </summary>
        public static ModelCatalog Current
        {
            get
            {
                var path = UserFilePath;
                var file = path is null ? null : new FileInfo(path);
                var stamp = file?.Exists == true ? file.LastWriteTimeUtc : DateTime.MinValue;
                var length = file?.Exists == true ? file.Length : -1;
                lock (CurrentGate)
                {
                    if (_current is { } cached && cached.Path == path && cached.Stamp == stamp && cached.Length == length) return cached.Catalog;
                    var catalog = file?.Exists == true ? CatalogFile.ApplyUserFile(BuiltIn, file.FullName) : BuiltIn;
                    _current = (path, stamp, length, catalog);
                    return catalog;
                }
            }
        }

        /// <summary>The user's catalog file: NEBULAVIDEO_MODELS when set, else the default path; null when neither applies.</summary>
        public static string? UserFilePath
        {
            get
            {
                var named = Environment.GetEnvironmentVariable(UserFileVariable);
                if (!string.IsNullOrWhiteSpace(named)) return EnvironmentPath.Full(named!, UserFileVariable, ErrorIds.CatalogFileInvalid);
                return File.Exists(DefaultUserFilePath) ? DefaultUserFilePath : null;
            }
        }

        /// <summary>Where the user's catalog file is looked for when NEBULAVIDEO_MODELS is not set.</summary>
        public static string DefaultUserFilePath =>
            Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData), "NebulaVideo", "models.json");

        public IReadOnlyList<ModelInfo> Models => _models;

        /// <summary>This catalog with a document in the user file's layout applied on top.</summary>
        public ModelCatalog WithUserDocument(Stream json, string source) => CatalogFile.Apply(this, json, source);

        /// <summary>The user file applied on top of the built-in models, if any.</summary>
        public string? UserFile { get; }

        public ModelInfo? Find(string name) =>
            _models.FirstOrDefault(m => string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase));

        /// <summary>
        /// The model by name; one in no catalog only when <paramref name="passThrough"/> names the dialect to
        /// send it to (the user asked for it explicitly), else an UnknownModel error.
        /// </summary>
        public ModelInfo Get(string name, IGatewayDialect? passThrough = null)
        {
            if (Find(name) is { } known) return known;
            if (passThrough is not null && !string.IsNullOrWhiteSpace(name)) return passThrough.PassThroughModel(name.Trim());
            throw new NebulaVideoException(ErrorIds.UnknownModel,
                $"'{name}' is not a model NebulaVideo knows. Known models: {string.Join(", ", _models.Select(m => m.Name))}.", name,
                $"Run Get-NebulaVideoModel to see the models. To use another model, add it to the catalog file ({UserFilePath ?? DefaultUserFilePath}, or the file {UserFileVariable} names), or pass -AllowUnknownModel to send it unchecked.");
        }

        /// <summary>The default model of a dialect, as the catalog knows it.</summary>
        public ModelInfo DefaultFor(IGatewayDialect dialect) => Get(dialect.DefaultModel);

        public VideoRequest Resolve(VideoRequest request) => Resolve(request, Get(request.Model));

        /// <summary>
        /// Checks every field of the request against its model and fills in the model's defaults. Throws
        /// <see cref="NebulaVideoException"/> for the first problem, with the offending value as its target.
        /// </summary>
        public static VideoRequest Resolve(VideoRequest request, ModelInfo model)
        {
            var dialect = Dialects.Get(model.Dialect);
            var resolved = request with { Model = model.Name };

            if (string.IsNullOrWhiteSpace(request.Prompt))
                // The item is the target: an empty prompt says nothing about which row or image it was.
                throw Invalid(ErrorIds.PromptRequired, $"The prompt for {request.Image?.DisplayName ?? "a text-to-video request"} is empty.",
                    (object?)request.Image?.DisplayName ?? request.Prompt,
                    "Describe the motion and scene you want with -Prompt.");
            if (model.PromptMaxLength is int maxLength && CodePoints(request.Prompt) is var length && length > maxLength)
                throw Invalid(ErrorIds.PromptTooLong,
                    $"The prompt has {length} characters; {model.Name} takes at most {maxLength}.", request.Prompt,
                    $"Shorten the prompt to {maxLength} characters or fewer.");

            RejectUnsupportedOptions(model, request);
            RequestBody.RejectManaged(request, model, dialect.ManagedFields(model));

            var (resolution, duration) = ResolveResolution(model, request.Resolution, request.Size, request.Duration, request.Image?.Info);
            resolved = model.Sizes.Count > 0
                ? resolved with { Size = resolution, Resolution = null, Duration = duration }
                : resolved with { Resolution = resolution, Duration = duration };

            CheckImage(model, dialect, resolved);

            if (request.Seed is long seed && (seed < 0 || seed > int.MaxValue))
                throw Invalid(ErrorIds.SeedOutOfRange, $"The seed {seed} is outside 0..2147483647.", seed, "Use a seed from 0 to 2147483647.");

            if (request.AudioUrl is string audio &&
                (!Uri.TryCreate(audio, UriKind.Absolute, out var audioUri) || audioUri.Scheme != Uri.UriSchemeHttps))
                throw Invalid(ErrorIds.AudioUrlInvalid, $"The audio URL '{audio}' is not an https URL.", audio,
                    "Give an https:// link to the audio file.");

            if (request.CallbackUrl is string callback) CheckCallbackUrl(callback);

            if (request.RemixFromVideoId is string remix && model.RemixIdPrefix is string prefix && !remix.StartsWith(prefix, StringComparison.Ordinal))
                throw Invalid(ErrorIds.RemixSourceInvalid, $"'{remix}' is not a {model.Name} video id; remix ids start with {prefix}.", remix,
                    $"Pass a finished {model.Name} task, or its TaskId, to -RemixFrom.");

            return resolved;
        }

        /// <summary>
        /// The resolution (or frame size) and seconds a request gets: everything its price depends on, decided in this
        /// one place for New-NebulaVideo and Measure-NebulaVideoCost alike. Without a size or resolution, a model that
        /// needs the image at the frame size takes the image's orientation (a landscape still makes a landscape video).
        /// </summary>
        public static (string? Resolution, int? Duration) ResolveResolution(ModelInfo model, string? resolution, string? size, int? duration, ImageInfo? image)
        {
            if (size is null && resolution is null && model.ImageMatchesSize && image is not null)
                size = model.Sizes.FirstOrDefault(s => ParseSize(s) is var (w, h) && (w > h) == image.IsLandscape && w != h);
            return ResolveResolution(model, resolution, size, duration);
        }

        /// <summary>
        /// Checks a duration and a resolution or size against the model and fills in its defaults: all a
        /// price depends on. Returns the resolution (or size) and the seconds; null where the model leaves them open.
        /// </summary>
        public static (string? Resolution, int? Duration) ResolveResolution(ModelInfo model, string? resolution, string? size, int? duration)
        {
            var seconds = duration ?? model.DefaultDuration;
            if (model.Durations.Count > 0 && !(seconds is int s && model.Durations.Contains(s)))
                throw Invalid(ErrorIds.DurationNotSupported, $"{model.Name} cannot make a {seconds}-second video.", seconds,
                    $"Use -Duration {string.Join(" or ", model.Durations)}.");

            if (model.Sizes.Count == 0)
            {
                if (size is not null)
                    throw NotSupported(model, "Size", size, model.Resolutions.Count > 0
                        ? $"Use -Resolution {string.Join(" or ", model.Resolutions)} instead." : "Use -Resolution instead.");
                return (model.Resolutions.Count == 0 ? resolution ?? model.DefaultResolution
                    : Pick(model, model.Resolutions, resolution, model.DefaultResolution, ErrorIds.ResolutionNotSupported, "Resolution"), seconds);
            }
            // A sized model's "resolution" is its frame size, so one Resolution column serves every model in a CSV.
            if (size is not null && resolution is not null && !string.Equals(size, resolution, StringComparison.OrdinalIgnoreCase))
                throw Invalid(ErrorIds.SizeConflict, $"-Size {size} and -Resolution {resolution} disagree.", resolution, "Give the frame size once, with -Size.");
            return (Pick(model, model.Sizes, size ?? resolution, model.DefaultSize, ErrorIds.SizeNotSupported, "Size"), seconds);
        }

        /// <summary>
        /// Refuses an image source the model's gateway cannot take, before the image is even read: a gateway that
        /// fetches images by URL gets no local file unless the session has an image store to stage it in.
        /// </summary>
        public static void CheckImageSource(ModelInfo model, ImageInputKind kind, string target)
        {
            if (kind == ImageInputKind.Url || Dialects.Get(model.Dialect).AcceptsInlineImages) return;
            target = ImageInput.Describe(target); // a data URI is megabytes: never put whole into a message
            throw Invalid(ErrorIds.ImageUrlRequired,
                $"{model.Name} on the {model.Dialect} gateway takes its image only as a URL the gateway fetches itself, so the {(kind == ImageInputKind.File ? "local file" : "inline image")} '{target}' cannot be sent.",
                target, kind == ImageInputKind.File
                    ? "Register a place to stage local images once per session: Connect-NebulaVideoStorage -ConnectionString <SecureString> -Container <name> (your Azure Blob container), or -ScriptBlock { param($File) ...; <url> } for any other; or pass an https address the gateway can fetch with -ImageUrl (an ImageUrl column in a CSV)."
                    : "Pass an https address the gateway can fetch with -ImageUrl (an ImageUrl column in a CSV), or save the image to a file and register an image store with Connect-NebulaVideoStorage.");
        }

        private static void RejectUnsupportedOptions(ModelInfo model, VideoRequest request)
        {
            var given = new (string Name, object? Value)[]
            {
                ("Seed", request.Seed), ("SmartRewrite", request.SmartRewrite), ("GenerateAudio", request.GenerateAudio),
                ("AudioUrl", request.AudioUrl), ("RemixFrom", request.RemixFromVideoId), ("User", request.User),
                ("CallbackUrl", request.CallbackUrl),
            };
            foreach (var (name, value) in given)
                if (value is not null && !model.Accepts(name))
                    throw NotSupported(model, name, value, $"Leave -{name} out for {model.Name}.");
        }

        // The schema's maxLength counts characters (code points), not UTF-16 units: an emoji is one, not two.
        private static int CodePoints(string text)
        {
            var count = text.Length;
            for (var i = 0; i + 1 < text.Length; i++)
                if (char.IsSurrogatePair(text[i], text[i + 1])) { count--; i++; }
            return count;
        }

        private static void CheckCallbackUrl(string callback)
        {
            if (!Uri.TryCreate(callback, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps)
                throw Invalid(ErrorIds.CallbackUrlInvalid, $"The callback URL '{callback}' is not an https URL.", callback,
                    "Give an https:// address the gateway can call when the task ends.");
            if (callback.Length > MaxCallbackUrlLength)
                throw Invalid(ErrorIds.CallbackUrlInvalid, $"The callback URL has {callback.Length} characters; the gateway takes at most {MaxCallbackUrlLength}.", callback,
                    "Use a shorter callback address.");
            if (HostRules.IsInternal(uri))
                throw Invalid(ErrorIds.CallbackUrlInvalid, $"The callback URL '{callback}' points at this machine or a private network, which the gateway refuses to call.", callback,
                    "Give a public https address for the callback.");
        }

        private static void CheckImage(ModelInfo model, IGatewayDialect dialect, VideoRequest request)
        {
            var image = request.Image;
            if (image is null)
            {
                if (model.Image == ImageRequirement.Required)
                    throw Invalid(ErrorIds.ImageRequired, $"{model.Name} turns an image into a video, and no image was given.", model.Name,
                        dialect.AcceptsInlineImages ? "Give the first frame with -Path, -LiteralPath or -ImageUrl, or pipe image files in."
                            : "Give the first frame's https address with -ImageUrl.");
                return;
            }
            if (model.Image == ImageRequirement.None)
                throw NotSupported(model, "ImageUrl", image.DisplayName, "Leave the image out.");
            // An image the session's store will stage reaches the gateway as a URL.
            CheckImageSource(model, image.StagedAt is null ? image.Kind : ImageInputKind.Url, image.DisplayName);
            if (request.RemixFromVideoId is not null)
                throw Invalid(ErrorIds.RemixWithImage, "A remix starts from a video, not an image.", image.DisplayName,
                    "Leave the image out when you use -RemixFrom.");
            if (image.Info is not { } info) return;

            if (model.ImageFormats.Count > 0 && !model.ImageFormats.Contains(info.Format.ToString(), StringComparer.OrdinalIgnoreCase))
                throw new NebulaVideoException(ErrorIds.ImageFormatNotSupported,
                    $"The image '{image.DisplayName}' is {info.Format}; {model.Name} takes {string.Join(", ", model.ImageFormats)}.", image.DisplayName,
                    $"Convert the image to {string.Join(" or ", model.ImageFormats)}.");
            if (!model.ImageTransparency && info.HasAlpha)
                throw new NebulaVideoException(ErrorIds.ImageTransparencyNotSupported,
                    $"The image '{image.DisplayName}' is a {info.Format} with transparency (an alpha channel or a transparent colour); {model.Name} takes only images without it.",
                    image.DisplayName,
                    "Flatten the image onto a solid background and save it without an alpha channel: as a JPEG, a 24-bit PNG or BMP, or a WebP without alpha (with ImageMagick: magick <image> -background white -alpha remove -alpha off <new image>).");
            if ((model.ImageMinPixels is int min && (info.Width < min || info.Height < min))
                || (model.ImageMaxPixels is int max && (info.Width > max || info.Height > max)))
                throw new NebulaVideoException(ErrorIds.ImageDimensionsNotSupported,
                    $"The image '{image.DisplayName}' is {info.Width}x{info.Height}; {model.Name} takes widths and heights from {model.ImageMinPixels ?? 1} to {model.ImageMaxPixels?.ToString() ?? "any"} pixels.",
                    image.DisplayName, "Scale the image into that range.");
            // Sora takes a reference image only at exactly the output frame size.
            if (model.ImageMatchesSize && request.Size is string size && ParseSize(size) is var (w, h) && (info.Width != w || info.Height != h))
                throw new NebulaVideoException(ErrorIds.ImageSizeMismatch,
                    $"The image '{image.DisplayName}' is {info.Width}x{info.Height}, but {model.Name} needs an image of exactly {size}.",
                    image.DisplayName, $"Resize the image to {string.Join(" or ", model.Sizes)}, or pick the -Size that matches it.");
        }

        private static (int Width, int Height) ParseSize(string size)
        {
            var parts = size.Split('x');
            return parts.Length == 2 && int.TryParse(parts[0], System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var w)
                && int.TryParse(parts[1], System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var h)
                ? (w, h) : (0, 0);
        }

        private static string? Pick(ModelInfo model, IReadOnlyList<string> offered, string? asked, string? fallback, ErrorId id, string parameter)
        {
            if (asked is null) return fallback;
            var match = offered.FirstOrDefault(o => string.Equals(o, asked, StringComparison.OrdinalIgnoreCase));
            return match ?? throw Invalid(id,
                $"{model.Name} does not offer {parameter.ToLowerInvariant()} '{asked}'. It offers: {string.Join(", ", offered)}.", asked,
                $"Use -{parameter} {string.Join(" or ", offered)}.");
        }

        private static NebulaVideoException Invalid(ErrorId id, string message, object? target, string action) =>
            new NebulaVideoException(id, message, target, action);

        private static NebulaVideoException NotSupported(ModelInfo model, string parameter, object value, string action) =>
            Invalid(ErrorIds.ParameterNotSupported, $"{model.Name} does not take -{parameter}.", value, action);
    }
}
