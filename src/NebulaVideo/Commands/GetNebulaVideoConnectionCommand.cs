using System.Linq;
using System.Management.Automation;
using NebulaVideo.Core.Connections;

namespace NebulaVideo.Commands
{
    /// <summary>
    /// Lists this session's connections: the registered ones, then those the environment provides. Shows
    /// where each key came from, never the key.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "NebulaVideoConnection")]
    [OutputType(typeof(ConnectionSummary))]
    public sealed class GetNebulaVideoConnectionCommand : NebulaVideoCmdlet
    {
        [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(ConnectionCompleter))]
        public string[] Name { get; set; } = { "*" };

        protected override void ProcessRecord() => ForEachItem(() =>
        {
            var all = Connections.List();
            foreach (var name in Name)
            {
                var pattern = new WildcardPattern(name, WildcardOptions.IgnoreCase);
                var matches = all.Where(c => pattern.IsMatch(c.Name)).ToList();
                if (matches.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(name))
                    Connections.Named(name); // throws ConnectionNotFound, as Get-Item does for a plain name
                WriteObject(matches, enumerateCollection: true);
            }
        });
    }
}
