using System;

namespace NebulaVideo.Core.Http
{
    /// <summary>
    /// How patient the client is with a gateway. The defaults follow the seed documents' advice; a session
    /// changes them with Set-NebulaVideoRequestContext and a single call with -MaxRetry/-RequestTimeoutSec.
    /// </summary>
    public sealed record ClientOptions
    {
        /// <summary>Further attempts of a read (status, task detail, download) after a transient failure.</summary>
        public int MaxReadRetries { get; init; } = 4;

        /// <summary>
        /// Further attempts of a create the gateway throttled (429), the one refusal that proves nothing was
        /// created (CreateRetry). Creates that fail any other way are never sent again. New-NebulaVideo does not
        /// count a 429 met while its own tasks run: that one waits for a task to finish instead.
        /// </summary>
        public int MaxThrottledCreateRetries { get; init; } = 5;

        /// <summary>
        /// First back-off delay of reads and of throttled creates; it doubles (reads with jitter), unless the gateway
        /// sends Retry-After.
        /// </summary>
        public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromSeconds(1);

        /// <summary>The longest single wait between attempts, Retry-After included, so the total stays bounded.</summary>
        public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(30);

        /// <summary>
        /// Longest wait for one answer, and for each piece of a download's body (so a stalled transfer is
        /// noticed while a long, moving one is not cut).
        /// </summary>
        public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

        /// <summary>The largest JSON answer read into memory; videos are streamed and not limited by it.</summary>
        public long MaxResponseBytes { get; init; } = 4 * 1024 * 1024;

        /// <summary>How long after its creation a task's 404 is taken for a gateway that has not caught up yet.</summary>
        public TimeSpan NewTaskGrace { get; init; } = TimeSpan.FromMinutes(2);

        public static ClientOptions Default { get; } = new ClientOptions();

        /// <summary>These options with whichever values are given (in the units the cmdlets take: seconds).</summary>
        public ClientOptions With(int? maxReadRetries = null, double? retryDelaySec = null, double? maxRetryDelaySec = null, double? requestTimeoutSec = null) =>
            this with
            {
                MaxReadRetries = maxReadRetries ?? MaxReadRetries,
                RetryBaseDelay = retryDelaySec is double delay ? TimeSpan.FromSeconds(delay) : RetryBaseDelay,
                MaxRetryDelay = maxRetryDelaySec is double longest ? TimeSpan.FromSeconds(longest) : MaxRetryDelay,
                RequestTimeout = requestTimeoutSec is double timeout ? TimeSpan.FromSeconds(timeout) : RequestTimeout,
            };
    }
}
