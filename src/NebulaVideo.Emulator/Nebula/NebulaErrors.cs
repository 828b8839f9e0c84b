using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace NebulaVideo.Emulator.Nebula;

/// <summary>
/// The gateway's two error bodies, as its documents show them: wan2.5 answers {"code","message","data"} with
/// the provider's code and message packed as JSON inside "message"; sora-2 (and anything the gateway cannot
/// attribute to a model) answers {"error":{"message","type","code"}}.
/// </summary>
internal static class NebulaErrors
{
    public static IResult Wan(int status, string outerCode, string providerCode, string message) =>
        WireJson.Answer(status, new JsonObject
        {
            ["code"] = outerCode,
            ["message"] = new JsonObject
            {
                ["request_id"] = System.Guid.NewGuid().ToString(),
                ["code"] = providerCode,
                ["message"] = message,
            }.ToJsonString(),
            ["data"] = null,
        });

    public static IResult Sora(int status, string type, string code, string message) =>
        WireJson.Answer(status, new JsonObject
        {
            ["error"] = new JsonObject { ["message"] = message, ["type"] = type, ["code"] = code },
        });

    /// <summary>The 404 of a task the gateway does not know, in the shape of the model its id belongs to.</summary>
    public static IResult TaskNotFound(bool wan) => wan
        ? Wan(404, "fail_to_fetch_task", "TaskNotExist", "Task does not exist")
        : Sora(404, "not_found", "task_not_found", "Task does not exist");

    /// <summary>
    /// A fault's refusal in the shape of the model asked about: a 404 (NotFoundOnce) is the unknown-task answer, the
    /// rest the shared statuses; 502 is undocumented here, so it takes the 500 body with its own status.
    /// </summary>
    public static FaultRefusal ForFault(bool wan, bool isSubmit) =>
        status => status == 404 ? TaskNotFound(wan) : Common(status, wan, isSubmit);

    /// <summary>A status every model shares (bad key, no quota, throttled, broken), in the shape of the model asked about.</summary>
    public static IResult Common(int status, bool wan, bool isSubmit)
    {
        var (providerCode, wanMessage, type, code, soraMessage) = status switch
        {
            401 => ("InvalidApiKey", "Invalid API Key", "authentication_error", "invalid_api_key", "Invalid API key"),
            403 => ("InsufficientQuota", "Insufficient balance", "permission_denied", "insufficient_quota", "Insufficient balance"),
            429 => ("Throttling.RateLimit", "Request frequency too high", "rate_limit_error", "rate_limit_exceeded", "Request frequency too high"),
            503 => ("InternalError", "Service temporarily unavailable", "server_error", "service_unavailable", "Service temporarily unavailable"),
            _ => ("InternalError", "Internal Server Error", "server_error", "internal_error", "Internal server error"),
        };
        return wan ? Wan(status, isSubmit ? "fail_to_submit_task" : "fail_to_fetch_task", providerCode, wanMessage) : Sora(status, type, code, soraMessage);
    }
}
