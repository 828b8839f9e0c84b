using System;
using System.Collections.Concurrent;
using System.Management.Automation.Runspaces;
using NebulaVideo.Core.Storage;

namespace NebulaVideo
{
    /// <summary>
    /// The image store of each PowerShell session (runspace), as its connections are kept: registered with
    /// Connect-NebulaVideoStorage, else the one the environment names (a runbook's pair of variables).
    /// </summary>
    internal static class SessionStorage
    {
        /// <summary>An Azure Storage connection string (account key or SAS): the environment's image store, with <see cref="ContainerVariable"/>.</summary>
        public const string ConnectionStringVariable = "NEBULAVIDEO_STORAGE_CONNECTION_STRING";

        /// <summary>The blob container the environment's image store stages images in.</summary>
        public const string ContainerVariable = "NEBULAVIDEO_STORAGE_CONTAINER";

        private static readonly ConcurrentDictionary<Guid, IImageStore> BySession = new ConcurrentDictionary<Guid, IImageStore>();
        private static readonly object Gate = new object();
        private static (string Stamp, IImageStore Store)? _fromEnvironment;

        private static Guid SessionId => Runspace.DefaultRunspace?.InstanceId ?? Guid.Empty;

        /// <summary>This session's store: the registered one, else the environment's; null for none.</summary>
        public static IImageStore? Current => BySession.TryGetValue(SessionId, out var store) ? store : FromEnvironment();

        public static void Register(IImageStore store) => BySession[SessionId] = store;

        /// <summary>Forgets this session's registered store; true if there was one.</summary>
        public static bool Forget() => BySession.TryRemove(SessionId, out _);

        /// <summary>
        /// The store the environment names, built once per value of the variables (every session of the process shares
        /// them): a runbook's items reuse one store and its HTTP pipeline rather than building one per image.
        /// </summary>
        private static IImageStore? FromEnvironment()
        {
            var connectionString = Environment.GetEnvironmentVariable(ConnectionStringVariable);
            var container = Environment.GetEnvironmentVariable(ContainerVariable);
            if (string.IsNullOrEmpty(connectionString) || string.IsNullOrEmpty(container)) return null;
            var stamp = Stamp(connectionString!) + "|" + container;
            lock (Gate)
            {
                if (_fromEnvironment is { } known && known.Stamp == stamp) return known.Store;
                var store = AzureBlobImageStore.FromConnectionString(connectionString!, container!, AzureBlobImageStore.DefaultUrlLifetime, SessionConnections.RequestOptions, log: null);
                _fromEnvironment = (stamp, store);
                return store;
            }
        }

        // The process keeps no copy of the connection string beside the store's own: only its hash.
        private static string Stamp(string secret)
        {
            using var sha = System.Security.Cryptography.SHA256.Create();
            return Convert.ToBase64String(sha.ComputeHash(System.Text.Encoding.UTF8.GetBytes(secret)));
        }
    }
}
