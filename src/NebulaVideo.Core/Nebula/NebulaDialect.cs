using System;
using System.IO;
using System.Text;
using System.Text.Json;
using NebulaVideo.Core.Http;

namespace NebulaVideo.Core.Nebula
{
    /// <summary>
    /// The Nebula gateway's wire format (/v1/video/generations) for wan2.5-i2v-preview and sora-2, both
    /// ways: requests out, task answers and error bodies back in. Nothing above this class sees the JSON.
    /// </summary>
    public static class NebulaDialect
    {
        public const string SubmitPath = "v1/video/generations";

        public static string TaskPath(string taskId) => $"v1/video/generations/{Uri.EscapeDataString(taskId)}";

        public static string DownloadPath(string taskId) => $"v1/video/generations/download?id={Uri.EscapeDataString(taskId)}";

        /// <summary>Sora-2 tasks download by id from the gateway; the others are fetched from a signed link.</summary>
        public static bool IsSora(string model) => model.StartsWith("sora", StringComparison.OrdinalIgnoreCase);

        /// <summary>The JSON body of a submission. Expects a request the catalog has resolved.</summary>
        public static byte[] BuildSubmitBody(VideoRequest request)
        {
            using var buffer = new MemoryStream();
            using (var w = new Utf8JsonWriter(buffer))
            {
                w.WriteStartObject();
                w.WriteString("model", request.Model);
                w.WriteString("prompt", request.Prompt);
                if (IsSora(request.Model))
                {
                    // The documentation's own examples send seconds as a string ("4").
                    if (request.Duration is int seconds) w.WriteString("seconds", seconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    WriteIfSet(w, "size", request.Size);
                    WriteIfSet(w, "input_reference", request.Image?.ToWireValue());
                    WriteIfSet(w, "remix_from_video_id", request.RemixFromVideoId);
                    WriteIfSet(w, "user", request.User);
                }
                else
                {
                    WriteIfSet(w, "image", request.Image?.ToWireValue());
                    if (request.Duration is int duration) w.WriteNumber("duration", duration);
                    WriteIfSet(w, "resolution", request.Resolution);
                    if (request.SmartRewrite is bool rewrite) w.WriteBoolean("smart_rewrite", rewrite);
                    if (request.GenerateAudio is bool audio) w.WriteBoolean("generate_audio", audio);
                    WriteIfSet(w, "audio_url", request.AudioUrl);
                    if (request.Seed is long seed) w.WriteNumber("seed", seed);
                }
                w.WriteEndObject();
            }
            return buffer.ToArray();
        }

        /// <summary>
        /// Reads any task answer (submit, queued, running, succeeded, failed) into the normalized shape,
        /// keeping from <paramref name="known"/> what the gateway does not repeat.
        /// </summary>
        public static VideoTask ParseTask(string json, VideoTask? known = null)
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
            if (status == VideoStatus.Succeeded && string.Equals(url, "expired", StringComparison.OrdinalIgnoreCase))
                status = VideoStatus.Expired;

            var error = sora.Child("error");
            var completedEpoch = sora.Long("completed_at");
            var createdEpoch = sora.Long("created_at");

            return new VideoTask
            {
                TaskId = root.Str("task_id") ?? sora.Str("id") ?? known?.TaskId ?? string.Empty,
                Model = sora.Str("model") ?? root.Str("model") ?? known?.Model ?? string.Empty,
                Status = status,
                ProviderStatus = innerStatus is null || string.Equals(innerStatus, topStatus, StringComparison.OrdinalIgnoreCase)
                    ? topStatus : $"{topStatus}/{innerStatus}",
                Progress = (int?)sora.Long("progress") ?? DefaultProgress(status),
                Prompt = known?.Prompt ?? sora.Str("prompt"),
                Duration = known?.Duration ?? (int?)(metadata.Child("usage").Long("duration") ?? sora.Long("seconds") ?? metadata.Long("requested_seconds")),
                Resolution = known?.Resolution ?? metadata.Child("usage").Str("resolution") ?? sora.Str("size"),
                VideoUrl = status == VideoStatus.Succeeded && Uri.TryCreate(url, UriKind.Absolute, out var link) ? link : null,
                ErrorCode = output.Str("code") ?? error.Str("code"),
                ErrorMessage = output.Str("message") ?? error.Str("message") ?? sora.Str("failure_reason"),
                EstimatedCostUsd = known?.EstimatedCostUsd,
                GroupRatio = metadata.Decimal("group_ratio") ?? known?.GroupRatio ?? 1m,
                SourceImage = known?.SourceImage,
                SubmittedAt = known?.SubmittedAt ?? (createdEpoch is long c ? DateTimeOffset.FromUnixTimeSeconds(c) : (DateTimeOffset?)null),
                // wan2.5's end_time carries no time zone, so the moment we first saw the end is the honest value there.
                CompletedAt = !status.IsFinished() ? null
                    : completedEpoch is long d ? DateTimeOffset.FromUnixTimeSeconds(d) : known?.CompletedAt ?? DateTimeOffset.UtcNow,
                Gateway = known?.Gateway,
                RawJson = json,
            };
        }

        /// <summary>
        /// The gateway's status words, across the model families it serves, in one vocabulary. The inner
        /// provider status (PENDING/RUNNING...) is more precise than the outer one, so it wins when present.
        /// </summary>
        public static VideoStatus Normalize(string? innerStatus, string outerStatus)
        {
            foreach (var word in new[] { innerStatus, outerStatus })
            {
                switch (word?.Trim().ToLowerInvariant())
                {
                    case "submitted": case "queued": case "pending": case "not_start": return VideoStatus.Queued;
                    case "in_progress": case "processing": case "running": return VideoStatus.Running;
                    case "succeeded": case "success": case "completed": return VideoStatus.Succeeded;
                    case "failed": case "failure": case "canceled": case "cancelled": case "unknown": return VideoStatus.Failed;
                    case "expired": return VideoStatus.Expired;
                }
            }
            return VideoStatus.Running;
        }

        private static int DefaultProgress(VideoStatus status) => status switch
        {
            VideoStatus.Queued => 0,
            VideoStatus.Running => 50,
            _ => 100,
        };

        /// <summary>
        /// Turns an error answer into a <see cref="GatewayException"/> carrying the provider's code and message.
        /// Understands both Nebula shapes: {"code","message","data"}, whose message may itself be JSON holding
        /// the provider's code and message, and {"error":{"message","type","code"}}.
        /// </summary>
        public static GatewayException ParseError(int httpStatus, string body, object? target = null, TimeSpan? retryAfter = null)
        {
            string? code = null;
            string? message = null;
            try
            {
                using var doc = Json.Parse(body);
                JsonElement? root = doc.RootElement;
                if (root.Child("error") is { } error && error.ValueKind == JsonValueKind.Object)
                {
                    code = error.Str("code") is { } c && !IsNumber(c) ? c : error.Str("type") ?? error.Str("code");
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
            message ??= string.IsNullOrWhiteSpace(body) ? "(no details)" : Truncate(body.Trim(), 300);
            return new GatewayException(httpStatus, code, message, target, retryAfter);
        }

        private static bool IsNumber(string s) => long.TryParse(s, out _);

        private static string Truncate(string s, int max) => s.Length <= max ? s : s.Substring(0, max) + "...";

        private static void WriteIfSet(Utf8JsonWriter w, string name, string? value)
        {
            if (value is not null) w.WriteString(name, value);
        }
    }
}
