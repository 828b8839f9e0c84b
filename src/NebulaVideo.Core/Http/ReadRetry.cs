using System;
using System.Net.Http;
using System.Threading.Tasks;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace NebulaVideo.Core.Http
{
    /// <summary>
    /// The resilience pipeline for reads (GET). Reads are safe to repeat, so transient failures (network
    /// errors, timeouts, 408/429/5xx) are retried with exponential back-off and jitter, honouring the
    /// gateway's Retry-After. Creates never go through this: a repeated POST could pay twice.
    /// </summary>
    internal static class ReadRetry
    {
        public static ResiliencePipeline<HttpResponseMessage> Create(ClientOptions options, Action<string>? log)
        {
            var builder = new ResiliencePipelineBuilder<HttpResponseMessage>();
            if (options.MaxReadRetries > 0)
            {
                builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
                {
                    MaxRetryAttempts = options.MaxReadRetries,
                    Delay = options.RetryBaseDelay,
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    ShouldHandle = args => new ValueTask<bool>(args.Outcome switch
                    {
                        { Exception: HttpRequestException } => true,
                        { Exception: TimeoutRejectedException } => true,
                        { Result: { } response } => GatewayException.IsTransientStatus((int)response.StatusCode),
                        _ => false,
                    }),
                    DelayGenerator = args => new ValueTask<TimeSpan?>(RetryAfter(args.Outcome.Result)),
                    OnRetry = args =>
                    {
                        var why = args.Outcome.Exception?.Message ?? $"HTTP {(int)args.Outcome.Result!.StatusCode}";
                        log?.Invoke($"Read failed ({why}); attempt {args.AttemptNumber + 2} of {options.MaxReadRetries + 1} in {args.RetryDelay.TotalSeconds:0.0} s.");
                        args.Outcome.Result?.Dispose();
                        return default;
                    },
                });
            }
            builder.AddTimeout(options.RequestTimeout);
            return builder.Build();
        }

        /// <summary>The wait the gateway asked for, if it asked; null lets the back-off decide.</summary>
        public static TimeSpan? RetryAfter(HttpResponseMessage? response)
        {
            var header = response?.Headers.RetryAfter;
            if (header is null) return null;
            if (header.Delta is TimeSpan delta) return delta;
            if (header.Date is DateTimeOffset date)
            {
                var wait = date - DateTimeOffset.UtcNow;
                return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
            }
            return null;
        }
    }
}
