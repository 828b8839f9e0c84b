using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using NebulaVideo.Core.Catalog;
using NebulaVideo.Core.Http;

namespace NebulaVideo.Core.Gateways.Unified
{
    /// <summary>
    /// The unified gateway's wire format (seeds 003 and 001, GATEWAY-NOTES): POST v1/videos/generations
    /// with the image as a list of one URL, task detail at GET v1/tasks/{id} with the video link in
    /// results[0], statuses pending/processing/completed/failed, and the error body
    /// {"error":{"code","message","type","param","fallback_suggestion"}} whose code is a number or a word.
    /// </summary>
    public sealed class UnifiedDialect : IGatewayDialect
    {
        private const string IdPrefix = "task-unified-";

        private static readonly string[] Fields =
            { "model", "prompt", "duration", "quality", "image_urls", "prompt_extend", "audio_url", "callback_url" };

        public string Name => "Unified";

        // The seed's server address: the base URL carries a path prefix, kept on every request.
        public Uri DefaultBaseUri => new Uri("https://ai.odkkk.com/apiv1/");
        public string ApiKeyVariable => "UNIFIED_API_KEY";
        public string BaseUriVariable => "UNIFIED_BASE_URI";
        public string DefaultModel => "wan2.5-image-to-video";

        // image_urls: the gateway fetches the image itself; it takes no inline data.
        public bool AcceptsInlineImages => false;

        public bool OwnsTaskId(string taskId) => taskId.StartsWith(IdPrefix, StringComparison.Ordinal);

        public string KeyCheckTaskId => IdPrefix + "0-keycheck";

        public string SubmitPath => "v1/videos/generations";

        public string TaskPath(string taskId) => $"v1/tasks/{Uri.EscapeDataString(taskId)}";

        public IReadOnlyCollection<string> ManagedFields(ModelInfo model) => Fields;

        public byte[] BuildSubmitBody(VideoRequest request, ModelInfo model) => RequestBody.Build(request, w =>
        {
            w.WriteString("model", request.Model);
            w.WriteString("prompt", request.Prompt);
            if (request.Duration is int duration) w.WriteNumber("duration", duration);
            w.WriteIfSet("quality", request.Resolution);
            if (request.Image is { } image)
            {
                w.WriteStartArray("image_urls");
                w.WriteStringValue(image.ToWireValue());
                w.WriteEndArray();
            }
            if (request.SmartRewrite is bool rewrite) w.WriteBoolean("prompt_extend", rewrite);
            w.WriteIfSet("audio_url", request.AudioUrl);
            w.WriteIfSet("callback_url", request.CallbackUrl);
        });

        public VideoTask ParseTask(string json, VideoTask known)
        {
            using var doc = Json.Parse(json);
            JsonElement? root = doc.RootElement;
            var word = root.Str("status");
            var status = TaskProgress.Status(word) ?? VideoStatus.Running;
            var link = root.Child("results") is { ValueKind: JsonValueKind.Array } results
                ? results.EnumerateArray().Select(r => r.ValueKind == JsonValueKind.String ? r.GetString() : null).FirstOrDefault(r => r is not null)
                : null;
            var error = root.Child("error");
            var created = root.Long("created");
            return known with
            {
                TaskId = root.Str("id") ?? known.TaskId,
                Model = root.Str("model") ?? known.Model,
                Status = status,
                ProviderStatus = word ?? string.Empty,
                Progress = (int?)root.Long("progress") ?? TaskProgress.Default(status),
                VideoUrl = status == VideoStatus.Succeeded && Uri.TryCreate(link, UriKind.Absolute, out var uri) ? uri : null,
                ErrorCode = error.Str("code"),
                ErrorMessage = error.Str("message") ?? (error is { ValueKind: JsonValueKind.String } text ? text.GetString() : null),
                CreditsReserved = root.Child("usage").Decimal("credits_reserved") ?? known.CreditsReserved,
                EstimatedSecondsLeft = status.IsFinished() ? null : (int?)root.Child("task_info").Long("estimated_time"),
                SubmittedAt = known.SubmittedAt ?? (created is long c ? DateTimeOffset.FromUnixTimeSeconds(c) : (DateTimeOffset?)null),
                // The answer states no completion time, so only a finish this client saw happen has one.
                CompletedAt = TaskProgress.CompletedAt(status, null, known),
                Dialect = Name,
                RawJson = json,
            };
        }

        public GatewayException ParseError(int httpStatus, string body, object? target = null, TimeSpan? retryAfter = null)
        {
            try
            {
                using var doc = Json.Parse(body);
                if (doc.RootElement.Child("error") is { ValueKind: JsonValueKind.Object } error)
                {
                    // The task endpoint sends a word as its code; the create endpoint only repeats the HTTP number, and
                    // there its type ("insufficient_quota") is the word that tells one 402 or 400 from another.
                    var type = error.Str("type");
                    var code = error.Str("code") is { } c && !ErrorBodies.IsNumber(c) ? c : type;
                    return new GatewayException(httpStatus, new GatewayErrorDetails(
                        error.Str("message") ?? ErrorBodies.RawMessage(body), code, type, error.Str("param"), error.Str("fallback_suggestion")),
                        target, retryAfter);
                }
            }
            catch (JsonException)
            {
                // Not JSON: shown as it came.
            }
            return new GatewayException(httpStatus, new GatewayErrorDetails(ErrorBodies.RawMessage(body)), target, retryAfter);
        }

        public string? Base64DownloadPath(VideoTask task) => null;

        public ModelInfo PassThroughModel(string name) => new ModelInfo
        {
            Name = name,
            Dialect = Name,
            Description = "Not in the catalog: sent as asked, in the unified video request (model, prompt, image_urls, duration, quality).",
            Image = ImageRequirement.Optional,
            Options = new[] { "SmartRewrite", "AudioUrl", "CallbackUrl" },
            Source = ModelInfo.PassThroughSource,
        };
    }
}
