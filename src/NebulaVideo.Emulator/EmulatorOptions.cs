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
}

/// <summary>One request as the emulator saw it, so tests can check what crossed the wire.</summary>
public sealed record RecordedRequest(string Origin, string Method, string PathAndQuery, string? Authorization, string Body, DateTimeOffset ReceivedAt);
