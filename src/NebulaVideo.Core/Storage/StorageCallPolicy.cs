using System;
using System.Diagnostics;
using System.Threading.Tasks;
using Azure.Core;
using Azure.Core.Pipeline;

namespace NebulaVideo.Core.Storage
{
    /// <summary>
    /// The last step of every storage call before the wire, so nothing the SDK sends escapes it: it refuses a request
    /// for any other scheme, host or port than the store's own (the account key and the write token sign only what goes
    /// to the storage endpoint), and says each call with -Verbose: method, address WITHOUT its query, status, time.
    /// Never a query, a header or a key.
    /// </summary>
    internal sealed class StorageCallPolicy : HttpPipelinePolicy
    {
        private readonly Action<string>? _log;

        public StorageCallPolicy(Action<string>? log) => _log = log;

        /// <summary>
        /// The store's endpoint: set once the SDK has read it (from a connection string) and before any call. Until
        /// then every request is refused.
        /// </summary>
        public Uri? Endpoint { get; set; }

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            var clock = Start(message);
            try
            {
                ProcessNext(message, pipeline);
            }
            catch (Exception ex)
            {
                Failed(message, clock, ex);
                throw;
            }
            Answered(message, clock);
        }

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            var clock = Start(message);
            try
            {
                await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                Failed(message, clock, ex);
                throw;
            }
            Answered(message, clock);
        }

        private Stopwatch Start(HttpMessage message)
        {
            var uri = message.Request.Uri;
            var endpoint = Endpoint;
            if (endpoint is null
                || !string.Equals(uri.Scheme, endpoint.Scheme, StringComparison.OrdinalIgnoreCase)
                || !string.Equals(uri.Host, endpoint.Host, StringComparison.OrdinalIgnoreCase)
                || Port(uri.Scheme, uri.Port) != endpoint.Port)
                throw new StorageEndpointException($"A storage request for {uri.Scheme}://{uri.Host}:{Port(uri.Scheme, uri.Port)} was refused: this store sends its credentials only to its own endpoint{(endpoint is null ? string.Empty : " " + endpoint.GetLeftPart(UriPartial.Authority))}.");
            return Stopwatch.StartNew();
        }

        private void Answered(HttpMessage message, Stopwatch clock) =>
            Say($"{Describe(message)}: {message.Response.Status} {message.Response.ReasonPhrase} in {clock.ElapsedMilliseconds} ms");

        private void Failed(HttpMessage message, Stopwatch clock, Exception ex)
        {
            // The type, not the text: an exception's message is not ours to vouch for.
            var what = ex is OperationCanceledException ? "cancelled or timed out" : $"failed ({ex.GetType().Name})";
            Say($"{Describe(message)}: {what} after {clock.ElapsedMilliseconds} ms");
        }

        // To the store's own log, and to the command's that made this call (CallLog).
        private void Say(string line)
        {
            _log?.Invoke(line);
            CallLog.Write(line);
        }

        /// <summary>"PUT https://account.blob.core.windows.net/container/blob": the path only, the query (a SAS) never.</summary>
        private static string Describe(HttpMessage message)
        {
            var uri = message.Request.Uri;
            var port = Port(uri.Scheme, uri.Port);
            var shown = (uri.Scheme == "https" && port == 443) || (uri.Scheme == "http" && port == 80) ? string.Empty : ":" + port;
            var path = uri.Path.StartsWith("/", StringComparison.Ordinal) ? uri.Path : "/" + uri.Path;
            return $"{message.Request.Method} {uri.Scheme}://{uri.Host}{shown}{path}";
        }

        private static int Port(string? scheme, int port) => port != -1 ? port : string.Equals(scheme, "http", StringComparison.OrdinalIgnoreCase) ? 80 : 443;
    }

    /// <summary>A storage request that would have gone somewhere other than the store's endpoint; never sent.</summary>
    internal sealed class StorageEndpointException : Exception
    {
        public StorageEndpointException(string message) : base(message) { }
    }
}
