using System.Management.Automation;

namespace NebulaVideo.Commands
{
    /// <summary>
    /// Forgets this session's image store and its credentials. The environment's store (its two variables) still
    /// applies afterwards, if set. Staged images stay where they are: Remove-NebulaVideoStagedImage deletes old ones.
    /// </summary>
    [Cmdlet(VerbsCommunications.Disconnect, "NebulaVideoStorage")]
    [OutputType(typeof(void))]
    public sealed class DisconnectNebulaVideoStorageCommand : NebulaVideoCmdlet
    {
        protected override void ProcessRecord()
        {
            if (!SessionStorage.Forget()) WriteVerbose("This session had no registered image store.");
        }
    }
}
