using System;
using System.Collections.Concurrent;
using System.Management.Automation.Runspaces;
using System.Security;
using NebulaVideo.Core;
using NebulaVideo.Core.Http;

namespace NebulaVideo
{
    /// <summary>
    /// The gateway connection of each PowerShell session (runspace), so parallel runspaces and jobs in one
    /// process never see each other's keys. Without Connect-NebulaVideo, the environment is used:
    /// NEBULA_API_KEY and NEBULA_BASE_URI, read at the moment of use.
    /// </summary>
    internal static class SessionConnections
    {
        public const string ApiKeyVariable = "NEBULA_API_KEY";
        public const string BaseUriVariable = "NEBULA_BASE_URI";

        private static readonly ConcurrentDictionary<Guid, GatewayConnection> BySession = new ConcurrentDictionary<Guid, GatewayConnection>();

        private static Guid SessionId => Runspace.DefaultRunspace?.InstanceId ?? Guid.Empty;

        public static void Set(GatewayConnection connection) => BySession[SessionId] = connection;

        public static bool Clear() => BySession.TryRemove(SessionId, out _);

        /// <summary>The session's connection, else one from the environment, else an ApiKeyMissing error.</summary>
        public static GatewayConnection Resolve()
        {
            if (BySession.TryGetValue(SessionId, out var connection)) return connection;
            return new GatewayConnection(DefaultBaseUri(), ResolveFromEnvironment(), ApiKeyVariable);
        }

        /// <summary>The key in NEBULA_API_KEY, or an ApiKeyMissing error.</summary>
        public static SecureString ResolveFromEnvironment()
        {
            var key = Environment.GetEnvironmentVariable(ApiKeyVariable);
            if (string.IsNullOrEmpty(key))
                throw new NebulaVideoException("ApiKeyMissing", ErrorKind.AuthenticationError,
                    "No API key: NebulaVideo is not connected and NEBULA_API_KEY is not set.", null,
                    "Run Connect-NebulaVideo -ApiKey (Read-Host -AsSecureString), or set the NEBULA_API_KEY environment variable.");
            return GatewayConnection.SecureKey(key!);
        }

        /// <summary>NEBULA_BASE_URI when set, else the Nebula gateway's public address.</summary>
        public static Uri DefaultBaseUri()
        {
            var text = Environment.GetEnvironmentVariable(BaseUriVariable);
            if (string.IsNullOrWhiteSpace(text)) return GatewayConnection.DefaultBaseUri;
            return Uri.TryCreate(text, UriKind.Absolute, out var uri) ? uri
                : throw new NebulaVideoException("BaseUriInvalid", ErrorKind.InvalidArgument,
                    $"{BaseUriVariable} holds '{text}', which is not an absolute address.", text, "Set it to the gateway's address, e.g. https://llm.ai-nebula.com.");
        }
    }
}
