using System;
using System.IO;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using Polly;
using Polly.Retry;

namespace NebulaVideo.Core.Http
{
    /// <summary>
    /// The resilience pipeline for reads (status, task detail, download). Reads are safe to repeat, so every
    /// transient failure is retried with exponential back-off and jitter, honouring the gateway's
    /// Retry-After: network errors, a connection dropped or a body cut short while it was being read,
    /// an attempt that timed out, 408/429/5xx, and a 404 for a task created moments ago. Creates never go
    /// through this: a repeated POST could pay twice (CreateRetry is theirs). What is transient is Transient's to say.
    /// </summary>
    internal static class ReadRetry
    {
        /// <summary>What the operation is, for the retry's verbose line ("GET v1/tasks/...").</summary>
        public static readonly ResiliencePropertyKey<string> Operation = new ResiliencePropertyKey<string>("NebulaVideo.Operation");

        /// <summary>True while a 404 may only mean the gateway has not caught up with a new task.</summary>
        public static readonly ResiliencePropertyKey<bool> NewTask = new ResiliencePropertyKey<bool>("NebulaVideo.NewTask");

        public static ResiliencePipeline Create(ClientOptions options, Action<string>? log)
        {
            var builder = new ResiliencePipelineBuilder();
            if (options.MaxReadRetries <= 0) return builder.Build();
            return builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = options.MaxReadRetries,
                Delay = options.RetryBaseDelay,
                MaxDelay = options.MaxRetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = args => new ValueTask<bool>(args.Outcome.Exception is { } ex && Transient.Is(ex, args.Context.Properties.GetValue(NewTask, false))),
                DelayGenerator = args => new ValueTask<TimeSpan?>(args.Outcome.Exception is GatewayException { RetryAfter: TimeSpan wait }
                    ? (wait > options.MaxRetryDelay ? options.MaxRetryDelay : wait) : (TimeSpan?)null),
                OnRetry = args =>
                {
                    var what = args.Context.Properties.GetValue(Operation, "read");
                    log?.Invoke($"{what}: {Describe(args.Outcome.Exception!)}; retry {args.AttemptNumber + 1} of {options.MaxReadRetries} in {args.RetryDelay.TotalSeconds:0.0} s.");
                    return default;
                },
            }).Build();
        }

        /// <summary>One synchronous call (a storage call) through <paramref name="retry"/>, named for its verbose lines.</summary>
        public static T Run<T>(this ResiliencePipeline retry, string operation, Func<CancellationToken, T> attempt, CancellationToken cancellation)
        {
            var context = ResilienceContextPool.Shared.Get(cancellation);
            context.Properties.Set(Operation, operation);
            try
            {
                return retry.Execute(ctx => attempt(ctx.CancellationToken), context);
            }
            finally
            {
                ResilienceContextPool.Shared.Return(context);
            }
        }

        private static string Describe(Exception ex) => ex switch
        {
            GatewayException gateway => $"HTTP {gateway.HttpStatus}{(gateway.RetryAfter is TimeSpan wait ? $", Retry-After {wait.TotalSeconds:0} s" : string.Empty)}",
            AttemptTimeoutException _ => "no answer in time",
            IOException _ => "the connection broke while the answer was read",
            _ => ex.Message,
        };

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

    /// <summary>One attempt got no answer (or no more of the body) within the request timeout.</summary>
    internal sealed class AttemptTimeoutException : Exception
    {
        public AttemptTimeoutException(Exception inner) : base("No answer within the request timeout.", inner) { }
    }
}
