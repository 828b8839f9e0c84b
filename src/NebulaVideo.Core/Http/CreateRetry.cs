using System;

namespace NebulaVideo.Core.Http
{
    /// <summary>
    /// The one policy for sending a create again. Only a 429 proves the gateway refused it unread (nothing was
    /// created), so only that is sent again: after the wait the gateway asks for (Retry-After), else after the
    /// session's back-off doubling from RetryBaseDelay, never longer than MaxRetryDelay, and at most
    /// MaxThrottledCreateRetries times. The client uses it on its own; New-NebulaVideo, which paces an account's
    /// creates itself, uses it while none of its tasks runs (when they run, a 429 waits for one to finish instead).
    /// </summary>
    public static class CreateRetry
    {
        /// <summary>The wait before sending a create again after its <paramref name="refusals"/>-th 429; null when it may not be sent again.</summary>
        public static TimeSpan? Delay(ClientOptions options, int refusals, TimeSpan? retryAfter)
        {
            if (refusals < 1 || refusals > options.MaxThrottledCreateRetries) return null;
            var wait = retryAfter ?? TimeSpan.FromTicks(options.RetryBaseDelay.Ticks * (1L << Math.Min(refusals - 1, 30)));
            return wait > options.MaxRetryDelay ? options.MaxRetryDelay : wait;
        }
    }
}
