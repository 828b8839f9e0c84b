using System;
using System.Collections.Concurrent;
using System.Management.Automation.Runspaces;
using NebulaVideo.Core;
using NebulaVideo.Core.Storage;
using NebulaVideo.Core.Tasks;

namespace NebulaVideo
{
    /// <summary>
    /// The storage of each PowerShell session (runspace), as its connections are kept: an image store and a journal in
    /// an Azure Table, registered with Connect-NebulaVideoStorage, else the ones the environment names (a runbook's variables).
    /// </summary>
    internal static class SessionStorage
    {
        /// <summary>An Azure Storage connection string (account key or SAS): the environment's image store, with <see cref="ContainerVariable"/>.</summary>
        public const string ConnectionStringVariable = "NEBULAVIDEO_STORAGE_CONNECTION_STRING";

        /// <summary>The blob container the environment's image store stages images in.</summary>
        public const string ContainerVariable = "NEBULAVIDEO_STORAGE_CONTAINER";

        /// <summary>The table the environment's journal is kept in, on the account of <see cref="ConnectionStringVariable"/>.</summary>
        public const string JournalTableVariable = "NEBULAVIDEO_STORAGE_JOURNAL_TABLE";

        private static readonly ConcurrentDictionary<Guid, IImageStore?> BySession = new ConcurrentDictionary<Guid, IImageStore?>();
        private static readonly ConcurrentDictionary<Guid, ITaskJournal?> JournalBySession = new ConcurrentDictionary<Guid, ITaskJournal?>();
        private static readonly ConcurrentDictionary<Guid, VideoContainers?> VideosBySession = new ConcurrentDictionary<Guid, VideoContainers?>();

        private static readonly FromEnvironment<IImageStore> EnvironmentStore = new FromEnvironment<IImageStore>(ContainerVariable,
            (connectionString, container) => AzureBlobImageStore.FromConnectionString(connectionString, container, AzureBlobImageStore.DefaultUrlLifetime,
                SessionConnections.RequestOptions, log: null));

        private static readonly FromEnvironment<ITaskJournal> EnvironmentJournal = new FromEnvironment<ITaskJournal>(JournalTableVariable,
            (connectionString, table) => TableJournal.FromConnectionString(connectionString, table, SessionConnections.RequestOptions, log: null));

        // The environment's connection string alone is an account to save videos in: built once per value of it.
        private static (string Stamp, VideoContainers Containers)? _environmentVideos;

        private static Guid SessionId => Runspace.DefaultRunspace?.InstanceId ?? Guid.Empty;

        /// <summary>This session's image store: the registered one, else the environment's; null for none.</summary>
        public static IImageStore? Current => BySession.TryGetValue(SessionId, out var store) ? store : EnvironmentStore.Get();

        /// <summary>This session's journal table: the registered one, else the environment's; null for none (the file journal).</summary>
        public static ITaskJournal? Journal => JournalBySession.TryGetValue(SessionId, out var journal) ? journal : EnvironmentJournal.Get();

        /// <summary>
        /// The container Save-NebulaVideo -Container names, on this session's storage account: the registered one, else
        /// the environment's connection string. Refused (StorageNotConnected, StorageSettingInvalid) before any download.
        /// </summary>
        public static AzureBlobVideoStore VideoStore(string container)
        {
            if (VideosBySession.TryGetValue(SessionId, out var registered))
                return (registered ?? throw NotConnected("This session's storage is a script block, which takes images, not videos.")).Open(container);
            var connectionString = Environment.GetEnvironmentVariable(ConnectionStringVariable);
            if (string.IsNullOrEmpty(connectionString)) throw NotConnected("This session has no storage account.");
            var stamp = Stamp(connectionString!);
            lock (VideosBySession)
            {
                if (_environmentVideos is not { } known || known.Stamp != stamp)
                    _environmentVideos = known = (stamp, new VideoContainers(name =>
                        AzureBlobVideoStore.FromConnectionString(connectionString!, name, SessionConnections.RequestOptions, log: null)));
                return known.Containers.Open(container);
            }
        }

        private static NebulaVideoException NotConnected(string why) => new NebulaVideoException(ErrorIds.StorageNotConnected,
            $"{why} Save-NebulaVideo -Container saves into a container of the session's storage account.", "Container",
            $"Connect-NebulaVideoStorage -ConnectionString <SecureString> registers the account (or set {ConnectionStringVariable} for a runbook); or save to files with -Path.");

        /// <summary>A registration replaces the session's whole storage: a part not given is none, not the environment's.</summary>
        /// <param name="store">Where local images are staged.</param>
        /// <param name="journal">The journal table.</param>
        /// <param name="videos">Opens a container of the account by name, for Save-NebulaVideo -Container; null for none.</param>
        public static void Register(IImageStore? store, ITaskJournal? journal, Func<string, AzureBlobVideoStore>? videos)
        {
            BySession[SessionId] = store;
            if (JournalBySession.TryGetValue(SessionId, out var replaced)) (replaced as IDisposable)?.Dispose();
            JournalBySession[SessionId] = journal;
            VideosBySession[SessionId] = videos is null ? null : new VideoContainers(videos);
        }

        /// <summary>Forgets this session's registered storage; true if there was any.</summary>
        public static bool Forget()
        {
            var had = BySession.TryRemove(SessionId, out _);
            had |= VideosBySession.TryRemove(SessionId, out _);
            if (JournalBySession.TryRemove(SessionId, out var journal)) (journal as IDisposable)?.Dispose();
            return had;
        }

        /// <summary>
        /// A part of storage the environment names (the connection string and one more variable), built once per value of
        /// the variables, which every session of the process shares: a runbook's items reuse one store or journal and its
        /// HTTP pipeline rather than building one per image. The process keeps no copy of the connection string beside the
        /// built object's own: only its hash.
        /// </summary>
        private sealed class FromEnvironment<T> where T : class
        {
            private readonly string _variable;
            private readonly Func<string, string, T> _build;
            private readonly object _gate = new object();
            private (string Stamp, T Value)? _known;

            public FromEnvironment(string variable, Func<string, string, T> build)
            {
                _variable = variable;
                _build = build;
            }

            public T? Get()
            {
                var connectionString = Environment.GetEnvironmentVariable(ConnectionStringVariable);
                var name = Environment.GetEnvironmentVariable(_variable);
                if (string.IsNullOrEmpty(connectionString) || string.IsNullOrEmpty(name)) return null;
                var stamp = Stamp(connectionString!) + "|" + name;
                lock (_gate)
                {
                    if (_known is { } known && known.Stamp == stamp) return known.Value;
                    var value = _build(connectionString!, name!);
                    (_known?.Value as IDisposable)?.Dispose();
                    _known = (stamp, value);
                    return value;
                }
            }

        }

        // What tells two values of a secret apart, without keeping it.
        private static string Stamp(string secret)
        {
            using var sha = System.Security.Cryptography.SHA256.Create();
            return Convert.ToBase64String(sha.ComputeHash(System.Text.Encoding.UTF8.GetBytes(secret)));
        }

        /// <summary>The containers of one account, each opened once: the store checks the container on its first save only.</summary>
        private sealed class VideoContainers
        {
            private readonly Func<string, AzureBlobVideoStore> _open;
            private readonly ConcurrentDictionary<string, AzureBlobVideoStore> _opened = new ConcurrentDictionary<string, AzureBlobVideoStore>(StringComparer.Ordinal);

            public VideoContainers(Func<string, AzureBlobVideoStore> open)
            {
                _open = open;
            }

            public AzureBlobVideoStore Open(string container) => _opened.GetOrAdd(container, _open);
        }
    }
}
