using System;

namespace NebulaVideo.Core.Http
{
    /// <summary>How patient the client is with the gateway. The defaults follow the seed documents' advice.</summary>
    public sealed record ClientOptions
    {
        /// <summary>Further attempts of a read (GET) after a transient failure.</summary>
        public int MaxReadRetries { get; init; } = 4;

        /// <summary>
        /// Further attempts of a create the gateway throttled (429), the one refusal that proves nothing was
        /// created. Creates that fail any other way are never sent again.
        /// </summary>
        public int MaxThrottledCreateRetries { get; init; } = 5;

        /// <summary>First back-off delay; it doubles with jitter, unless the gateway sends Retry-After.</summary>
        public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromSeconds(1);

        /// <summary>Longest wait for the answer to one API call (not a video download, which may take long).</summary>
        public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(60);

        public static ClientOptions Default { get; } = new ClientOptions();
    }
}
