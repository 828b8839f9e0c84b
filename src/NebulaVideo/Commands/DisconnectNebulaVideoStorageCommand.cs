using System.Management.Automation;

namespace NebulaVideo.Commands
{
    /// <summary>
    /// Forgets this session's registered storage (image store and journal table) and its credentials. The environment's
    /// (its variables) applies afterwards, if set. Staged images and the table's rows stay where they are.
    /// </summary>
    [Cmdlet(VerbsCommunications.Disconnect, "NebulaVideoStorage")]
    [OutputType(typeof(void))]
    public sealed class DisconnectNebulaVideoStorageCommand : NebulaVideoCmdlet
    {
        protected override void ProcessRecord()
        {
            if (!SessionStorage.Forget()) WriteVerbose("This session had no registered storage.");
        }
    }
}
