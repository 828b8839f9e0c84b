using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.AspNetCore.Http;

namespace NebulaVideo.Emulator;

/// <summary>Which of the emulator's traffic a request is; decides which fault kinds can happen to it.</summary>
internal enum FaultTraffic
{
    /// <summary>A submission, on either dialect.</summary>
    Create,

    /// <summary>A task's status (Nebula) or detail (Unified) read.</summary>
    Status,

    /// <summary>The Nebula gateway's sora-2 base64 download.</summary>
    Download,

    /// <summary>A download of a signed link from the storage origin.</summary>
    Storage,
}

/// <summary>Which plan a request falls under, by its key.</summary>
internal enum FaultRegime
{
    /// <summary>The emulator's <see cref="EmulatorOptions.Faults"/>.</summary>
    Plan,

    /// <summary>The chaos key's own plan (a quarter of reads, every read kind).</summary>
    Chaos,

    /// <summary>Another fault key: it keeps its own scripted behaviour and is never faulted at random.</summary>
    Exempt,
}

/// <summary>
/// A dialect's wording of a fault's refusal: 429, 500, 502 or 503 for those kinds, 404 for NotFoundOnce, and 403
/// (storage only) for ExpiredLink. The injector decides and sets the headers; the dialect only shapes the body.
/// </summary>
internal delegate IResult FaultRefusal(int status);

/// <summary>
/// The one place that decides whether a request is faulted, and how, for both dialects and the storage origin;
/// the endpoints hand it their real answer (as a callback, so a fault that comes before the work skips the work)
/// and their error shape. FaultPlan.cs explains the kinds and what each proves.
/// </summary>
internal sealed class FaultInjector
{
    /// <summary>Everything that can happen to a read: the chaos key's kinds.</summary>
    public static readonly IReadOnlyList<FaultKind> ReadKinds = FaultPlan.AllKinds.Where(kind => kind != FaultKind.LostCreateAnswer).ToArray();

    private readonly TimeProvider _clock;
    private readonly (FaultPlan Plan, Random Random) _plan;
    private readonly (FaultPlan Plan, Random Random) _chaos;
    private readonly Dictionary<FaultKind, int> _counts = new();
    private readonly object _gate = new();
    private int _injected;

    public FaultInjector(FaultPlan plan, TimeProvider clock)
    {
        _clock = clock;
        _plan = (plan, new Random(plan.Seed));
        // Its own Random, so trying the chaos key by hand does not shift the plan's sequence under a test.
        _chaos = (new FaultPlan { Rate = 0.25, Kinds = ReadKinds, Seed = plan.Seed }, new Random(plan.Seed));
    }

    public int Injected
    {
        get { lock (_gate) return _injected; }
    }

    public IReadOnlyDictionary<FaultKind, int> Counts
    {
        get { lock (_gate) return new Dictionary<FaultKind, int>(_counts); }
    }

    /// <summary>
    /// A create that passed every check: <paramref name="create"/> creates the task and builds the answer (or, at
    /// the account's task limit, creates nothing and builds the 429), and is called only when the fault (if any)
    /// comes after the work is done.
    /// </summary>
    public IResult Create(HttpContext context, FaultRefusal refuse, Func<IResult> create)
    {
        var kind = Draw(RegimeOf(context), FaultTraffic.Create, firstRead: false);
        switch (kind)
        {
            case null:
                return create();
            case FaultKind.LostCreateAnswer:
                create(); // the task exists (unless the account's cap refused it) and will be billed; its answer is what gets lost
                return FaultResults.Drop();
            case FaultKind.TruncatedBody:
                return FaultResults.Truncated(create());
            case FaultKind.SlowBody:
                return FaultResults.Slow(create());
            default:
                return Before(kind.Value, context, refuse);
        }
    }

    /// <summary>
    /// A read that found its task: <paramref name="answer"/> builds the real answer, only when the fault (if any)
    /// still delivers it, so a status read after an ExpiredLink renewal hands out the new link.
    /// </summary>
    public IResult Read(HttpContext context, FaultTraffic traffic, EmulatedTask task, FaultRefusal refuse, Func<IResult> answer)
    {
        FaultRegime regime;
        if (traffic == FaultTraffic.Storage)
        {
            regime = task.Regime;
        }
        else
        {
            regime = RegimeOf(context);
            // The storage host sees no key: it treats the task's downloads as the gateway treated its last read.
            if (traffic == FaultTraffic.Status) task.Regime = regime;
        }
        var first = traffic switch
        {
            FaultTraffic.Status => task.CountStatusRead() == 0,
            FaultTraffic.Storage => task.CountStorageDownload() == 0,
            _ => false,
        };

        var kind = Draw(regime, traffic, first);
        switch (kind)
        {
            case null:
                return answer();
            case FaultKind.TruncatedBody:
                return FaultResults.Truncated(answer());
            case FaultKind.SlowBody:
                return FaultResults.Slow(answer());
            case FaultKind.ExpiredLink:
                // The link the client holds is now superseded (and refused as expired); the next read gives a new one.
                task.RenewLink(_clock.GetUtcNow());
                return refuse(403);
            default:
                return Before(kind.Value, context, refuse);
        }
    }

    private static FaultRegime RegimeOf(HttpContext context)
    {
        var key = FaultKeys.Key(context);
        return key == FaultKeys.Chaos ? FaultRegime.Chaos : FaultKeys.IsFaultKey(key) ? FaultRegime.Exempt : FaultRegime.Plan;
    }

    // The faults that replace the answer entirely: nothing behind them runs.
    private static IResult Before(FaultKind kind, HttpContext context, FaultRefusal refuse)
    {
        switch (kind)
        {
            case FaultKind.TooManyRequests:
                // 0, not the documents' minute: a client that honours it retries at once and tests stay fast.
                context.Response.Headers.RetryAfter = "0";
                return refuse(429);
            case FaultKind.ServerError: return refuse(500);
            case FaultKind.BadGateway: return refuse(502);
            case FaultKind.Unavailable: return refuse(503);
            case FaultKind.NotFoundOnce: return refuse(404);
            case FaultKind.DropConnection: return FaultResults.Drop();
            case FaultKind.Hang: return FaultResults.Hang();
            default: throw new InvalidOperationException($"{kind} is not a fault that replaces the answer.");
        }
    }

    /// <summary>
    /// Draws for an eligible request: one number for "faulted or not" (always, so the sequence depends only on
    /// the order of eligible requests), then, if faulted, one kind among those that can happen to it.
    /// </summary>
    private FaultKind? Draw(FaultRegime regime, FaultTraffic traffic, bool firstRead)
    {
        if (regime == FaultRegime.Exempt) return null;
        var (plan, random) = regime == FaultRegime.Chaos ? _chaos : _plan;
        if (!(traffic == FaultTraffic.Create ? plan.Creates : plan.Reads)) return null;
        lock (_gate)
        {
            if (random.NextDouble() >= plan.Rate) return null;
            var possible = plan.Kinds.Where(kind => CanHappen(kind, traffic, firstRead)).ToList();
            if (possible.Count == 0) return null;
            var chosen = possible[random.Next(possible.Count)];
            _injected++;
            _counts[chosen] = _counts.GetValueOrDefault(chosen) + 1;
            return chosen;
        }
    }

    private static bool CanHappen(FaultKind kind, FaultTraffic traffic, bool firstRead) => kind switch
    {
        FaultKind.LostCreateAnswer => traffic == FaultTraffic.Create,
        FaultKind.NotFoundOnce => traffic == FaultTraffic.Status && firstRead,
        FaultKind.ExpiredLink => traffic == FaultTraffic.Storage && firstRead,
        _ => true,
    };
}
