using System;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace NebulaVideo.Emulator;

/// <summary>
/// The object store behind the signed links of wan2.5 and the unified gateway's tasks, on its own origin. Like a real pre-signed link it
/// refuses a request that also carries an Authorization header: that is how tests prove the client never
/// sends the API key anywhere but the gateway.
/// </summary>
internal sealed class StorageEndpoints
{
    private readonly EmulatorState _state;

    public StorageEndpoints(EmulatorState state) => _state = state;

    public void Map(WebApplication app) => app.MapGet("/videos/{file}", Get);

    private IResult Get(HttpContext context, string file)
    {
        if (context.Request.Headers.ContainsKey("Authorization"))
            return Xml(400, "InvalidArgument", "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified");
        var id = file.EndsWith(".mp4", StringComparison.Ordinal) ? file[..^4] : file;
        if (!_state.Tasks.TryGetValue(id, out var task) || task.IsSora || task.Fails
            || !_state.IsFinished(task))
            return Xml(404, "NoSuchKey", "The specified key does not exist.");
        switch (task.CheckSignature(context.Request.Query["Signature"].ToString()))
        {
            case LinkSignature.Foreign:
                return Xml(403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided.");
            case LinkSignature.Superseded:
                // A link from before a renewal: as a pre-signed link past its lifetime, not as a forged one.
                return Expired();
        }
        if (task.Expired)
            return Expired();
        return _state.Faults.Read(context, FaultTraffic.Storage, task, Refusal, () => task.IsPadded ? Streamed(context, task) : Results.Bytes(task.Video, "video/mp4"));
    }

    // A padded (large) video goes out in blocks, with its length, never held whole.
    private static IResult Streamed(HttpContext context, EmulatedTask task)
    {
        context.Response.ContentLength = task.VideoLength;
        return Results.Stream(body => task.WriteVideoAsync(body, context.RequestAborted), "video/mp4");
    }

    private static IResult Expired() => Xml(403, "AccessDenied", "Request has expired");

    // An object store's own words for a fault: S3 has no 429 and no 502, so those take the nearest codes it has.
    private static IResult Refusal(int status) => status switch
    {
        403 => Expired(),
        429 => Xml(429, "SlowDown", "Please reduce your request rate."),
        503 => Xml(503, "ServiceUnavailable", "Please reduce your request rate."),
        _ => Xml(status, "InternalError", "We encountered an internal error. Please try again."),
    };

    private static IResult Xml(int status, string code, string message) =>
        Results.Content($"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message></Error>",
            "application/xml", System.Text.Encoding.UTF8, status);
}
