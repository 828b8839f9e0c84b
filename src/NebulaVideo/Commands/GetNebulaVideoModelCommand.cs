using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using NebulaVideo.Core.Catalog;

namespace NebulaVideo.Commands
{
    /// <summary>
    /// Lists the models NebulaVideo can drive, with their lifecycle, durations, resolutions or sizes, inputs and
    /// prices. A retired model that names a replacement is left out of listings unless -IncludeRetired; asked for
    /// by its plain name, any model is given.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "NebulaVideoModel")]
    [OutputType(typeof(ModelInfo))]
    public sealed class GetNebulaVideoModelCommand : NebulaVideoCmdlet
    {
        [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(ModelCompleter))]
        [Alias("Model")]
        public string[] Name { get; set; } = { "*" };

        /// <summary>Lists retired models that name a replacement too.</summary>
        [Parameter]
        public SwitchParameter IncludeRetired { get; set; }

        private readonly List<string> _leftOut = new List<string>();

        protected override void ProcessRecord()
        {
            // One day for the whole command, so a listing never splits across midnight.
            var today = DateTime.UtcNow;
            foreach (var name in Name)
            {
                if (!WildcardPattern.ContainsWildcardCharacters(name))
                {
                    // A plain name that matches nothing is an error (with the list of known models), as Get-Item does.
                    // A retired model asked for by name is given: whoever names it wants to know about it.
                    ForEachItem(() => WriteObject(ModelCatalog.Current.Get(name)));
                    continue;
                }
                var pattern = new WildcardPattern(name, WildcardOptions.IgnoreCase);
                foreach (var model in ModelCatalog.Current.Models.Where(m => pattern.IsMatch(m.Name)))
                {
                    if (!IncludeRetired && model.IsSupersededOn(today))
                    {
                        if (!_leftOut.Contains(model.Name, StringComparer.OrdinalIgnoreCase)) _leftOut.Add(model.Name);
                        continue;
                    }
                    WriteObject(model);
                }
            }
        }

        protected override void EndProcessing()
        {
            // Said, not silently dropped: a model missing from the list would otherwise look unknown.
            if (_leftOut.Count == 0) return;
            var (models, them) = _leftOut.Count == 1 ? ("model", "it") : ("models", "them");
            WriteVerbose($"Left out the retired {models} {string.Join(", ", _leftOut)}, replaced by another; -IncludeRetired lists {them}, as does asking for {them} by name.");
        }
    }
}
