using System.Collections.Generic;
using System.Management.Automation;
using NebulaVideo.Core;
using NebulaVideo.Core.Connections;
using NebulaVideo.Core.Gateways;
using NebulaVideo.Core.Http;

namespace NebulaVideo
{
    /// <summary>
    /// A cmdlet that talks to gateways: one client per connection, the routing of tasks to their own
    /// connections, and the patience of this call (-MaxRetry, -RequestTimeoutSec) over the session's.
    /// </summary>
    public abstract class GatewayCmdlet : NebulaVideoCmdlet
    {
        private readonly Dictionary<GatewayConnection, GatewayClient> _clients = new Dictionary<GatewayConnection, GatewayClient>();

        /// <summary>Further attempts of a read after a transient failure, for this call only (Set-NebulaVideoRequestContext sets the session's).</summary>
        [Parameter]
        [ValidateRange(0, 20)]
        public int? MaxRetry { get; set; }

        /// <summary>Seconds to wait for one answer (or for a download to move on), for this call only.</summary>
        [Parameter]
        [ValidateRange(1.0, 3600.0)]
        public double? RequestTimeoutSec { get; set; }

        /// <summary>The session's request context with this call's overrides.</summary>
        protected virtual ClientOptions RequestOptions => SessionConnections.RequestOptions.With(maxReadRetries: MaxRetry, requestTimeoutSec: RequestTimeoutSec);

        /// <summary>
        /// The client for a connection, one per connection for the life of this command, whatever the connection's
        /// origin (the environment's connections are kept by the session's ConnectionSet while the variables stay).
        /// </summary>
        protected GatewayClient ClientFor(GatewayConnection connection)
        {
            if (!_clients.TryGetValue(connection, out var client))
            {
                client = new GatewayClient(connection, RequestOptions, message => Post(() => WriteVerbose(message)));
                _clients[connection] = client;
                WriteDebug($"A client for connection '{connection.Name}' ({connection.BaseUri}), kept for this command.");
            }
            return client;
        }

        /// <summary>The client for a task's own gateway (or the connection named), resolved on the pipeline thread.</summary>
        protected GatewayClient ClientFor(VideoTask task, string? connectionName) => ClientFor(Connections.ForTask(task, connectionName));
    }
}
