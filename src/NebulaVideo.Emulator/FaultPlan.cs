using System;
using System.Collections.Generic;

namespace NebulaVideo.Emulator;

// Fault injection: a gateway that misbehaves at a chosen rate, so reliability tests of a client can prove what
// matters to someone who pays per second of video: no video lost, nothing paid twice, no broken file on disk.
//
// Each eligible request (see FaultPlan.Reads/Creates) draws from a Random seeded with FaultPlan.Seed: with
// probability Rate it is faulted, with a kind drawn uniformly from the Kinds that can happen to that request
// (a kind that cannot, such as LostCreateAnswer on a read, is skipped, never substituted). Same plan, same
// order of requests: same faults, so a failing run can be replayed. Requests carrying a fault key
// (FaultKeys: sk-emulator-flaky...) are never faulted by the plan: they keep their own, scripted behaviour.
// The key sk-emulator-chaos is the exception: it alone faults 25% of its reads with every read kind (never its
// creates), so the module can be tried by hand against a misbehaving gateway without restarting the emulator.
// The storage origin sees no keys: it faults a task's downloads as the gateway faulted the task's last status read.
//
// What each kind proves about the client:
// - TooManyRequests: 429 with Retry-After: 0 (so tests stay fast) in the dialect's documented body; it honours
//   Retry-After and retries instead of failing.
// - ServerError, BadGateway, Unavailable: 500, 502, 503 in the dialect's error body (the Nebula dialect documents
//   no 502 and gets its 500 body with status 502); a transient 5xx on a read is retried, not final.
// - DropConnection: the TCP connection is aborted before any answer; a network error on a read is retried.
// - TruncatedBody: the status and the full Content-Length go out, then about half the body, then the connection
//   is closed; a body cut short *while being read* is retried, and a download never leaves a partial file.
// - SlowBody: the whole answer, in small pieces over about 1.5 s; a slow but complete answer is not a failure
//   and is not cut off by a timeout meant for a dead gateway.
// - LostCreateAnswer (creates only): the task is created, then the connection is aborted instead of answering;
//   the client cannot know the task exists and must not submit again blindly (DuplicateSubmissionCount stays 0).
// - NotFoundOnce (a task's first status read only): 404 in the dialect's body, then the task as usual; a 404
//   just after a create is not final until it persists.
// - Hang: the request is accepted and never answered until the client gives up; the client's per-request timeout
//   bounds the wait instead of holding a pipeline for minutes.
// - ExpiredLink (storage downloads, a task's first one only): 403 "Request has expired" and the task's link is
//   renewed; the client asks the gateway again for a fresh link (a new Signature) instead of failing the save.
//
// On a create, TruncatedBody and SlowBody (like LostCreateAnswer) come after the task is created; every other kind
// comes before it, so nothing was created. A real gateway may have created the task either way: the client is
// proven not to assume, and DuplicateSubmissionCount shows whether it ever submitted the same body twice.

/// <summary>A way the emulator misbehaves on purpose; the comment at the top of FaultPlan.cs says what each proves.</summary>
public enum FaultKind
{
    TooManyRequests,
    ServerError,
    BadGateway,
    Unavailable,
    DropConnection,
    TruncatedBody,
    SlowBody,
    LostCreateAnswer,
    NotFoundOnce,
    Hang,
    ExpiredLink,
}

/// <summary>Which faults the emulator injects, how often, into which traffic, and from which seed.</summary>
public sealed record FaultPlan
{
    private readonly double _rate;

    /// <summary>No faults: the default of <see cref="EmulatorOptions.Faults"/>.</summary>
    public static FaultPlan None { get; } = new();

    /// <summary>Every kind there is; the default of <see cref="Kinds"/>, so a plan with only a rate faults in every way.</summary>
    public static IReadOnlyList<FaultKind> AllKinds { get; } = Array.AsReadOnly(Enum.GetValues<FaultKind>());

    /// <summary>The chance (0 to 1) that an eligible request is faulted.</summary>
    public double Rate
    {
        get => _rate;
        init => _rate = value is >= 0 and <= 1 ? value : throw new ArgumentOutOfRangeException(nameof(Rate), value, "A fault rate is between 0 and 1.");
    }

    /// <summary>The kinds to choose from, uniformly; a kind that cannot happen to a request is skipped for it.</summary>
    public IReadOnlyList<FaultKind> Kinds { get; init; } = AllKinds;

    /// <summary>Seeds the Random that decides, so the same plan over the same requests injects the same faults.</summary>
    public int Seed { get; init; }

    /// <summary>Faults task status and detail reads, the sora-2 base64 download and storage downloads.</summary>
    public bool Reads { get; init; } = true;

    /// <summary>Faults creates (submissions); off by default because a faulted create is the costly case to test on purpose.</summary>
    public bool Creates { get; init; }
}
