using System;
using System.IO;
using System.Management.Automation;
using System.Net;
using System.Security;
using NebulaVideo.Core;
using NebulaVideo.Core.Storage;
using NebulaVideo.Core.Tasks;

namespace NebulaVideo.Commands
{
    /// <summary>
    /// Registers this session's storage: the image store where New-NebulaVideo stages a local image for a model that
    /// takes images only by URL (your Azure Blob container, by connection string or by a container URL with a write and a
    /// read SAS token, or a script block that uploads a file anywhere and returns its URL), and the journal table every
    /// session connected to it shares (by connection string, or by a table URL and a SAS token). One per session;
    /// connecting again replaces all of it. Writes what was registered, as Get-NebulaVideoStorage shows it.
    /// </summary>
    [Cmdlet(VerbsCommunications.Connect, "NebulaVideoStorage", DefaultParameterSetName = ConnectionStringSet)]
    [OutputType(typeof(StorageInfo))]
    public sealed class ConnectNebulaVideoStorageCommand : NebulaVideoCmdlet
    {
        private const string ConnectionStringSet = "ConnectionString";
        private const string SasSet = "ContainerSas";
        private const string ScriptSet = "ScriptBlock";
        private const string TableSasSet = "JournalTableSas";

        /// <summary>An Azure Storage connection string with the account key (Get-Secret, Get-AzKeyVaultSecret -AsPlainText | ConvertTo-SecureString).</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = ConnectionStringSet)]
        public SecureString ConnectionString { get; set; } = null!;

        /// <summary>The blob container images are staged in; created if missing. Optional with -JournalTable, when no image is staged.</summary>
        [Parameter(Position = 1, ParameterSetName = ConnectionStringSet)]
        [ValidateNotNullOrEmpty]
        public string? Container { get; set; }

        /// <summary>
        /// Keeps the session's task journal in this Azure Table (created if missing) instead of a file: every machine that
        /// connects to it shares one journal, so none pays twice for a request another already sent.
        /// </summary>
        [Parameter(ParameterSetName = ConnectionStringSet)]
        [ValidateNotNullOrEmpty]
        public string? JournalTable { get; set; }

        /// <summary>
        /// How long other sessions wait on a request this session is submitting, after the table service last saw this session
        /// renew its claim (every third of it), before they take it for gone and report the outcome as unknown (default 60 s,
        /// 1 s to 1 hour). With -JournalTable or -JournalTableUri only.
        /// </summary>
        [Parameter(ParameterSetName = ConnectionStringSet)]
        [Parameter(ParameterSetName = TableSasSet)]
        [Parameter(ParameterSetName = SasSet)]
        [Parameter(ParameterSetName = ScriptSet)]
        public TimeSpan? JournalLease { get; set; }

        /// <summary>The container's URL (https://account.blob.core.windows.net/container), for a store reached by SAS tokens.</summary>
        [Parameter(Mandatory = true, ParameterSetName = SasSet)]
        public Uri ContainerUri { get; set; } = null!;

        /// <summary>A SAS token that may create and write blobs in the container (sp=cw or more); it goes to the storage account only.</summary>
        [Parameter(Mandatory = true, ParameterSetName = SasSet)]
        public SecureString WriteSasToken { get; set; } = null!;

        /// <summary>A read-only SAS token (sp=r) for the container: what the gateway gets with each image's address. One granting more is refused.</summary>
        [Parameter(Mandatory = true, ParameterSetName = SasSet)]
        public SecureString ReadSasToken { get; set; } = null!;

        /// <summary>
        /// The journal table's URL (https://account.table.core.windows.net/table), reached with -JournalSasToken: the
        /// session's journal, shared by every session connected to it. Alone, or beside a container or script block store.
        /// </summary>
        [Parameter(Mandatory = true, ParameterSetName = TableSasSet)]
        [Parameter(ParameterSetName = SasSet)]
        [Parameter(ParameterSetName = ScriptSet)]
        public Uri? JournalTableUri { get; set; }

        /// <summary>A SAS token for the journal table (or an account SAS for the table service) that may read, add, update and delete rows (sp=raud).</summary>
        [Parameter(Mandatory = true, ParameterSetName = TableSasSet)]
        [Parameter(ParameterSetName = SasSet)]
        [Parameter(ParameterSetName = ScriptSet)]
        public SecureString? JournalSasToken { get; set; }

        /// <summary>
        /// How long the read URL minted for each image lasts (default 1 day, at most 7 days). Not with -ContainerUri: there
        /// the gateway gets your read token as it is, and its own expiry decides.
        /// </summary>
        [Parameter(ParameterSetName = ConnectionStringSet)]
        public TimeSpan? UrlLifetime { get; set; }

        /// <summary>
        /// Uploads one file and returns the URL the gateway fetches: param($File) receives a FileInfo. Called once per
        /// distinct image in a command, on the pipeline thread; an error it throws is that image's error.
        /// </summary>
        [Parameter(Mandatory = true, ParameterSetName = ScriptSet)]
        public ScriptBlock ScriptBlock { get; set; } = null!;

        protected override void ProcessRecord() => ForEachItem(() =>
        {
            if ((JournalTableUri is null) != (JournalSasToken is null))
                throw new NebulaVideoException(ErrorIds.StorageSettingInvalid,
                    "-JournalTableUri and -JournalSasToken go together: the table's address, and the token that reaches it.",
                    JournalTableUri is null ? "JournalTableUri" : JournalTableUri.GetLeftPart(UriPartial.Path),
                    "Give both to keep the journal in that table, or neither.");
            if (JournalLease is not null && JournalTable is null && JournalTableUri is null)
                throw new NebulaVideoException(ErrorIds.StorageSettingInvalid, "-JournalLease was given without a journal table: it is the lease of a journal table's claims.",
                    "JournalLease", "Give -JournalTable (or -JournalTableUri) with it, or leave -JournalLease out.");
            var store = ParameterSetName switch
            {
                ScriptSet => Uploader(ScriptBlock),
                SasSet => AzureBlobImageStore.FromContainerSas(ContainerUri, Plain(WriteSasToken), Plain(ReadSasToken),
                    AzureBlobImageStore.DefaultUrlLifetime, SessionConnections.RequestOptions, log: null),
                TableSasSet => null,
                _ => Container is null ? null : AzureBlobImageStore.FromConnectionString(Plain(ConnectionString), Container,
                    UrlLifetime ?? AzureBlobImageStore.DefaultUrlLifetime, SessionConnections.RequestOptions, log: null),
            };
            var journal =
                JournalTable is not null ? TableJournal.FromConnectionString(Plain(ConnectionString), JournalTable, SessionConnections.RequestOptions, log: null, lease: JournalLease)
                : JournalTableUri is not null ? TableJournal.FromTableSas(JournalTableUri, Plain(JournalSasToken!), SessionConnections.RequestOptions, log: null, lease: JournalLease)
                : null;
            var videos = Videos();
            SessionStorage.Register(store, journal, videos);
            if (journal is not null) WriteVerbose($"This session's journal is the table {journal.Location}.");
            if (StorageInfo.Of(store?.Info, journal, videos?.Account, videos?.Containers) is { } storage) WriteObject(storage);
        });

        // Where Save-NebulaVideo -Container saves: any container of the connection string's account, or the one container a
        // write token is for. A connection string that cannot take videos (a SAS one, for a table alone) registers none;
        // one given alone is checked now, so a bad one fails here rather than after the videos are made.
        private SessionStorage.VideoContainers? Videos()
        {
            switch (ParameterSetName)
            {
                case ConnectionStringSet:
                    try
                    {
                        return SessionStorage.VideoContainers.OfAccount(Plain(ConnectionString));
                    }
                    catch (NebulaVideoException) when (Container is not null || JournalTable is not null)
                    {
                        return null;
                    }
                case SasSet:
                    return SessionStorage.VideoContainers.OfContainer(ContainerUri, Plain(WriteSasToken));
                default:
                    return null;
            }
        }

        // The script block runs where New-NebulaVideo calls the store: on its pipeline thread, in this session. The store
        // keeps the script block alone, not this command.
        private static IImageStore Uploader(ScriptBlock script) => new UploaderImageStore((image, cancellation) =>
        {
            try
            {
                var output = script.Invoke(new FileInfo(image.Path));
                for (var i = output.Count - 1; i >= 0; i--)
                    if (output[i]?.BaseObject is { } last) return last;
                return null;
            }
            catch (RuntimeException ex)
            {
                throw new NebulaVideoException(ErrorIds.StagingScriptFailed,
                    $"The image store's script block failed for '{image.Path}': {ex.Message}", image.Path,
                    "Fix the script block (Connect-NebulaVideoStorage -ScriptBlock), or run it by hand on this file to see what it does.", ex);
            }
        });

        private static string Plain(SecureString secret) => new NetworkCredential(string.Empty, secret).Password;
    }
}
