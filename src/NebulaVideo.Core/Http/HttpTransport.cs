using System;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Reflection;

namespace NebulaVideo.Core.Http
{
    /// <summary>
    /// The process-wide HTTP clients (one pool of connections, as HttpClient wants). Two of them on purpose:
    /// the gateway client never follows redirects, so a key-carrying request cannot be bounced elsewhere, and
    /// the storage client never carries a key, because signed video links must not see it.
    /// </summary>
    internal static class HttpTransport
    {
        private static readonly Lazy<HttpClient> GatewayHttp = new Lazy<HttpClient>(() => Create(allowRedirects: false));
        private static readonly Lazy<HttpClient> StorageHttp = new Lazy<HttpClient>(() => Create(allowRedirects: true));

        public static HttpClient Gateway => GatewayHttp.Value;
        public static HttpClient Storage => StorageHttp.Value;

        public static readonly ProductInfoHeaderValue UserAgent = new ProductInfoHeaderValue("NebulaVideo",
            typeof(HttpTransport).Assembly.GetName().Version?.ToString(3) ?? "0.0.0");

        private static HttpClient Create(bool allowRedirects)
        {
            var handler = new HttpClientHandler
            {
                AllowAutoRedirect = allowRedirects,
                AutomaticDecompression = DecompressionMethods.GZip | DecompressionMethods.Deflate,
            };
            // Timeouts are per call (cancellation tokens), so a long video download is not cut at 100 s.
            var client = new HttpClient(handler) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
            client.DefaultRequestHeaders.UserAgent.Add(UserAgent);
            return client;
        }
    }
}
