using System.Management.Automation;
using NebulaVideo.Core.Storage;

namespace NebulaVideo.Commands
{
    /// <summary>
    /// Shows this session's image store: its kind, account, container, address and read-URL lifetime, and how it is
    /// reached (account key, SAS token or script block); never a key or token. Nothing when there is none.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "NebulaVideoStorage")]
    [OutputType(typeof(ImageStoreInfo))]
    public sealed class GetNebulaVideoStorageCommand : NebulaVideoCmdlet
    {
        protected override void ProcessRecord() => ForEachItem(() =>
        {
            if (SessionStorage.Current is { } store) WriteObject(store.Info);
            else WriteVerbose($"This session has no image store: Connect-NebulaVideoStorage registers one, or set {SessionStorage.ConnectionStringVariable} and {SessionStorage.ContainerVariable}.");
        });
    }
}
