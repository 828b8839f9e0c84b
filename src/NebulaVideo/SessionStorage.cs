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
                return (registered ?? throw NotConnected("This session's storage has no account to save videos in (a script block, or a table's own SAS).")).Open(container);
            return (EnvironmentVideos() ?? throw NotConnected("This session has no storage account.")).Open(container);
        }

        // The environment's connection string alone, built once per value of it; null without one.
        private static VideoContainers? EnvironmentVideos()
        {
            var connectionString = Environment.GetEnvironmentVariable(ConnectionStringVariable);
            if (string.IsNullOrEmpty(connectionString)) return null;
            var stamp = Stamp(connectionString!);
            lock (VideosBySession)
            {
                if (_environmentVideos is not { } known || known.Stamp != stamp)
                    _environmentVideos = known = (stamp, VideoContainers.OfAccount(connectionString!));
                return known.Containers;
            }
        }

        private static NebulaVideoException NotConnected(string why) => new NebulaVideoException(ErrorIds.StorageNotConnected,
            $"{why} Save-NebulaVideo -Container saves into a container of the session's storage account.", "Container",
            $"Connect-NebulaVideoStorage -ConnectionString <SecureString> registers the account (or set {ConnectionStringVariable} for a runbook); or save to files with -Path.");

        /// <summary>A registration replaces the session's whole storage: a part not given is none, not the environment's.</summary>
        /// <param name="store">Where local images are staged.</param>
        /// <param name="journal">The journal table.</param>
        /// <param name="videos">The containers of the account Save-NebulaVideo -Container may save in; null for none.</param>
        public static void Register(IImageStore? store, ITaskJournal? journal, VideoContainers? videos)
        {
            BySession[SessionId] = store;
            if (JournalBySession.TryGetValue(SessionId, out var replaced)) (replaced as IDisposable)?.Dispose();
            JournalBySession[SessionId] = journal;
            VideosBySession[SessionId] = videos;
        }

        /// <summary>Where this session's videos may go, as Get-NebulaVideoStorage says it: the registered account, else the environment's; null for none.</summary>
        public static VideoContainers? Videos
        {
            get
            {
                if (VideosBySession.TryGetValue(SessionId, out var registered)) return registered;
                try
                {
                    return EnvironmentVideos();
                }
                catch (NebulaVideoException)
                {
                    return null; // a variable that cannot be used is said when a save uses it
                }
            }
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

        /// <summary>
        /// The containers Save-NebulaVideo -Container may save in: any of an account's (a connection string), or the one a
        /// write token is for. Each is opened once: the store checks its container on the first save only.
        /// </summary>
        internal sealed class VideoContainers
        {
            private readonly Func<string, AzureBlobVideoStore> _open;
            private readonly ConcurrentDictionary<string, AzureBlobVideoStore> _opened = new ConcurrentDictionary<string, AzureBlobVideoStore>(StringComparer.Ordinal);

            private VideoContainers(Func<string, AzureBlobVideoStore> open, string? account, string containers)
            {
                _open = open;
                Account = account;
                Containers = containers;
            }

            /// <summary>The account's name, where known before any call.</summary>
            public string? Account { get; }

            /// <summary>"*" for any container of the account, else the one container's name.</summary>
            public string Containers { get; }

            /// <summary>Any container of a connection string's account; StorageSettingInvalid for one that cannot take videos.</summary>
            public static VideoContainers OfAccount(string connectionString) =>
                new VideoContainers(container => AzureBlobVideoStore.FromConnectionString(connectionString, container, SessionConnections.RequestOptions, log: null),
                    AzureBlobVideoStore.AccountOf(connectionString), "*");

            /// <summary>The one container a write SAS is for; any other name is StorageSettingInvalid.</summary>
            public static VideoContainers OfContainer(Uri address, string writeToken)
            {
                var name = address.Segments[address.Segments.Length - 1].TrimEnd('/');
                return new VideoContainers(container => container == name
                    ? AzureBlobVideoStore.FromContainerSas(address, writeToken, SessionConnections.RequestOptions, log: null)
                    : throw new NebulaVideoException(ErrorIds.StorageSettingInvalid,
                        $"This session's storage is the container {address.GetLeftPart(UriPartial.Path)}, reached by a SAS token: it cannot save in the container '{container}'.",
                        container, "Give that container's name to -Container, or connect with a connection string (Connect-NebulaVideoStorage -ConnectionString) to use any container of the account."),
                    null, name);
            }

            public AzureBlobVideoStore Open(string container) => _opened.GetOrAdd(container, _open);
        }
    }
}
