using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using NebulaVideo.Core.Gateways;

namespace NebulaVideo.Core.Catalog
{
    /// <summary>
    /// Reads catalog documents ({"models":[...]}, the layout of the embedded models.json). A user file uses
    /// the same layout: an entry with a known model's name changes only the fields it gives (a price, a
    /// limit), an entry with a new name adds a model (it needs at least "name" and "dialect").
    /// </summary>
    internal static class CatalogFile
    {
        private const string UnknownPrice = "unknown";

        public static ModelCatalog LoadBuiltIn()
        {
            using var stream = typeof(CatalogFile).Assembly.GetManifestResourceStream("NebulaVideo.Core.models.json")
                ?? throw new InvalidOperationException("The built-in model catalog is missing from the assembly.");
            return new ModelCatalog(ReadEntries(stream, "built-in").Select(e => ReadModel(e, "built-in")));
        }

        public static ModelCatalog ApplyUserFile(ModelCatalog builtIn, string path)
        {
            try
            {
                using var stream = File.OpenRead(path);
                return Apply(builtIn, stream, path);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw Invalid(path, $"cannot be read: {ex.Message}", ex);
            }
        }

        /// <summary>The built-in models with a user document's entries merged in, field by field.</summary>
        public static ModelCatalog Apply(ModelCatalog builtIn, Stream json, string source)
        {
            var models = builtIn.Models.ToList();
            foreach (var entry in ReadEntries(json, source))
            {
                var name = Text(entry, "name") ?? throw Invalid(source, "has a model entry without a \"name\".");
                var index = models.FindIndex(m => string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase));
                try
                {
                    var model = index >= 0 ? Merge(models[index], entry, source) : ReadModel(entry, source);
                    if (index >= 0) models[index] = model;
                    else models.Add(model);
                }
                catch (Exception ex) when (ex is InvalidOperationException || ex is FormatException || ex is KeyNotFoundException || ex is ArgumentException)
                {
                    throw Invalid(source, $"has an entry for '{name}' that cannot be read: {ex.Message}", ex);
                }
            }
            return new ModelCatalog(models, source);
        }

        private static List<Dictionary<string, JsonElement>> ReadEntries(Stream json, string source)
        {
            try
            {
                using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
                if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("models", out var models) || models.ValueKind != JsonValueKind.Array)
                    throw Invalid(source, "has no \"models\" array.");
                return models.EnumerateArray()
                    .Select(m => m.ValueKind == JsonValueKind.Object ? m.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone(), StringComparer.OrdinalIgnoreCase)
                        : throw Invalid(source, "has an entry in \"models\" that is not an object."))
                    .ToList();
            }
            catch (JsonException ex)
            {
                throw Invalid(source, $"is not valid JSON: {ex.Message}", ex);
            }
        }

        private static ModelInfo ReadModel(IReadOnlyDictionary<string, JsonElement> m, string source)
        {
            var dialect = Text(m, "dialect") ?? throw new InvalidOperationException("a new model needs a \"dialect\"");
            if (Dialects.Find(dialect) is null)
                throw new InvalidOperationException($"the dialect '{dialect}' is not one of {string.Join(", ", Dialects.All.Select(d => d.Name))}");
            return Merge(new ModelInfo { Name = Text(m, "name")!, Dialect = Dialects.Find(dialect)!.Name, Source = source }, m, source);
        }

        /// <summary>A model with every field the entry gives replaced; the rest as they were.</summary>
        private static ModelInfo Merge(ModelInfo model, IReadOnlyDictionary<string, JsonElement> m, string source)
        {
            bool Has(string name) => m.ContainsKey(name);
            var merged = model with
            {
                Description = Text(m, "description") ?? model.Description,
                Layout = Has("layout") ? Text(m, "layout") : model.Layout,
                Image = Has("image") ? (ImageRequirement)Enum.Parse(typeof(ImageRequirement), Text(m, "image")!, ignoreCase: true) : model.Image,
                ImageFormats = Has("imageFormats") ? Strings(m["imageFormats"]) : model.ImageFormats,
                MaxImageBytes = Has("maxImageBytes") ? Long(m["maxImageBytes"]) : model.MaxImageBytes,
                ImageMinPixels = Has("imageMinPixels") ? (int?)Long(m["imageMinPixels"]) : model.ImageMinPixels,
                ImageMaxPixels = Has("imageMaxPixels") ? (int?)Long(m["imageMaxPixels"]) : model.ImageMaxPixels,
                ImageMatchesSize = Has("imageMatchesSize") ? m["imageMatchesSize"].GetBoolean() : model.ImageMatchesSize,
                PromptMaxLength = Has("promptMaxLength") ? (int?)Long(m["promptMaxLength"]) : model.PromptMaxLength,
                Durations = Has("durations") ? m["durations"].EnumerateArray().Select(d => d.GetInt32()).ToArray() : model.Durations,
                DefaultDuration = Has("defaultDuration") ? (int?)Long(m["defaultDuration"]) : model.DefaultDuration,
                Resolutions = Has("resolutions") ? Strings(m["resolutions"]) : model.Resolutions,
                DefaultResolution = Has("defaultResolution") ? Text(m, "defaultResolution") : model.DefaultResolution,
                Sizes = Has("sizes") ? Strings(m["sizes"]) : model.Sizes,
                DefaultSize = Has("defaultSize") ? Text(m, "defaultSize") : model.DefaultSize,
                PricePerSecondUsd = Has("pricePerSecondUsd") ? Prices(m["pricePerSecondUsd"]) : model.PricePerSecondUsd,
                Options = Has("options") ? Strings(m["options"]) : model.Options,
                RemixIdPrefix = Has("remixIdPrefix") ? Text(m, "remixIdPrefix") : model.RemixIdPrefix,
                Source = source,
            };
            if (merged.DefaultDuration is int d && merged.Durations.Count > 0 && !merged.Durations.Contains(d))
                throw new InvalidOperationException($"its defaultDuration {d} is not among its durations");
            return merged;
        }

        // "unknown" (or null) where the gateway publishes no price: estimates then say so instead of showing 0.
        private static IReadOnlyDictionary<string, decimal>? Prices(JsonElement e) =>
            e.ValueKind == JsonValueKind.Null || (e.ValueKind == JsonValueKind.String && string.Equals(e.GetString(), UnknownPrice, StringComparison.OrdinalIgnoreCase))
                ? null
                : e.ValueKind == JsonValueKind.Number ? new Dictionary<string, decimal> { ["*"] = e.GetDecimal() }
                : e.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDecimal(), StringComparer.OrdinalIgnoreCase);

        private static string? Text(IReadOnlyDictionary<string, JsonElement> m, string name) =>
            m.TryGetValue(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

        private static long? Long(JsonElement e) => e.ValueKind == JsonValueKind.Null ? (long?)null : e.GetInt64();

        private static string[] Strings(JsonElement e) => e.EnumerateArray().Select(v => v.GetString()!).ToArray();

        private static NebulaVideoException Invalid(string path, string what, Exception? inner = null) =>
            new NebulaVideoException(ErrorIds.CatalogFileInvalid, $"The model catalog file '{path}' {what}", path,
                $"Fix the file (the layout is that of Get-NebulaVideoModel's catalog, see about the catalog file in the README), or point {ModelCatalog.UserFileVariable} elsewhere.", inner);
    }
}
