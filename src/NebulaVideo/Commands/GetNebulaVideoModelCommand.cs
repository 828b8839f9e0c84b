using System.Linq;
using System.Management.Automation;
using NebulaVideo.Core.Catalog;

namespace NebulaVideo.Commands
{
    /// <summary>Lists the models NebulaVideo can drive, with their durations, resolutions or sizes, inputs and prices.</summary>
    [Cmdlet(VerbsCommon.Get, "NebulaVideoModel")]
    [OutputType(typeof(ModelInfo))]
    public sealed class GetNebulaVideoModelCommand : NebulaVideoCmdlet
    {
        [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(ModelCompleter))]
        [Alias("Model")]
        public string[] Name { get; set; } = { "*" };

        protected override void ProcessRecord()
        {
            foreach (var name in Name)
            {
                if (!WildcardPattern.ContainsWildcardCharacters(name))
                {
                    // A plain name that matches nothing is an error (with the list of known models), as Get-Item does.
                    ForEachItem(() => WriteObject(ModelCatalog.Current.Get(name)));
                    continue;
                }
                var pattern = new WildcardPattern(name, WildcardOptions.IgnoreCase);
                WriteObject(ModelCatalog.Current.Models.Where(m => pattern.IsMatch(m.Name)), enumerateCollection: true);
            }
        }
    }
}
