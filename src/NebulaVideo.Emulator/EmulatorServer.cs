using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NebulaVideo.Emulator.Nebula;
using NebulaVideo.Emulator.Unified;

namespace NebulaVideo.Emulator;

/// <summary>
/// The Nebula gateway (with the unified gateway under /apiv1/ on the same port) and its storage host, on two
/// loopback ports. Start it in-process (tests) or through Program (the demo, users' dry runs).
/// </summary>
public sealed class EmulatorServer : IAsyncDisposable
{
    private readonly EmulatorState _state;
    private readonly WebApplication _gateway;
    private readonly WebApplication _storage;

    private EmulatorServer(EmulatorState state, WebApplication gateway, WebApplication storage)
    {
        _state = state;
        _gateway = gateway;
        _storage = storage;
    }

    public Uri GatewayUri { get; private set; } = null!;
    public Uri StorageUri => _state.StorageUri;

    /// <summary>The unified gateway's base address (GatewayUri + "apiv1/"); its paths are relative to it.</summary>
    public Uri UnifiedUri => new(GatewayUri, UnifiedEndpoints.BasePath);

    /// <summary>Every request both origins received, in order of arrival.</summary>
    public IReadOnlyList<RecordedRequest> Requests => _state.Requests;

    /// <summary>
    /// Every image the unified gateway downloaded, in order, with the create it refused or not: it downloads an image
    /// URL on a loopback host (http or https) when a create has passed every other check, and never any other host.
    /// </summary>
    public IReadOnlyList<ImageFetch> ImageFetches => _state.ImageFetches;

    /// <summary>Accepted submissions.</summary>
    public int SubmissionCount => _state.SubmissionCount;

    /// <summary>Tasks created by accepted submissions, including those whose answer a fault lost.</summary>
    public int CreatedTaskCount => _state.CreatedTaskCount;

    /// <summary>
    /// Accepted submissions whose JSON body (members sorted, whitespace ignored) equals an earlier accepted one's:
    /// zero proves a client never paid twice for the same request, faults or not.
    /// </summary>
    public int DuplicateSubmissionCount => _state.DuplicateSubmissionCount;

    /// <summary>Creates refused with 429 because their account had <see cref="EmulatorOptions.AccountTaskLimit"/> unfinished tasks.</summary>
    public int AccountLimitRefusals => _state.AccountLimitRefusals;

    /// <summary>
    /// The highest number of unfinished tasks any one account (API key) had at once, measured at each accepted create
    /// (the new task included); with a cap, never above it. Counted with or without a cap.
    /// </summary>
    public int PeakConcurrentTasks => _state.PeakConcurrentTasks;

    /// <summary>Faults injected so far by <see cref="EmulatorOptions.Faults"/> and the chaos key; fault keys' own answers are not counted.</summary>
    public int FaultsInjected => _state.Faults.Injected;

    /// <summary>Faults injected so far, per kind (kinds never injected are absent); a snapshot.</summary>
    public IReadOnlyDictionary<FaultKind, int> FaultCounts => _state.Faults.Counts;

    public static async Task<EmulatorServer> StartAsync(EmulatorOptions options, CancellationToken cancellationToken = default)
    {
        var state = new EmulatorState(options);
        var storage = Build("storage", options.StoragePort, state);
        new StorageEndpoints(state).Map(storage);
        var gateway = Build("gateway", options.GatewayPort, state);
        // One gateway app speaks both dialects: the unified gateway lives under its own base path, as on its real host.
        new NebulaEndpoints(state).Map(gateway);
        new UnifiedEndpoints(state).Map(gateway);

        var server = new EmulatorServer(state, gateway, storage);
        await storage.StartAsync(cancellationToken);
        state.StorageUri = BoundAddress(storage);
        await gateway.StartAsync(cancellationToken);
        server.GatewayUri = BoundAddress(gateway);
        return server;
    }

    /// <summary>The exact bytes served for a task, by link or by base64 download.</summary>
    public byte[] VideoBytes(string taskId) => Find(taskId).Video;

    /// <summary>
    /// The signed link a finished wan or unified task hands out now, as its next status read would: how a test reaches
    /// the storage host when a fault plan faults every status read.
    /// </summary>
    public Uri SignedVideoLink(string taskId) => new(_state.SignedVideoLink(Find(taskId)));

    /// <summary>A unified task's first frame: the URL the gateway received and what it fetched; null for a Nebula task.</summary>
    public SubmittedImage? ImageOf(string taskId) => Find(taskId).Image;

    /// <summary>Ends the task's retention: its link reads "expired" and downloads are refused.</summary>
    public void ExpireTask(string taskId) => Find(taskId).Expired = true;

    public async ValueTask DisposeAsync()
    {
        await _gateway.StopAsync();
        await _storage.StopAsync();
        await _gateway.DisposeAsync();
        await _storage.DisposeAsync();
    }

    private EmulatedTask Find(string taskId) =>
        _state.Tasks.TryGetValue(taskId, out var task) ? task : throw new KeyNotFoundException($"The emulator has no task {taskId}.");

    private static WebApplication Build(string origin, int port, EmulatorState state)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        app.Use(async (context, next) =>
        {
            context.Request.EnableBuffering();
            var body = await new StreamReader(context.Request.Body, leaveOpen: true).ReadToEndAsync();
            context.Request.Body.Position = 0;
            var authorization = context.Request.Headers.Authorization;
            state.Record(new RecordedRequest(origin, context.Request.Method, context.Request.Path + context.Request.QueryString,
                authorization.Count == 0 ? null : authorization.ToString(), body, DateTimeOffset.UtcNow));
            await next(context);
        });
        return app;
    }

    private static Uri BoundAddress(WebApplication app)
    {
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new Uri(address.EndsWith('/') ? address : address + "/");
    }
}
