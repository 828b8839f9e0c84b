using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace NebulaVideo.Emulator.Unified;

/// <summary>
/// The unified gateway's error body, {"error":{"code","message","type","param","fallback_suggestion"}}. The create
/// endpoint's code is the HTTP status (seed 003's examples, answered verbatim); the task endpoint's own refusals
/// carry a string code (GATEWAY-NOTES), which is how a client tells "no such task" from "no such route".
/// </summary>
internal static class UnifiedErrors
{
    /// <summary>Seed 003's example for a status both endpoints share, value for value.</summary>
    public static IResult Documented(int status) => status switch
    {
        401 => Error(401, 401, "Invalid authentication credentials", "authentication_error"),
        403 => Error(403, 403, "Access denied for this model", "permission_error", param: "model"),
        429 => Error(429, 429, "Rate limit exceeded", "rate_limit_error", fallback: "retry after 60 seconds"),
        502 => Error(502, 502, "Bad gateway", "upstream_error", fallback: "try again later"),
        503 => Error(503, 503, "Service temporarily unavailable", "service_unavailable_error", fallback: "retry after 30 seconds"),
        _ => Error(500, 500, "Internal server error", "internal_server_error", fallback: "try again later"),
    };

    /// <summary>A fault's refusal: the documented example for its status, or the task endpoint's 404 for NotFoundOnce.</summary>
    public static IResult ForFault(int status) => status == 404 ? TaskNotFound() : Documented(status);

    /// <summary>The refusal a key earns on either endpoint before anything is read; null when it earns none there.</summary>
    public static IResult? ForKey(KeyFault fault) => fault switch
    {
        KeyFault.Unauthorized => Documented(401),
        KeyFault.RateLimited => Documented(429),
        KeyFault.ServerError => Documented(500),
        KeyFault.BadGateway => Documented(502),
        _ => null,
    };

    /// <summary>A create field the gateway refuses; param is null when the body is no JSON object at all.</summary>
    public static IResult InvalidRequest(string? param, string message) =>
        Error(400, 400, message, "invalid_request_error", param);

    public static IResult ModelNotFound() =>
        Error(404, 404, "Specified model not found", "not_found_error", param: "model", fallback: UnifiedModel.Wan25.Name);

    public static IResult InsufficientQuota() =>
        Error(402, 402, "Insufficient quota", "insufficient_quota", fallback: "recharge your account");

    public static IResult InvalidTaskId() =>
        Error(400, "invalid_task_id", $"task_id must start with {UnifiedTaskId.Prefix}", "invalid_request_error", param: "task_id");

    public static IResult TaskNotFound() =>
        Error(404, "task_not_found", "Task not found", "not_found_error", param: "task_id");

    // Optional members are left out rather than sent as null: the documents' examples omit them.
    private static IResult Error(int status, JsonNode code, string message, string type, string? param = null, string? fallback = null)
    {
        var error = new JsonObject { ["code"] = code, ["message"] = message, ["type"] = type };
        if (param is not null) error["param"] = param;
        if (fallback is not null) error["fallback_suggestion"] = fallback;
        return WireJson.Answer(status, new JsonObject { ["error"] = error });
    }
}
