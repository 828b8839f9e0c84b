using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using NebulaVideo.Core.Catalog;

namespace NebulaVideo
{
    /// <summary>Tab completion from the model catalog, so the choices on offer are always the real ones.</summary>
    public abstract class CatalogCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var word = (wordToComplete ?? string.Empty).Trim('\'', '"');
            var model = fakeBoundParameters?["Model"] as string;
            return Candidates(ModelCatalog.BuiltIn, model)
                .Where(value => value.StartsWith(word, StringComparison.OrdinalIgnoreCase))
                .Select(value => new CompletionResult(value, value, CompletionResultType.ParameterValue, value));
        }

        protected abstract IEnumerable<string> Candidates(ModelCatalog catalog, string? model);

        /// <summary>The models to draw values from: the one named on the command line, else all of them.</summary>
        protected static IEnumerable<ModelInfo> Models(ModelCatalog catalog, string? model) =>
            catalog.Find(model ?? string.Empty) is { } one ? new[] { one } : catalog.Models;
    }

    public sealed class ModelCompleter : CatalogCompleter
    {
        protected override IEnumerable<string> Candidates(ModelCatalog catalog, string? model) => catalog.Models.Select(m => m.Name);
    }

    public sealed class DurationCompleter : CatalogCompleter
    {
        protected override IEnumerable<string> Candidates(ModelCatalog catalog, string? model) =>
            Models(catalog, model).SelectMany(m => m.Durations).Distinct().OrderBy(d => d).Select(d => d.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    public sealed class ResolutionCompleter : CatalogCompleter
    {
        protected override IEnumerable<string> Candidates(ModelCatalog catalog, string? model) =>
            Models(catalog, model).SelectMany(m => m.Resolutions).Distinct();
    }

    public sealed class SizeCompleter : CatalogCompleter
    {
        protected override IEnumerable<string> Candidates(ModelCatalog catalog, string? model) =>
            Models(catalog, model).SelectMany(m => m.Sizes).Distinct();
    }
}
