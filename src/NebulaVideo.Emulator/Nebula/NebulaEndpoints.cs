using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace NebulaVideo.Emulator.Nebula;

/// <summary>
/// The Nebula gateway's /v1/video/generations endpoints for wan2.5-i2v-preview and sora-2, with the field
/// names, status words, answers and errors of the gateway's documents (seeds 000 and 002).
/// </summary>
internal sealed class NebulaEndpoints
{
    private const string Wan = "wan2.5-i2v-preview";
    private const string Sora = "sora-2";
    private const int MaxImageBytes = 5 * 1024 * 1024;
    private static readonly int[] WanDurations = { 5, 10 };
    private static readonly string[] WanResolutions = { "480p", "720p", "1080p" };
    private static readonly string[] SoraSizes = { "720x1280", "1280x720" };

    private readonly EmulatorState _state;
    private readonly FaultKeys _faults = new();

    public NebulaEndpoints(EmulatorState state) => _state = state;

    public void Map(WebApplication app)
    {
        app.MapPost("/v1/video/generations", (Delegate)Submit); // the handler returns a result to write, not a bare Task
        app.MapGet("/v1/video/generations/download", Download);
        app.MapGet("/v1/video/generations/{taskId}", GetTask);
    }

    private async Task<IResult> Submit(HttpContext context)
    {
        // The body comes first: which error shape a refusal takes depends on the model it names.
        var body = await WireJson.ReadObjectAsync(context.Request);
        if (body is null)
            return Refused(context) ?? NebulaErrors.Sora(400, "invalid_request_error", "invalid_json", "The request body is not a JSON object.");
        var model = WireJson.Text(body, "model");
        var refusal = Refused(context, isWan: model == Wan, isSubmit: true);
        if (refusal is not null) return refusal;
        if (_faults.ThrottlesFirstSubmission(context))
            return NebulaErrors.Common(429, model == Wan, isSubmit: true);

        return model switch
        {
            Wan => SubmitWan(context, body),
            Sora => SubmitSora(context, body),
            _ => NebulaErrors.Sora(400, "invalid_request_error", "model_not_found", $"Model '{model}' is not supported."),
        };
    }

    private IResult SubmitWan(HttpContext context, JsonObject body)
    {
        IResult Invalid(string code, string message) => NebulaErrors.Wan(400, "fail_to_submit_task", code, message);

        var prompt = WireJson.Text(body, "prompt");
        if (string.IsNullOrWhiteSpace(prompt)) return Invalid("InvalidParameter", "prompt is required");
        var image = WireJson.Text(body, "image");
        if (string.IsNullOrEmpty(image)) return Invalid("InvalidParameter", "image is required");
        if (image.StartsWith("data:", StringComparison.Ordinal))
        {
            var bytes = DecodeDataUri(image);
            if (bytes is null) return Invalid("InvalidParameter.ImageFormat", "Image format not supported or incorrect format");
            if (bytes.Length > MaxImageBytes) return Invalid("InvalidParameter.ImageSize", "Image size exceeds limit");
            if (!IsPngOrJpeg(bytes)) return Invalid("InvalidParameter.ImageFormat", "Image format not supported or incorrect format");
        }
        else if (!image.StartsWith("https://", StringComparison.Ordinal))
        {
            return Invalid("InvalidParameter", "image must be an HTTPS URL or a base64 data URI");
        }

        var duration = body["duration"] is null ? 5 : Number(body, "duration");
        if (duration is null || !WanDurations.Contains(duration.Value)) return Invalid("InvalidParameter", "duration must be 5 or 10");
        var resolution = WireJson.Text(body, "resolution") ?? "720p";
        if (!WanResolutions.Contains(resolution)) return Invalid("InvalidParameter", "resolution must be 480p, 720p or 1080p");
        var audio = WireJson.Text(body, "audio_url");
        if (audio is not null && !audio.StartsWith("https://", StringComparison.Ordinal)) return Invalid("InvalidParameter", "audio_url must be an HTTPS URL");
        if (body["seed"] is not null && (Number(body, "seed") is not int seed || seed < 0))
            return Invalid("InvalidParameter", "seed must be between 0 and 2147483647");

        return _state.Faults.Create(context, NebulaErrors.ForFault(wan: true, isSubmit: true), () =>
        {
            var task = _state.Add(FaultKeys.Key(context)!, Guid.NewGuid().ToString(), Wan, prompt, duration.Value, resolution, body);
            if (task is null) return _state.AccountLimited(context, NebulaErrors.Common(429, wan: true, isSubmit: true));
            return WireJson.Answer(200, new JsonObject
            {
                ["task_id"] = task.Id,
                ["status"] = "submitted",
                ["format"] = "mp4",
                ["metadata"] = new JsonObject
                {
                    ["model_price"] = PricePerSecond(resolution),
                    ["requested_seconds"] = task.Seconds,
                    ["billing_pending"] = true,
                    ["group_ratio"] = 1,
                    ["token_name"] = "nebula-video-generations-default",
                    ["output"] = new JsonObject { ["task_id"] = task.Id, ["task_status"] = "PENDING" },
                    ["request_id"] = Guid.NewGuid().ToString(),
                },
            });
        });
    }

    private IResult SubmitSora(HttpContext context, JsonObject body)
    {
        var prompt = WireJson.Text(body, "prompt");
        if (string.IsNullOrWhiteSpace(prompt)) return NebulaErrors.Sora(400, "invalid_request_error", "invalid_request", "prompt is required");

        // The documents: unsupported seconds or sizes are corrected to the defaults, not refused.
        var seconds = Number(body, "seconds") is int s && (s == 4 || s == 8 || s == 12) ? s : 4;
        var size = WireJson.Text(body, "size")
            ?? (Number(body, "width") is int w && Number(body, "height") is int h ? $"{w}x{h}" : null);
        if (size is null || !SoraSizes.Contains(size)) size = "720x1280";

        var remix = WireJson.Text(body, "remix_from_video_id");
        if (remix is not null && !(remix.StartsWith("video_", StringComparison.Ordinal) && _state.Tasks.TryGetValue(remix, out var source)
                && !source.Fails && _state.IsFinished(source)))
            return NebulaErrors.Sora(400, "invalid_request_error", "invalid_remix_source", "remix_from_video_id must be the id of a completed video_ task.");

        return _state.Faults.Create(context, NebulaErrors.ForFault(wan: false, isSubmit: true), () =>
        {
            var task = _state.Add(FaultKeys.Key(context)!, "video_" + Guid.NewGuid().ToString("N"), Sora, prompt, seconds, size, body);
            if (task is null) return _state.AccountLimited(context, NebulaErrors.Common(429, wan: false, isSubmit: true));
            return WireJson.Answer(200, new JsonObject
            {
                ["format"] = "mp4",
                ["metadata"] = new JsonObject
                {
                    ["completed_at"] = null,
                    ["created_at"] = task.CreatedAt.ToUnixTimeSeconds(),
                    ["error"] = null,
                    ["expires_at"] = null,
                    ["id"] = task.Id,
                    ["model"] = Sora,
                    ["object"] = "video",
                    ["progress"] = 0,
                    ["remixed_from_video_id"] = remix,
                    ["seconds"] = seconds.ToString(CultureInfo.InvariantCulture),
                    ["size"] = size,
                    ["status"] = "queued",
                },
                ["status"] = "submitted",
                ["task_id"] = task.Id,
            });
        });
    }

    private IResult GetTask(HttpContext context, string taskId)
    {
        var isWan = !taskId.StartsWith("video_", StringComparison.Ordinal);
        var refusal = Refused(context, isWan, isSubmit: false);
        if (refusal is not null) return refusal;
        // The store is shared with the unified gateway; its tasks do not exist for this one.
        if (!_state.Tasks.TryGetValue(taskId, out var task) || task.Model is not (Wan or Sora))
            return NebulaErrors.TaskNotFound(isWan);
        if (FaultKeys.FaultsFirstRead(context, task))
            return NebulaErrors.Common(503, isWan, isSubmit: false);
        return _state.Faults.Read(context, FaultTraffic.Status, task, NebulaErrors.ForFault(isWan, isSubmit: false), () =>
        {
            var (phase, fraction) = _state.PhaseOf(task);
            return WireJson.Answer(200, task.IsSora ? SoraStatus(task, phase, fraction) : WanStatus(task, phase));
        });
    }

    private JsonObject WanStatus(EmulatedTask task, int phase)
    {
        if (phase < 2)
            return new JsonObject
            {
                ["task_id"] = task.Id,
                ["status"] = "in_progress",
                ["format"] = "mp4",
                ["metadata"] = phase == 0
                    ? new JsonObject { ["model_price"] = PricePerSecond(task.Resolution), ["billing_pending"] = true, ["output"] = new JsonObject { ["task_status"] = "PENDING" } }
                    : new JsonObject { ["output"] = new JsonObject { ["task_status"] = "RUNNING" } },
            };
        if (task.Fails)
            return new JsonObject
            {
                ["task_id"] = task.Id,
                ["status"] = "failed",
                ["format"] = "mp4",
                ["metadata"] = new JsonObject
                {
                    ["output"] = new JsonObject
                    {
                        ["task_status"] = "FAILED",
                        ["code"] = "InvalidParameter.DataInspection",
                        ["message"] = "Content moderation failed: the input image or prompt may contain inappropriate content",
                    },
                },
            };
        return new JsonObject
        {
            ["task_id"] = task.Id,
            ["status"] = "succeeded",
            ["format"] = "mp4",
            ["url"] = task.Expired ? "expired" : _state.SignedVideoLink(task),
            ["metadata"] = new JsonObject
            {
                ["model_price"] = PricePerSecond(task.Resolution),
                ["billing_pending"] = false,
                ["group_ratio"] = 1,
                ["usage"] = new JsonObject { ["video_count"] = 1, ["duration"] = task.Seconds, ["resolution"] = task.Resolution },
                ["output"] = new JsonObject
                {
                    ["task_status"] = "SUCCEEDED",
                    ["video_url"] = _state.VideoLink(task).ToString(),
                    ["submit_time"] = DashScopeTime(task.CreatedAt),
                    ["end_time"] = DashScopeTime(task.FinishedAt(_state.Options.PhaseDuration)),
                },
                ["request_id"] = Guid.NewGuid().ToString(),
            },
        };
    }

    // As DashScope writes them (seed 000's "2025-11-04 19:16:40.291"): Beijing wall-clock time, UTC+8, with no zone.
    // Both times come from the task's creation and the fixed phase length, so they read the same on every read.
    private static string DashScopeTime(DateTimeOffset moment) =>
        moment.ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture);

    private static JsonObject SoraStatus(EmulatedTask task, int phase, double fraction)
    {
        var (status, progress) = phase switch
        {
            0 => ("queued", (int)(fraction * 20)),
            1 => ("in_progress", 20 + (int)(fraction * 79)),
            _ => (task.Fails ? "failed" : "succeeded", 100),
        };
        var answer = new JsonObject
        {
            ["task_id"] = task.Id,
            ["id"] = task.Id,
            ["object"] = "video_generation",
            ["model"] = Sora,
            ["status"] = status,
            ["progress"] = progress,
            ["created_at"] = task.CreatedAt.ToUnixTimeSeconds(),
        };
        if (status == "failed")
        {
            // As the documents show a failure: the reason instead of the prompt, seconds and size.
            answer["failure_reason"] = "Prompt contains inappropriate content";
            answer["error"] = new JsonObject { ["message"] = "Prompt contains inappropriate content", ["code"] = "content_policy_violation" };
            return answer;
        }
        answer["prompt"] = task.Prompt;
        answer["seconds"] = task.Seconds.ToString(CultureInfo.InvariantCulture);
        answer["size"] = task.Resolution;
        if (status == "succeeded")
        {
            var parts = task.Resolution.Split('x');
            answer["completed_at"] = task.CreatedAt.ToUnixTimeSeconds() + 2;
            answer["width"] = int.Parse(parts[0], CultureInfo.InvariantCulture);
            answer["height"] = int.Parse(parts[1], CultureInfo.InvariantCulture);
            answer["n_seconds"] = task.Seconds;
        }
        return answer;
    }

    private IResult Download(HttpContext context)
    {
        var id = context.Request.Query["id"].ToString();
        if (Refused(context, isWan: false, isSubmit: false) is { } refusal) return refusal;
        if (!_state.Tasks.TryGetValue(id, out var task)) return NebulaErrors.TaskNotFound(wan: false);
        if (!task.IsSora || task.Fails || !_state.IsFinished(task))
            return NebulaErrors.Sora(400, "invalid_request_error", "task_not_completed", "The task is not a completed sora-2 task.");
        if (task.Expired) return NebulaErrors.Sora(404, "not_found", "video_expired", "The video has expired.");
        return _state.Faults.Read(context, FaultTraffic.Download, task, NebulaErrors.ForFault(wan: false, isSubmit: false),
            () => Results.Stream(body => WriteBase64EnvelopeAsync(body, task), "application/json"));
    }

    // Streams the envelope: the video goes out as base64 in blocks, never as one giant string.
    private static async Task WriteBase64EnvelopeAsync(Stream body, EmulatedTask task)
    {
        var head = $"{{\"success\":true,\"generation_id\":\"{task.Id}\",\"task_id\":\"{task.Id}\",\"format\":\"mp4\",\"size\":{task.VideoLength},\"base64\":\"";
        await body.WriteAsync(Encoding.ASCII.GetBytes(head));
        const int block = 3 * 16 * 1024;
        var bytes = new byte[block];
        for (long offset = 0; offset < task.VideoLength;)
        {
            var read = task.ReadVideo(offset, bytes);
            offset += read;
            var text = Convert.ToBase64String(bytes, 0, read);
            await body.WriteAsync(Encoding.ASCII.GetBytes(text));
        }
        await body.WriteAsync(Encoding.ASCII.GetBytes("\"}"));
    }

    /// <summary>
    /// The refusal a key earns before any work: missing or wrong (401), or one of the fault keys. The Nebula
    /// documents know no 502 and no per-model 403, so the badgateway and forbidden keys pass here as plain keys;
    /// an empty quota is the documents' 403 on submission.
    /// </summary>
    private static IResult? Refused(HttpContext context, bool isWan = false, bool isSubmit = false) => FaultKeys.Check(context) switch
    {
        KeyFault.Unauthorized => NebulaErrors.Common(401, isWan, isSubmit),
        KeyFault.RateLimited => NebulaErrors.Common(429, isWan, isSubmit),
        KeyFault.ServerError => NebulaErrors.Common(500, isWan, isSubmit),
        KeyFault.NoQuota when isSubmit => NebulaErrors.Common(403, isWan, isSubmit),
        _ => null,
    };

    private static decimal PricePerSecond(string resolution) => resolution switch
    {
        "480p" => 0.0369m,
        "1080p" => 0.1233m,
        _ => 0.0738m,
    };

    private static int? Number(JsonObject body, string name)
    {
        if (body[name] is not JsonValue value) return null;
        if (value.TryGetValue<int>(out var number)) return number;
        if (value.TryGetValue<long>(out _)) return null;
        return value.TryGetValue<string>(out var text) && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out number) ? number : null;
    }

    private static byte[]? DecodeDataUri(string uri)
    {
        var comma = uri.IndexOf(',');
        if (comma < 0 || !uri.Substring(0, comma).EndsWith(";base64", StringComparison.Ordinal)) return null;
        try { return Convert.FromBase64String(uri.Substring(comma + 1)); }
        catch (FormatException) { return null; }
    }

    private static bool IsPngOrJpeg(byte[] b) =>
        (b.Length > 8 && b[0] == 0x89 && b[1] == (byte)'P' && b[2] == (byte)'N' && b[3] == (byte)'G')
        || (b.Length > 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF);
}
