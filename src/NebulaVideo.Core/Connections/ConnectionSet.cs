using System;
using System.Collections.Generic;
using System.Linq;
using NebulaVideo.Core.Gateways;

namespace NebulaVideo.Core.Connections
{
    /// <summary>One connection as listed: never the key, only where it came from.</summary>
    public sealed record ConnectionSummary(string Name, string Dialect, Uri BaseUri, string KeySource, bool IsDefault);

    /// <summary>
    /// The gateways one session can reach: the connections registered by name (one of them the default)
    /// and, for each dialect whose key is in the environment, a connection named after the dialect. It
    /// decides which connection serves a model, a task or a bare task id, so every cmdlet routes alike.
    /// </summary>
    public sealed class ConnectionSet
    {
        private readonly List<GatewayConnection> _registered = new List<GatewayConnection>();
        private readonly Func<string, string?> _environment;
        private readonly object _gate = new object();
        private string? _defaultName;

        public ConnectionSet(Func<string, string?>? environment = null) =>
            _environment = environment ?? Environment.GetEnvironmentVariable;

        /// <summary>Registers (or replaces, by name) a connection. The first one becomes the default, or any one asked to.</summary>
        public void Add(GatewayConnection connection, bool makeDefault)
        {
            lock (_gate)
            {
                _registered.RemoveAll(c => SameName(c.Name, connection.Name));
                _registered.Add(connection);
                if (makeDefault || _defaultName is null || Find(_defaultName) is null) _defaultName = connection.Name;
            }
        }

        /// <summary>Forgets a registered connection; the default passes to the oldest one left.</summary>
        public bool Remove(string name)
        {
            lock (_gate)
            {
                if (_registered.RemoveAll(c => SameName(c.Name, name)) == 0) return false;
                if (_defaultName is not null && SameName(_defaultName, name)) _defaultName = _registered.FirstOrDefault()?.Name;
                return true;
            }
        }

        /// <summary>Forgets every registered connection.</summary>
        public void Clear()
        {
            lock (_gate)
            {
                _registered.Clear();
                _defaultName = null;
            }
        }

        /// <summary>Registered connections first, in order, then the environment's for dialects not shadowed by name.</summary>
        public IReadOnlyList<ConnectionSummary> List()
        {
            lock (_gate)
            {
                return Candidates()
                    .Select(c => new ConnectionSummary(c.Name, c.Dialect.Name, c.BaseUri, c.KeySource, IsDefault(c)))
                    .ToList();
            }
        }

        /// <summary>The dialect requests go to when nothing else decides: the default connection's, else the first reachable, else Nebula.</summary>
        public IGatewayDialect DefaultDialect
        {
            get
            {
                lock (_gate)
                {
                    return (Default() ?? _registered.FirstOrDefault())?.Dialect
                        ?? Dialects.All.FirstOrDefault(d => HasEnvironmentKey(d))
                        ?? Dialects.Nebula;
                }
            }
        }

        /// <summary>A connection by its name: registered, or the environment's (named after its dialect).</summary>
        public GatewayConnection Named(string name)
        {
            lock (_gate)
            {
                return Candidates().FirstOrDefault(c => SameName(c.Name, name))
                    ?? throw new NebulaVideoException(ErrorIds.ConnectionNotFound,
                        $"There is no connection named '{name}' in this session.", name,
                        "Run Get-NebulaVideoConnection to see the connections, or Connect-NebulaVideo -Name to add one.");
            }
        }

        /// <summary>
        /// The connection that serves a dialect's models: the one named, else the default when it speaks
        /// the dialect, else the first registered that does, else the environment's.
        /// </summary>
        public GatewayConnection ForDialect(IGatewayDialect dialect, string? name = null, string? forWhat = null)
        {
            if (name is not null)
            {
                var named = Named(name);
                if (named.Dialect != dialect)
                    throw new NebulaVideoException(ErrorIds.ConnectionDialectMismatch,
                        $"Connection '{named.Name}' speaks the {named.Dialect.Name} dialect, but {forWhat ?? "this"} needs a {dialect.Name} gateway.", name,
                        $"Pick a {dialect.Name} connection with -Connection (Get-NebulaVideoConnection lists them), or leave -Connection out.");
                return named;
            }
            lock (_gate)
            {
                var preferred = Default();
                if (preferred is not null && preferred.Dialect == dialect) return preferred;
                return _registered.FirstOrDefault(c => c.Dialect == dialect)
                    ?? FromEnvironment(dialect)
                    ?? throw new NebulaVideoException(ErrorIds.ApiKeyMissing,
                        $"No connection serves the {dialect.Name} gateway{(forWhat is null ? string.Empty : " for " + forWhat)}: this session has none and {dialect.ApiKeyVariable} is not set.",
                        forWhat ?? dialect.Name,
                        $"Run Connect-NebulaVideo -Dialect {dialect.Name} -ApiKey (Read-Host -AsSecureString), or set {dialect.ApiKeyVariable} (and {dialect.BaseUriVariable} for another address).");
            }
        }

        /// <summary>
        /// The connection a task goes back to: the one named; else the one that submitted it, if it still
        /// points at the task's gateway; else any connection to that gateway; a bare id by its dialect.
        /// </summary>
        public GatewayConnection ForTask(VideoTask task, string? name = null)
        {
            if (name is not null) return Named(name);
            if (task.Gateway is null)
            {
                var dialect = Dialects.Find(task.Dialect) ?? Dialects.ForTaskId(task.TaskId);
                return ForDialect(dialect, forWhat: $"task {task.TaskId}");
            }
            lock (_gate)
            {
                var serving = Candidates().Where(c => c.Serves(task.Gateway)).ToList();
                return serving.FirstOrDefault(c => task.Connection is not null && SameName(c.Name, task.Connection))
                    ?? serving.FirstOrDefault(c => task.Dialect is null || string.Equals(c.Dialect.Name, task.Dialect, StringComparison.OrdinalIgnoreCase))
                    ?? throw new NebulaVideoException(ErrorIds.TaskFromOtherGateway,
                        $"Task {task.TaskId} belongs to {task.Gateway}, and no connection of this session points there.", task,
                        $"Connect to it first: Connect-NebulaVideo -Name {task.Connection ?? "<name>"} -Dialect {task.Dialect ?? Dialects.ForTaskId(task.TaskId).Name} -BaseUri {task.Gateway} -ApiKey <key>; or pass -Connection.");
            }
        }

        /// <summary>
        /// The dialect's connection from its environment variables, or null when its key is not set. Built once and
        /// kept while the variables stay as they were, so a runbook without Connect-NebulaVideo gets one connection
        /// (and each cmdlet one client for it) rather than a new one at every lookup; a changed variable builds anew.
        /// </summary>
        public GatewayConnection? FromEnvironment(IGatewayDialect dialect)
        {
            var key = _environment(dialect.ApiKeyVariable);
            if (string.IsNullOrEmpty(key)) return null;
            // The key is compared by its hash: the set keeps no copy of it beside the connection's own SecureString.
            var stamp = (Fingerprint(key!), _environment(dialect.BaseUriVariable));
            lock (_gate)
            {
                if (_fromEnvironment.TryGetValue(dialect.Name, out var known) && known.Stamp == stamp) return known.Connection;
                var connection = new GatewayConnection(dialect, EnvironmentBaseUri(dialect), GatewayConnection.SecureKey(key!), dialect.ApiKeyVariable);
                _fromEnvironment[dialect.Name] = (stamp, connection);
                return connection;
            }
        }

        private readonly Dictionary<string, ((string Key, string? BaseUri) Stamp, GatewayConnection Connection)> _fromEnvironment =
            new Dictionary<string, ((string, string?), GatewayConnection)>(StringComparer.OrdinalIgnoreCase);

        private static string Fingerprint(string key)
        {
            using var sha = System.Security.Cryptography.SHA256.Create();
            return Convert.ToBase64String(sha.ComputeHash(System.Text.Encoding.UTF8.GetBytes(key)));
        }

        /// <summary>The dialect's key from its environment variable, or null when it is not set.</summary>
        public System.Security.SecureString? EnvironmentKey(IGatewayDialect dialect)
        {
            var key = _environment(dialect.ApiKeyVariable);
            return string.IsNullOrEmpty(key) ? null : GatewayConnection.SecureKey(key!);
        }

        /// <summary>The dialect's base URI variable when set, else null (the public gateway).</summary>
        public Uri? EnvironmentBaseUri(IGatewayDialect dialect)
        {
            var text = _environment(dialect.BaseUriVariable);
            if (string.IsNullOrWhiteSpace(text)) return null;
            return Uri.TryCreate(text, UriKind.Absolute, out var uri) ? uri
                : throw new NebulaVideoException(ErrorIds.BaseUriInvalid,
                    $"{dialect.BaseUriVariable} holds '{text}', which is not an absolute address.", text,
                    $"Set it to the gateway's address, e.g. {dialect.DefaultBaseUri}.");
        }

        private GatewayConnection? Default() => _defaultName is null ? null : Find(_defaultName);

        private GatewayConnection? Find(string name) => _registered.FirstOrDefault(c => SameName(c.Name, name));

        private bool IsDefault(GatewayConnection c) => _defaultName is not null && SameName(c.Name, _defaultName) && _registered.Contains(c);

        private bool HasEnvironmentKey(IGatewayDialect dialect) => !string.IsNullOrEmpty(_environment(dialect.ApiKeyVariable));

        private IEnumerable<GatewayConnection> Candidates()
        {
            foreach (var c in _registered) yield return c;
            foreach (var dialect in Dialects.All)
                if (Find(dialect.Name) is null && FromEnvironment(dialect) is { } fromEnvironment)
                    yield return fromEnvironment;
        }

        private static bool SameName(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
    }
}
