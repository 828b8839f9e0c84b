using System;
using System.Threading;
using Microsoft.AspNetCore.Http;

namespace NebulaVideo.Emulator;

/// <summary>What an API key asks the emulator to do wrong, before any other check.</summary>
internal enum KeyFault
{
    None,
    Unauthorized,
    RateLimited,
    ServerError,
    NoQuota,
    Forbidden,
    BadGateway,
}

/// <summary>
/// The keys that make the emulator fail on purpose, so a client's error paths can be driven without a real
/// gateway's cooperation. Both dialects read them here and answer each fault in their own error shape;
/// which faults a dialect honours, and on which endpoint, is the dialect's choice.
/// </summary>
internal sealed class FaultKeys
{
    public const string RateLimit = "sk-emulator-ratelimit";
    public const string Error = "sk-emulator-error";
    public const string NoQuota = "sk-emulator-noquota";
    public const string Flaky = "sk-emulator-flaky";
    public const string BadGateway = "sk-emulator-badgateway";
    public const string Forbidden = "sk-emulator-forbidden";

    /// <summary>
    /// Not a scripted fault but a misbehaving gateway on demand: a quarter of this key's reads are faulted with
    /// every read kind (FaultInjector), so a user can try the module against one without restarting the emulator.
    /// Otherwise it is an ordinary valid key.
    /// </summary>
    public const string Chaos = "sk-emulator-chaos";

    private static readonly string[] Scripted = { RateLimit, Error, NoQuota, Flaky, BadGateway, Forbidden };

    // Per dialect (each endpoint set owns one instance): a flaky client of either gateway meets its throttle.
    private int _throttledOnce;

    /// <summary>True for a key with scripted behaviour (not the chaos key): a fault plan leaves its requests alone.</summary>
    public static bool IsFaultKey(string? key) => key is not null && Array.IndexOf(Scripted, key) >= 0;

    public static string? Key(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.Ordinal) ? header.Substring(7).Trim() : null;
    }

    /// <summary>
    /// The fault the request's key stands for. A throttle also gets its Retry-After here, because every
    /// dialect sends the same one.
    /// </summary>
    public static KeyFault Check(HttpContext context)
    {
        var key = Key(context);
        if (key is null || !key.StartsWith("sk-", StringComparison.Ordinal)) return KeyFault.Unauthorized;
        switch (key)
        {
            case RateLimit:
                context.Response.Headers.RetryAfter = "1";
                return KeyFault.RateLimited;
            case Error: return KeyFault.ServerError;
            case NoQuota: return KeyFault.NoQuota;
            case Forbidden: return KeyFault.Forbidden;
            case BadGateway: return KeyFault.BadGateway;
            default: return KeyFault.None;
        }
    }

    /// <summary>
    /// True for the flaky key's first submission only (with Retry-After: 0): a client that honours the
    /// header succeeds at once, one that gives up on a 429 is caught.
    /// </summary>
    public bool ThrottlesFirstSubmission(HttpContext context)
    {
        if (Key(context) != Flaky || Interlocked.Exchange(ref _throttledOnce, 1) != 0) return false;
        context.Response.Headers.RetryAfter = "0";
        return true;
    }

    /// <summary>True for the flaky key's first read of each task: polling must survive a passing 503.</summary>
    public static bool FaultsFirstRead(HttpContext context, EmulatedTask task)
    {
        if (Key(context) != Flaky || task.FirstReadFaulted) return false;
        task.FirstReadFaulted = true;
        return true;
    }
}
