using System;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace NebulaVideo.Emulator.Unified;

/// <summary>
/// The unified gateway (seed 003 for wan2.5-image-to-video, seed 001 for wan2.6-image-to-video, GATEWAY-NOTES for
/// the task detail), under the base path its real host uses, so a client is proven to keep a base path.
/// </summary>
internal sealed class UnifiedEndpoints
{
    /// <summary>The base path, relative to the gateway's root (the documents' server is https://ai.odkkk.com/apiv1).</summary>
    public const string BasePath = "apiv1/";

    private readonly EmulatorState _state;
    private readonly FaultKeys _faults = new();

    public UnifiedEndpoints(EmulatorState state) => _state = state;

    public void Map(IEndpointRouteBuilder app)
    {
        var gateway = app.MapGroup("/" + BasePath.TrimEnd('/'));
        gateway.MapPost("/v1/videos/generations", (Delegate)Create); // the handler returns a result to write, not a bare Task
        gateway.MapGet("/v1/tasks/{taskId}", Detail);
    }

    private async Task<IResult> Create(HttpContext context)
    {
        // Key faults that need nothing from the body come first, as a real gateway checks before it reads.
        var fault = FaultKeys.Check(context);
        if (UnifiedErrors.ForKey(fault) is { } refusal) return refusal;
        if (_faults.ThrottlesFirstSubmission(context)) return UnifiedErrors.Documented(429);

        var body = await WireJson.ReadObjectAsync(context.Request);
        if (body is null) return UnifiedErrors.InvalidRequest(null, "Invalid request format");
        // Without a model name the gateway cannot tell which document applies: seed 003's own 400 example.
        var name = WireJson.Text(body, "model");
        if (string.IsNullOrEmpty(name)) return UnifiedErrors.InvalidRequest("model", "Invalid request format");
        var model = UnifiedModel.Find(name);
        if (model is null) return UnifiedErrors.ModelNotFound();
        // Access is per model (the 403 names param "model"), so it is decided once the model is known.
        if (fault == KeyFault.Forbidden) return UnifiedErrors.Documented(403);

        var (request, problem) = UnifiedRequest.Parse(body, model);
        if (problem is not null) return UnifiedErrors.InvalidRequest(problem.Param, problem.Message);
        // Quota is checked last: the reservation depends on the duration and quality just validated.
        if (fault == KeyFault.NoQuota) return UnifiedErrors.InsufficientQuota();

        // The image is fetched only once every cheap check has passed, and only from this machine (see ImageFetcher).
        var image = new SubmittedImage(request!.ImageUrl.OriginalString, null);
        if (HttpsUrls.IsLoopback(request.ImageUrl))
        {
            var fetch = await ImageFetcher.FetchAsync(request.ImageUrl, context.RequestAborted);
            _state.Record(fetch);
            if (!fetch.Accepted) return UnifiedErrors.InvalidRequest("image_urls", fetch.Problem!);
            image = image with { Fetch = fetch };
        }

        return _state.Faults.Create(context, UnifiedErrors.ForFault, () =>
        {
            var task = _state.Add(FaultKeys.Key(context)!, UnifiedTaskId.New(_state.Now), model.Name, request.Prompt, request.Duration, request.Quality, body, image);
            if (task is null) return _state.AccountLimited(context, UnifiedErrors.Documented(429));
            return WireJson.Answer(200, UnifiedTaskView.Of(task, _state));
        });
    }

    private IResult Detail(HttpContext context, string taskId)
    {
        if (UnifiedErrors.ForKey(FaultKeys.Check(context)) is { } refusal) return refusal;
        if (!UnifiedTaskId.IsWellFormed(taskId)) return UnifiedErrors.InvalidTaskId();
        if (!_state.Tasks.TryGetValue(taskId, out var task)) return UnifiedErrors.TaskNotFound();
        if (FaultKeys.FaultsFirstRead(context, task)) return UnifiedErrors.Documented(503);
        return _state.Faults.Read(context, FaultTraffic.Status, task, UnifiedErrors.ForFault, () => WireJson.Answer(200, UnifiedTaskView.Of(task, _state)));
    }
}
