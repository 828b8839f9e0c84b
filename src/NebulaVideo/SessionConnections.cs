using System;
using System.Collections.Concurrent;
using System.Management.Automation.Runspaces;
using NebulaVideo.Core.Connections;
using NebulaVideo.Core.Http;

namespace NebulaVideo
{
    /// <summary>
    /// The connections of each PowerShell session (runspace), so parallel runspaces and jobs in one process
    /// never see each other's keys. The environment's connections (NEBULA_API_KEY, UNIFIED_API_KEY...) are
    /// read at the moment of use by every session alike.
    /// </summary>
    internal static class SessionConnections
    {
        private static readonly ConcurrentDictionary<Guid, ConnectionSet> BySession = new ConcurrentDictionary<Guid, ConnectionSet>();
        private static readonly ConcurrentDictionary<Guid, ClientOptions> OptionsBySession = new ConcurrentDictionary<Guid, ClientOptions>();

        private static Guid SessionId => Runspace.DefaultRunspace?.InstanceId ?? Guid.Empty;

        /// <summary>This session's connections (created empty on first use).</summary>
        public static ConnectionSet Current => BySession.GetOrAdd(SessionId, _ => new ConnectionSet());

        /// <summary>This session's patience with gateways (Set-NebulaVideoRequestContext); the defaults until set.</summary>
        public static ClientOptions RequestOptions
        {
            get => OptionsBySession.TryGetValue(SessionId, out var options) ? options : ClientOptions.Default;
            set => OptionsBySession[SessionId] = value;
        }
    }
}
