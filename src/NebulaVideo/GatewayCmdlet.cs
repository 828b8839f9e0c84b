using System.Collections.Generic;
using System.Management.Automation;
using NebulaVideo.Core;
using NebulaVideo.Core.Connections;
using NebulaVideo.Core.Gateways;
using NebulaVideo.Core.Http;
using NebulaVideo.Core.Tasks;

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
        [ValidateRange(1, 3600)]
        public double? RequestTimeoutSec { get; set; }

        /// <summary>The session's request context with this call's overrides.</summary>
        protected virtual ClientOptions RequestOptions => SessionConnections.RequestOptions.With(maxReadRetries: MaxRetry, requestTimeoutSec: RequestTimeoutSec);

        /// <summary>The client for a connection, one per connection for the life of this command.</summary>
        protected GatewayClient ClientFor(GatewayConnection connection)
        {
            if (!_clients.TryGetValue(connection, out var client))
            {
                client = new GatewayClient(connection, RequestOptions, message => Post(() => WriteVerbose(message)));
                _clients[connection] = client;
            }
            return client;
        }

        private TaskJournal? _journal;
        private bool _journalUnusable;

        /// <summary>
        /// A task that lost what only its submitter knew (a bare id, a CSV with a few columns) gets it back from
        /// the journal: its gateway and connection, so it goes home, and its prompt and source image, so Save
        /// names the file after the image. A task that knows them, or one the journal never saw, is as it was.
        /// </summary>
        protected VideoTask Recover(VideoTask task)
        {
            if ((task.Gateway is not null && task.SourceImage is not null && task.Prompt is not null) || _journalUnusable) return task;
            JournalEntry? entry;
            try
            {
                _journal ??= OpenJournal(null);
                entry = _journal.FindTask(task.TaskId);
            }
            catch (NebulaVideoException)
            {
                _journalUnusable = true; // the journal helps when it can; reading tasks never depends on it
                return task;
            }
            return entry is null ? task : entry.Fill(task);
        }

        /// <summary>The client for a task's own gateway (or the connection named), resolved on the pipeline thread.</summary>
        protected GatewayClient ClientFor(VideoTask task, string? connectionName) => ClientFor(Connections.ForTask(task, connectionName));
    }
}
