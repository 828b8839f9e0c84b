using System.Management.Automation;

namespace NebulaVideo.Commands
{
    /// <summary>Forgets this session's gateway connection and key; NEBULA_API_KEY applies again if set.</summary>
    [Cmdlet(VerbsCommunications.Disconnect, "NebulaVideo")]
    [OutputType(typeof(void))]
    public sealed class DisconnectNebulaVideoCommand : NebulaCmdlet
    {
        protected override void EndProcessing()
        {
            if (!SessionConnections.Clear())
                WriteVerbose("NebulaVideo was not connected in this session.");
        }
    }
}
