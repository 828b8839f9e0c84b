using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using NebulaVideo.Core;
using NebulaVideo.Core.Catalog;
using NebulaVideo.Core.Gateways;

namespace NebulaVideo
{
    /// <summary>Tab completion for a parameter: the candidates, filtered by what has been typed.</summary>
    public abstract class NebulaVideoCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var word = (wordToComplete ?? string.Empty).Trim('\'', '"');
            IEnumerable<string> candidates;
            try
            {
                candidates = Candidates(fakeBoundParameters).ToList();
            }
            catch (NebulaVideoException)
            {
                // A broken catalog file or environment must not break the prompt; the cmdlet itself will say what is wrong.
                candidates = Array.Empty<string>();
            }
            return candidates
                .Where(value => value.StartsWith(word, StringComparison.OrdinalIgnoreCase))
                .Select(value => new CompletionResult(Quote(value), value, CompletionResultType.ParameterValue, value));
        }

        protected abstract IEnumerable<string> Candidates(IDictionary? boundParameters);

        private static string Quote(string value) => value.IndexOfAny(new[] { ' ', '\'', '"', '$', '`' }) >= 0 ? $"'{value.Replace("'", "''")}'" : value;
    }

    /// <summary>Completion from the model catalog (built-in and the user's file), so the choices on offer are the real ones.</summary>
    public abstract class CatalogCompleter : NebulaVideoCompleter
    {
        protected override IEnumerable<string> Candidates(IDictionary? boundParameters) =>
            Candidates(ModelCatalog.Current, ModelOnLine(ModelCatalog.Current, boundParameters));

        protected abstract IEnumerable<string> Candidates(ModelCatalog catalog, ModelInfo? model);

        /// <summary>
        /// The model typed on the line, else the default model of the connection typed (or of the session's
        /// default connection): the one New-NebulaVideo would use.
        /// </summary>
        private static ModelInfo? ModelOnLine(ModelCatalog catalog, IDictionary? bound)
        {
            if (bound?["Model"] is string typed) return catalog.Find(typed);
            var connection = bound?["Connection"] as string;
            var dialect = connection is null ? SessionConnections.Current.DefaultDialect : SessionConnections.Current.Named(connection).Dialect;
            return catalog.Find(dialect.DefaultModel);
        }
    }

    public sealed class ModelCompleter : NebulaVideoCompleter
    {
        protected override IEnumerable<string> Candidates(IDictionary? boundParameters) => ModelCatalog.Current.Models.Select(m => m.Name);
    }

    public sealed class DurationCompleter : CatalogCompleter
    {
        protected override IEnumerable<string> Candidates(ModelCatalog catalog, ModelInfo? model) =>
            (model?.Durations ?? Array.Empty<int>()).OrderBy(d => d).Select(d => d.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>-Resolution holds the frame size for sized models (sora-2), so it offers their sizes.</summary>
    public sealed class ResolutionCompleter : CatalogCompleter
    {
        protected override IEnumerable<string> Candidates(ModelCatalog catalog, ModelInfo? model) =>
            model is null ? Array.Empty<string>() : model.Resolutions.Concat(model.Sizes);
    }

    public sealed class SizeCompleter : CatalogCompleter
    {
        protected override IEnumerable<string> Candidates(ModelCatalog catalog, ModelInfo? model) =>
            model?.Sizes ?? (IEnumerable<string>)Array.Empty<string>();
    }

    public sealed class DialectCompleter : NebulaVideoCompleter
    {
        protected override IEnumerable<string> Candidates(IDictionary? boundParameters) => Dialects.All.Select(d => d.Name);
    }

    public sealed class ConnectionCompleter : NebulaVideoCompleter
    {
        protected override IEnumerable<string> Candidates(IDictionary? boundParameters) => SessionConnections.Current.List().Select(c => c.Name);
    }
}
