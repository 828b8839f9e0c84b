using System;
using System.IO;
using System.Net.Http;
using System.Threading;
using Azure;
using Azure.Core.Pipeline;
using NebulaVideo.Core.Http;
using AzureClientOptions = Azure.Core.ClientOptions;
using NebulaOptions = NebulaVideo.Core.Http.ClientOptions;

namespace NebulaVideo.Core.Storage
{
    /// <summary>
    /// What every storage client of the module (the blob container, the journal table) shares: one connection pool, the
    /// SDK options that leave retries, logging and the endpoint guard to the module, and one attempt of a call with its
    /// failure said in the terms the read retry (<see cref="Transient"/>) and the error messages use.
    /// </summary>
    internal static class StorageCalls
    {
        // One connection pool for every storage client of the process. Never follows a redirect: a signed request goes
        // where it was signed for or nowhere (StorageCallPolicy checks it too).
        private static readonly Lazy<HttpClient> Http = new Lazy<HttpClient>(() =>
            new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { Timeout = Timeout.InfiniteTimeSpan });

        /// <summary>The SDK's options set as the module needs them: its retries off (the read retry is the one policy), no SDK logging, every call through <paramref name="policy"/>.</summary>
        public static T Configure<T>(T sdk, NebulaOptions options, StorageCallPolicy policy) where T : AzureClientOptions
        {
            sdk.Transport = new HttpClientTransport(Http.Value);
            sdk.Retry.MaxRetries = 0;
            sdk.Retry.NetworkTimeout = options.RequestTimeout;
            sdk.Diagnostics.IsLoggingEnabled = false;
            sdk.Diagnostics.IsDistributedTracingEnabled = false;
            sdk.Diagnostics.ApplicationId = "NebulaVideo";
            sdk.AddPolicy(policy, Azure.Core.HttpPipelinePosition.BeforeTransport);
            return sdk;
        }

        /// <summary>One attempt of a call, its failure said in the terms the retry and the error messages use.</summary>
        public static T Attempt<T>(Func<T> call, CancellationToken cancellation)
        {
            try
            {
                return call();
            }
            catch (RequestFailedException ex) when (ex.Status == 0)
            {
                // No answer at all: the SDK wraps the transport's failure; its inner one names only host and port.
                throw ex.InnerException is HttpRequestException or IOException
                    ? new HttpRequestException(ex.InnerException.Message, ex.InnerException)
                    : new HttpRequestException("No answer from the storage endpoint.");
            }
            catch (RequestFailedException ex)
            {
                // The status and the service's code only: the answer's text may repeat what was signed.
                throw new StorageStatusException(ex.Status, ex.ErrorCode);
            }
            catch (OperationCanceledException ex) when (!cancellation.IsCancellationRequested)
            {
                // The SDK's per-call timeout (Retry.NetworkTimeout, the session's RequestTimeout).
                throw new AttemptTimeoutException(ex);
            }
        }
    }
}
