using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using NebulaVideo.Core.Catalog;
using NebulaVideo.Core.Http;

namespace NebulaVideo.Core.Gateways.Nebula
{
    /// <summary>
    /// The Nebula gateway's wire format (/v1/video/generations, seeds 000 and 002): wan-style requests
    /// (image, duration, resolution) and sora-style ones (seconds, size, input_reference), task answers with
    /// their status words, both error bodies, and sora-2's base64 download. Nothing above it sees this JSON.
    /// </summary>
    public sealed class NebulaDialect : IGatewayDialect
    {
        private const string SoraLayout = "sora";

        private static readonly string[] WanFields =
            { "model", "prompt", "image", "duration", "resolution", "smart_rewrite", "generate_audio", "audio_url", "seed" };
        private static readonly string[] SoraFields =
            { "model", "prompt", "seconds", "size", "input_reference", "remix_from_video_id", "user" };

        // wan2.5's submit_time and end_time come from Alibaba's DashScope as "2025-11-04 19:16:40.291", with no zone.
        // They are Beijing time, UTC+8 (China keeps no daylight saving): DashScope signs a result link for 24 hours, and
        // its Expires lands within seconds of end_time + 24 h only when end_time is read as UTC+8 (an answer with
        // end_time "2025-10-11 19:02:27.297" links with Expires=1760266939, 2025-10-12 11:02:19 UTC).
        private static readonly TimeSpan DashScopeOffset = TimeSpan.FromHours(8);
        private static readonly string[] DashScopeTimeFormats = { "yyyy-MM-dd HH:mm:ss.FFFFFFF", "yyyy-MM-dd HH:mm:ss" };

        private readonly Func<ModelCatalog> _catalog;

        public NebulaDialect()
            : this(() => ModelCatalog.Current)
        {
        }

        /// <summary>A dialect that names a wan-style answer's model from <paramref name="catalog"/> (tests pass a fixed one).</summary>
        internal NebulaDialect(Func<ModelCatalog> catalog) => _catalog = catalog;

        public string Name => "Nebula";
        // Built when asked for: the first Uri of a process costs a few milliseconds, and reading the catalog needs none.
        public Uri DefaultBaseUri => new Uri("https://llm.ai-nebula.com/");
        public string ApiKeyVariable => "NEBULA_API_KEY";
        public string BaseUriVariable => "NEBULA_BASE_URI";
        public string DefaultModel => ModelCatalog.DefaultModel;
        public bool AcceptsInlineImages => true;

        // Nebula ids are GUIDs (wan) or video_... (sora): no shape of their own, so Nebula is the fallback for bare ids.
        public bool OwnsTaskId(string taskId) => !taskId.StartsWith("task-", StringComparison.Ordinal);

        public string KeyCheckTaskId => "00000000-0000-0000-0000-000000000000";

        public string SubmitPath => "v1/video/generations";

        public string TaskPath(string taskId) => $"v1/video/generations/{Uri.EscapeDataString(taskId)}";

        public IReadOnlyCollection<string> ManagedFields(ModelInfo model) => IsSora(model) ? SoraFields : WanFields;

        public byte[] BuildSubmitBody(VideoRequest request, ModelInfo model) => RequestBody.Build(request, w =>
        {
            w.WriteString("model", request.Model);
            w.WriteString("prompt", request.Prompt);
            if (IsSora(model))
            {
                // The documentation's own examples send seconds as a string ("4").
                if (request.Duration is int seconds) w.WriteString("seconds", seconds.ToString(CultureInfo.InvariantCulture));
                w.WriteIfSet("size", request.Size);
                w.WriteIfSet("input_reference", request.Image?.ToWireValue());
                w.WriteIfSet("remix_from_video_id", request.RemixFromVideoId);
                w.WriteIfSet("user", request.User);
                return;
            }
            w.WriteIfSet("image", request.Image?.ToWireValue());
            if (request.Duration is int duration) w.WriteNumber("duration", duration);
            w.WriteIfSet("resolution", request.Resolution);
            if (request.SmartRewrite is bool rewrite) w.WriteBoolean("smart_rewrite", rewrite);
            if (request.GenerateAudio is bool audio) w.WriteBoolean("generate_audio", audio);
            w.WriteIfSet("audio_url", request.AudioUrl);
            if (request.Seed is long seed) w.WriteNumber("seed", seed);
        });

        public VideoTask ParseTask(string json, VideoTask known)
        {
            using var doc = Json.Parse(json);
            JsonElement? root = doc.RootElement;
            var metadata = root.Child("metadata");
            var output = metadata.Child("output");
            // sora-2 puts its task fields at the top level on GET, but inside metadata on submit.
            var sora = root.Str("object") is not null ? root : metadata.Str("object") is not null ? metadata : null;

            var topStatus = root.Str("status") ?? string.Empty;
            var innerStatus = output.Str("task_status") ?? sora.Str("status");
            var url = root.Str("url");
            var status = Normalize(innerStatus, topStatus);
            // After the retention period the link comes back as the word "expired".
            if (status == VideoStatus.Succeeded && string.Equals(url, "expired", StringComparison.OrdinalIgnoreCase))
                status = VideoStatus.Expired;

            var error = sora.Child("error");
            var usage = metadata.Child("usage");
            var completedEpoch = sora.Long("completed_at");
            var createdEpoch = sora.Long("created_at");
            var resolution = known.Resolution ?? usage.Str("resolution") ?? sora.Str("size");
            var groupRatio = metadata.Decimal("group_ratio") ?? known.GroupRatio;
            // model_price is USD per second at the task's resolution; seed 000: cost = price x seconds x group ratio.
            var pricePerSecond = metadata.Decimal("model_price");
            var billedSeconds = usage.Long("duration") ?? metadata.Long("requested_seconds") ?? known.Duration;
            var model = sora.Str("model") ?? root.Str("model") ?? known.Model;

            return known with
            {
                TaskId = root.Str("task_id") ?? sora.Str("id") ?? known.TaskId,
                Model = model.Length > 0 ? model : ModelPricedAt(pricePerSecond, resolution) ?? string.Empty,
                Status = status,
                ProviderStatus = innerStatus is null || string.Equals(innerStatus, topStatus, StringComparison.OrdinalIgnoreCase)
                    ? topStatus : $"{topStatus}/{innerStatus}",
                Progress = (int?)sora.Long("progress") ?? TaskProgress.Default(status),
                Prompt = known.Prompt ?? sora.Str("prompt"),
                Duration = known.Duration ?? (int?)(usage.Long("duration") ?? sora.Long("seconds") ?? metadata.Long("requested_seconds")),
                Resolution = resolution,
                VideoUrl = status == VideoStatus.Succeeded && Uri.TryCreate(url, UriKind.Absolute, out var link) ? link : null,
                ErrorCode = output.Str("code") ?? error.Str("code"),
                ErrorMessage = output.Str("message") ?? error.Str("message") ?? sora.Str("failure_reason"),
                EstimatedCostUsd = known.EstimatedCostUsd ?? pricePerSecond * billedSeconds * groupRatio,
                GroupRatio = groupRatio,
                SubmittedAt = known.SubmittedAt
                    ?? (createdEpoch is long c ? DateTimeOffset.FromUnixTimeSeconds(c) : DashScopeTime(output.Str("submit_time"))),
                CompletedAt = TaskProgress.CompletedAt(status,
                    completedEpoch is long d ? DateTimeOffset.FromUnixTimeSeconds(d) : DashScopeTime(output.Str("end_time")), known),
                Dialect = Name,
                RawJson = json,
            };
        }

        /// <summary>
        /// The model of a wan-style answer, which names none: the one catalog model of this dialect, outside the sora
        /// layout (sora answers name their model), whose price at the resolution is the answer's model_price. Null when
        /// none or several are, or when the user's catalog file cannot be read: a read never fails for want of a name.
        /// </summary>
        private string? ModelPricedAt(decimal? pricePerSecond, string? resolution)
        {
            if (pricePerSecond is null || resolution is null) return null;
            ModelCatalog catalog;
            try
            {
                catalog = _catalog();
            }
            catch (NebulaVideoException ex) when (ex.Id == ErrorIds.CatalogFileInvalid)
            {
                return null;
            }
            var priced = catalog.Models
                .Where(m => string.Equals(m.Dialect, Name, StringComparison.OrdinalIgnoreCase) && !IsSora(m) && m.PricePerSecond(resolution) == pricePerSecond)
                .Take(2).ToList();
            return priced.Count == 1 ? priced[0].Name : null;
        }

        /// <summary>A DashScope time (Beijing wall-clock time, no zone) as the moment it names; null when absent or unreadable.</summary>
        private static DateTimeOffset? DashScopeTime(string? text) =>
            DateTime.TryParseExact(text, DashScopeTimeFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var wallClock)
                ? new DateTimeOffset(wallClock, DashScopeOffset) : (DateTimeOffset?)null;

        /// <summary>
        /// The gateway's status words, across the model families it serves, in one vocabulary. The inner
        /// provider status (PENDING/RUNNING...) is more precise than the outer one, so it wins when present.
        /// </summary>
        public static VideoStatus Normalize(string? innerStatus, string outerStatus) =>
            TaskProgress.Status(innerStatus) ?? TaskProgress.Status(outerStatus) ?? VideoStatus.Running;

        /// <summary>
        /// Both Nebula error bodies: {"code","message","data"}, whose message may itself be JSON holding the
        /// provider's code and message, and {"error":{"message","type","code"}}.
        /// </summary>
        public GatewayException ParseError(int httpStatus, string body, object? target = null, TimeSpan? retryAfter = null)
        {
            string? code = null;
            string? message = null;
            string? type = null;
            try
            {
                using var doc = Json.Parse(body);
                JsonElement? root = doc.RootElement;
                if (root.Child("error") is { } error && error.ValueKind == JsonValueKind.Object)
                {
                    type = error.Str("type");
                    code = error.Str("code") is { } c && !ErrorBodies.IsNumber(c) ? c : type ?? error.Str("code");
                    message = error.Str("message");
                }
                else
                {
                    code = root.Str("code");
                    message = root.Str("message");
                    if (message is not null && message.TrimStart().StartsWith("{", StringComparison.Ordinal))
                    {
                        using var inner = Json.Parse(message);
                        JsonElement? innerRoot = inner.RootElement;
                        code = innerRoot.Str("code") ?? code;
                        message = innerRoot.Str("message") ?? message;
                    }
                }
            }
            catch (JsonException)
            {
                // Not JSON (a proxy's HTML page, say): the text itself is the best message there is.
            }
            return new GatewayException(httpStatus, new GatewayErrorDetails(message ?? ErrorBodies.RawMessage(body), code, type), target, retryAfter);
        }

        // sora-2 answers carry no link: its video comes from the base64 download by id.
        public string? Base64DownloadPath(VideoTask task) =>
            task.VideoUrl is null ? $"v1/video/generations/download?id={Uri.EscapeDataString(task.TaskId)}" : null;

        public ModelInfo PassThroughModel(string name) => new ModelInfo
        {
            Name = name,
            Dialect = Name,
            Description = "Not in the catalog: sent as asked, in the gateway's general video request (model, prompt, image, duration, resolution).",
            Image = ImageRequirement.Optional,
            Options = new[] { "Seed", "SmartRewrite", "GenerateAudio", "AudioUrl" },
            Source = ModelInfo.PassThroughSource,
        };

        private static bool IsSora(ModelInfo model) => string.Equals(model.Layout, SoraLayout, StringComparison.OrdinalIgnoreCase);
    }
}
