using System.Management.Automation;

namespace NebulaVideo.Commands
{
    /// <summary>
    /// Forgets connections of this session and their keys: the one named, or all of them. A dialect's
    /// environment variables still apply afterwards, if set.
    /// </summary>
    [Cmdlet(VerbsCommunications.Disconnect, "NebulaVideo")]
    [OutputType(typeof(void))]
    public sealed class DisconnectNebulaVideoCommand : NebulaVideoCmdlet
    {
        /// <summary>The connections to forget; all registered ones when omitted.</summary>
        [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(ConnectionCompleter))]
        [ValidateNotNullOrEmpty]
        public string[]? Name { get; set; }

        protected override void ProcessRecord()
        {
            foreach (var name in Name ?? System.Array.Empty<string>())
                if (!Connections.Remove(name))
                    WriteVerbose($"There is no registered connection named '{name}' in this session.");
            if (Name is null) Connections.Clear();
        }
    }
}
