using System;

namespace NebulaVideo.Emulator;

public sealed class EmulatorOptions
{
    /// <summary>The gateway's port on 127.0.0.1; 0 picks a free one.</summary>
    public int GatewayPort { get; init; }

    /// <summary>The storage host's port (a second origin, for signed video links); 0 picks a free one.</summary>
    public int StoragePort { get; init; }

    /// <summary>How long a task stays in each phase (queued, then running) before it finishes.</summary>
    public TimeSpan PhaseDuration { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The clock tasks age by; a test can pass its own to step through the phases without waiting.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>Faults injected at random into reads (and, if asked, creates); none by default. See FaultPlan.cs.</summary>
    public FaultPlan Faults { get; init; } = FaultPlan.None;

    /// <summary>
    /// How many unfinished tasks one account (one API key) may have at once, as gateways cap it without saying so;
    /// null (the default) for no cap. A create past the cap is answered 429 in the dialect's documented body and
    /// creates nothing; a task stops counting once it finishes (succeeded or failed). Both dialects share the count,
    /// since the key is the account. At least 1.
    /// </summary>
    public int? AccountTaskLimit { get; init; }

    /// <summary>True: the cap's 429 carries Retry-After: 1; false (the default): it carries no Retry-After at all.</summary>
    public bool AccountLimitRetryAfter { get; init; }

    /// <summary>
    /// How many bytes each task's video has; null (the default) for the small sample MP4 with its task box. A larger
    /// size pads the task's trailing 'free' box with zeros, still a playable MP4, which is streamed out by link and by
    /// base64 download without ever being held in memory (for benchmarks of large downloads). At most 4 GiB - 1.
    /// </summary>
    public long? VideoSizeBytes { get; init; }
}

/// <summary>One request as the emulator saw it, so tests can check what crossed the wire.</summary>
public sealed record RecordedRequest(string Origin, string Method, string PathAndQuery, string? Authorization, string Body, DateTimeOffset ReceivedAt);
