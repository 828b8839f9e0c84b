using System;
using System.Net;
using System.Runtime.InteropServices;
using System.Security;

namespace NebulaVideo.Core.Http
{
    /// <summary>
    /// Where to send requests and with which key. The key stays a SecureString and is turned into text only
    /// for the moment an Authorization header is built; it is never part of ToString, errors or logs.
    /// </summary>
    public sealed class GatewayConnection
    {
        public static readonly Uri DefaultBaseUri = new Uri("https://llm.ai-nebula.com/");

        private readonly SecureString _apiKey;

        public GatewayConnection(Uri baseUri, SecureString apiKey, string keySource)
        {
            if (apiKey is null || apiKey.Length == 0)
                throw new NebulaVideoException("ApiKeyMissing", ErrorKind.AuthenticationError, "The API key is empty.", null,
                    "Pass a key to Connect-NebulaVideo -ApiKey, or set NEBULA_API_KEY.");
            BaseUri = Normalize(baseUri);
            _apiKey = apiKey.Copy();
            _apiKey.MakeReadOnly();
            KeySource = keySource;
        }

        /// <summary>The gateway's root, always ending in a slash so relative paths append to it.</summary>
        public Uri BaseUri { get; }

        /// <summary>Where the key came from (Connect-NebulaVideo, NEBULA_API_KEY), for display: never the key.</summary>
        public string KeySource { get; }

        /// <summary>
        /// Checks a base URI: absolute, and https unless it points at this machine (the emulator), because
        /// the key would otherwise cross the network in clear text.
        /// </summary>
        public static Uri Normalize(Uri baseUri)
        {
            if (baseUri is null || !baseUri.IsAbsoluteUri || (baseUri.Scheme != Uri.UriSchemeHttps && baseUri.Scheme != Uri.UriSchemeHttp))
                throw new NebulaVideoException("BaseUriInvalid", ErrorKind.InvalidArgument,
                    $"'{baseUri}' is not an absolute http(s) address.", baseUri?.ToString(), "Give the gateway's address, e.g. https://llm.ai-nebula.com.");
            if (baseUri.Scheme == Uri.UriSchemeHttp && !IsLoopback(baseUri))
                throw new NebulaVideoException("BaseUriInsecure", ErrorKind.InvalidArgument,
                    $"'{baseUri}' is not https: the API key would cross the network unencrypted.", baseUri.ToString(),
                    "Use the gateway's https address. Plain http is allowed only for 127.0.0.1/localhost (the emulator).");
            var text = baseUri.GetLeftPart(UriPartial.Path);
            return new Uri(text.EndsWith("/", StringComparison.Ordinal) ? text : text + "/");
        }

        private static bool IsLoopback(Uri uri) =>
            uri.IsLoopback || (IPAddress.TryParse(uri.Host, out var ip) && IPAddress.IsLoopback(ip));

        /// <summary>A key held as text (an environment variable) as the read-only SecureString a connection keeps.</summary>
        public static SecureString SecureKey(string text)
        {
            var secure = new SecureString();
            foreach (var c in text) secure.AppendChar(c);
            secure.MakeReadOnly();
            return secure;
        }

        /// <summary>The key as text, for the Authorization header of a request to <see cref="BaseUri"/> only.</summary>
        internal string RevealKey()
        {
            var ptr = IntPtr.Zero;
            try
            {
                ptr = Marshal.SecureStringToGlobalAllocUnicode(_apiKey);
                return Marshal.PtrToStringUni(ptr)!;
            }
            finally
            {
                if (ptr != IntPtr.Zero) Marshal.ZeroFreeGlobalAllocUnicode(ptr);
            }
        }

        public override string ToString() => $"{BaseUri} (key from {KeySource})";
    }
}
