using System.Management.Automation;
using NebulaVideo.Core.Storage;
using NebulaVideo.Core.Tasks;

namespace NebulaVideo.Commands
{
    /// <summary>
    /// Shows this session's storage: the image store (its kind, account, container, address and read-URL lifetime) and
    /// the journal table (its name and address), each with how it is reached (account key, SAS token or script block);
    /// never a key or token. Nothing when the session has neither.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "NebulaVideoStorage")]
    [OutputType(typeof(StorageInfo))]
    public sealed class GetNebulaVideoStorageCommand : NebulaVideoCmdlet
    {
        protected override void ProcessRecord() => ForEachItem(() =>
        {
            if (StorageInfo.Of(SessionStorage.Current?.Info, SessionStorage.Journal as TableJournal, SessionStorage.Videos?.Account, SessionStorage.Videos?.Containers) is { } storage) WriteObject(storage);
            else WriteVerbose($"This session has no storage: Connect-NebulaVideoStorage registers an image store or a journal table, or set {SessionStorage.ConnectionStringVariable} with {SessionStorage.ContainerVariable}, {SessionStorage.JournalTableVariable} or both.");
        });
    }
}
