using System;
using System.Runtime.InteropServices;
using System.Security;
using NebulaVideo.Core.Gateways;
using NebulaVideo.Core.Http;

namespace NebulaVideo.Core.Connections
{
    /// <summary>
    /// One named gateway: its dialect, where to send requests and with which key. The key stays a
    /// SecureString and is turned into text only for the moment an Authorization header to this connection's
    /// own gateway is built; it is never part of ToString, errors or logs.
    /// </summary>
    public sealed class GatewayConnection
    {
        private readonly SecureString _apiKey;

        public GatewayConnection(string name, IGatewayDialect dialect, Uri baseUri, SecureString apiKey, string keySource)
        {
            Dialect = dialect ?? throw new ArgumentNullException(nameof(dialect));
            if (apiKey is null || apiKey.Length == 0)
                throw new NebulaVideoException(ErrorIds.ApiKeyMissing, $"The API key for connection '{name}' is empty.", name,
                    $"Pass a key to Connect-NebulaVideo -ApiKey, or set {dialect.ApiKeyVariable}.");
            Name = name;
            BaseUri = Normalize(baseUri);
            _apiKey = apiKey.Copy();
            _apiKey.MakeReadOnly();
            KeySource = keySource;
            if (string.IsNullOrWhiteSpace(RevealKey()))
                throw new NebulaVideoException(ErrorIds.ApiKeyMissing, $"The API key for connection '{name}' is only white space.", name,
                    $"Pass the real key to Connect-NebulaVideo -ApiKey, or set {dialect.ApiKeyVariable}.");
        }

        /// <summary>A connection with the dialect's own name and address (the environment's default connection).</summary>
        public GatewayConnection(IGatewayDialect dialect, Uri? baseUri, SecureString apiKey, string keySource)
            : this(dialect.Name, dialect, baseUri ?? dialect.DefaultBaseUri, apiKey, keySource)
        {
        }

        /// <summary>How the user refers to it (-Connection); unique in a session.</summary>
        public string Name { get; }

        public IGatewayDialect Dialect { get; }

        /// <summary>The gateway's root, always ending in a slash so relative paths append to it.</summary>
        public Uri BaseUri { get; }

        /// <summary>Where the key came from (Connect-NebulaVideo, an environment variable), for display: never the key.</summary>
        public string KeySource { get; }

        /// <summary>
        /// Checks a base URI: absolute, and https unless it points at this machine (the emulator), because
        /// the key would otherwise cross the network in clear text.
        /// </summary>
        public static Uri Normalize(Uri baseUri)
        {
            // A password in the address would travel (and be shown) with every error and log line: refuse it, without echoing it.
            if (baseUri is not null && baseUri.IsAbsoluteUri && !string.IsNullOrEmpty(baseUri.UserInfo))
            {
                // Everything but the user info, so the user can still tell which address (port included) was meant.
                var shown = baseUri.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped);
                throw new NebulaVideoException(ErrorIds.BaseUriInvalid,
                    $"The gateway address {shown} carries a user name or password, which NebulaVideo does not send.",
                    shown, "Give the address without user:password@ and the key with -ApiKey.");
            }
            if (baseUri is null || !baseUri.IsAbsoluteUri || (baseUri.Scheme != Uri.UriSchemeHttps && baseUri.Scheme != Uri.UriSchemeHttp))
            {
                // Typed without a scheme, user:password@host reads as the scheme "user": what precedes an @ is never shown.
                var text = baseUri?.OriginalString ?? string.Empty;
                var shown = text.IndexOf('@') is var at && at >= 0 ? "..." + text.Substring(at) : text;
                throw new NebulaVideoException(ErrorIds.BaseUriInvalid,
                    $"'{shown}' is not an absolute http(s) address.", shown, "Give the gateway's address, e.g. https://llm.ai-nebula.com, without user:password@.");
            }
            if (baseUri.Scheme == Uri.UriSchemeHttp && !IsLoopback(baseUri))
                throw new NebulaVideoException(ErrorIds.BaseUriInsecure,
                    $"'{baseUri}' is not https: the API key would cross the network unencrypted.", baseUri.ToString(),
                    "Use the gateway's https address. Plain http is allowed only for 127.0.0.1/localhost (the emulator).");
            return WithTrailingSlash(baseUri);
        }

        // A base always ends in a slash, so relative paths append to its path prefix instead of replacing its last segment.
        private static Uri WithTrailingSlash(Uri uri)
        {
            var text = uri.GetLeftPart(UriPartial.Path);
            return new Uri(text.EndsWith("/", StringComparison.Ordinal) ? text : text + "/");
        }

        private static bool IsLoopback(Uri uri) => HostRules.IsLoopback(uri);

        /// <summary>True when both name the same gateway (scheme, host, port and path prefix).</summary>
        public bool Serves(Uri? gateway) => gateway is not null && gateway.IsAbsoluteUri && Uri.Compare(WithTrailingSlash(gateway), BaseUri,
            UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0;

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

        public override string ToString() => $"{Name}: {Dialect.Name} at {BaseUri} (key from {KeySource})";
    }
}
