using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using NebulaVideo.Core.Gateways;

namespace NebulaVideo.Core.Catalog
{
    /// <summary>
    /// Reads catalog documents ({"models":[...]}, the layout of the embedded models.json). A user file uses
    /// the same layout: an entry with a known model's name changes only the fields it gives (a price, a
    /// limit), an entry with a new name adds a model (it needs at least "name" and "dialect"). Whatever the
    /// catalog would otherwise ignore or take wrongly (a misspelled field, a field given twice, a price for no
    /// resolution of the model, a negative price, a limit no request can meet) makes the whole document
    /// invalid: a price or limit silently left as it was costs money.
    /// </summary>
    internal static class CatalogFile
    {
        private const string UnknownPrice = "unknown";
        private const string AllResolutions = "*";
        private const string BuiltInSource = "built-in";

        /// <summary>The one field of a catalog document.</summary>
        private const string ModelsField = "models";


        public static ModelCatalog LoadBuiltIn()
        {
            using var stream = typeof(CatalogFile).Assembly.GetManifestResourceStream("NebulaVideo.Core.models.json")
                ?? throw new InvalidOperationException("The built-in model catalog is missing from the assembly.");
            return new ModelCatalog(Merged(new List<ModelInfo>(), stream, BuiltInSource));
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
        public static ModelCatalog Apply(ModelCatalog builtIn, Stream json, string source) =>
            new ModelCatalog(Merged(builtIn.Models.ToList(), json, source), source);

        /// <summary>The models with each entry of the document merged in: over the model of its name, else as a new model.</summary>
        private static List<ModelInfo> Merged(List<ModelInfo> models, Stream json, string source)
        {
            foreach (var entry in ReadEntries(json, source))
            {
                var name = entry.Name;
                try
                {
                    entry.CheckFields();
                    if (name is null)
                        throw new InvalidOperationException(entry.Has(CatalogFields.Name)
                            ? $"its \"name\" is {Shown(entry[CatalogFields.Name])}; give the model's name as the gateway knows it, as a string"
                            : "it has no \"name\"");
                    var index = models.FindIndex(m => string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase));
                    if (index >= 0) models[index] = Merge(models[index], entry, source);
                    else models.Add(ReadModel(entry, source));
                }
                catch (Exception ex) when (ex is InvalidOperationException || ex is FormatException || ex is KeyNotFoundException || ex is ArgumentException)
                {
                    throw Invalid(source, $"has {(name is null ? "a model entry" : $"an entry for '{name}'")} that cannot be used: {ex.Message}.", ex);
                }
            }
            return models;
        }

        private static List<CatalogEntry> ReadEntries(Stream json, string source)
        {
            try
            {
                using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
                if (doc.RootElement.ValueKind != JsonValueKind.Object) throw Invalid(source, "has no \"models\" array.");
                JsonElement? models = null;
                foreach (var property in doc.RootElement.EnumerateObject())
                {
                    if (!string.Equals(property.Name, ModelsField, StringComparison.OrdinalIgnoreCase))
                        throw Invalid(source, $"cannot be used: {UnknownField(property.Name, new[] { ModelsField })}; a catalog document has only \"models\".");
                    if (models is not null) throw Invalid(source, "cannot be used: it gives \"models\" twice; only one would count, so give one array.");
                    models = property.Value;
                }
                if (models is not { ValueKind: JsonValueKind.Array } array) throw Invalid(source, "has no \"models\" array.");
                var entries = new List<CatalogEntry>();
                foreach (var m in array.EnumerateArray())
                {
                    if (m.ValueKind != JsonValueKind.Object) throw Invalid(source, "has an entry in \"models\" that is not an object.");
                    entries.Add(new CatalogEntry(m.Clone()));
                }
                return entries;
            }
            catch (JsonException ex)
            {
                throw Invalid(source, $"is not valid JSON: {ex.Message}", ex);
            }
        }

        /// <summary>"is not a catalog field", with the known field closest to it when one is close, else the list of fields.</summary>
        internal static string UnknownField(string given, string[] known) =>
            $"\"{given}\" is not a catalog field" + (Closest(given, known) is string closest ? $" (did you mean \"{closest}\"?)"
                : known.Length > 1 ? $" (the fields are {string.Join(", ", known)})" : string.Empty);

        /// <summary>The candidate a misspelling most likely meant: a few letters apart (about one in three), or starting with it; null when none is close.</summary>
        private static string? Closest(string given, IReadOnlyList<string> candidates)
        {
            string? closest = null;
            var best = int.MaxValue;
            foreach (var candidate in candidates)
            {
                var distance = candidate.StartsWith(given, StringComparison.OrdinalIgnoreCase) && given.Length >= 3 ? 1 : NearestName.Distance(given, candidate);
                if (distance < best) (best, closest) = (distance, candidate);
            }
            return best <= Math.Max(2, given.Length / 3) ? closest : null;
        }

        private static ModelInfo ReadModel(CatalogEntry m, string source)
        {
            if (!m.Has(CatalogFields.Dialect))
                throw new InvalidOperationException($"a new model needs a \"dialect\" ({DialectNames}), the gateway that serves it");
            return Merge(new ModelInfo { Name = m.Name!, Dialect = DialectOf(m), Source = source }, m, source);
        }

        private static string DialectNames => string.Join(" or ", Dialects.All.Select(d => d.Name));

        private static string DialectOf(CatalogEntry m)
        {
            var value = m[CatalogFields.Dialect];
            return (value.ValueKind == JsonValueKind.String ? Dialects.Find(value.GetString()!)?.Name : null)
                ?? throw new InvalidOperationException($"its \"dialect\" {Shown(m[CatalogFields.Dialect])} is not a gateway dialect: give {DialectNames}");
        }

        /// <summary>A model with every field the entry gives replaced; the rest as they were.</summary>
        private static ModelInfo Merge(ModelInfo model, CatalogEntry m, string source)
        {
            // A model's name belongs to its gateway: an entry that names another dialect would otherwise be ignored.
            if (m.Has(CatalogFields.Dialect) && DialectOf(m) is var dialect && dialect != model.Dialect)
                throw new InvalidOperationException($"its \"dialect\" {dialect} is not {model.Dialect}, the gateway that serves it; an entry cannot move a model to another gateway (add the model there as a new entry, under the name that gateway knows it by)");
            var merged = model with
            {
                Description = m.Text(CatalogFields.Description) ?? model.Description,
                Layout = m.Has(CatalogFields.Layout) ? m.Text(CatalogFields.Layout) : model.Layout,
                Image = m.Has(CatalogFields.Image) ? ImageOf(m) : model.Image,
                ImageFormats = m.Strings(CatalogFields.ImageFormats) ?? model.ImageFormats,
                MaxImageBytes = m.Has(CatalogFields.MaxImageBytes) ? m.Long(CatalogFields.MaxImageBytes) : model.MaxImageBytes,
                ImageMinPixels = m.Has(CatalogFields.ImageMinPixels) ? m.Int(CatalogFields.ImageMinPixels) : model.ImageMinPixels,
                ImageMaxPixels = m.Has(CatalogFields.ImageMaxPixels) ? m.Int(CatalogFields.ImageMaxPixels) : model.ImageMaxPixels,
                ImageMatchesSize = m.Has(CatalogFields.ImageMatchesSize) ? m.Bool(CatalogFields.ImageMatchesSize) : model.ImageMatchesSize,
                ImageTransparency = m.Has(CatalogFields.ImageTransparency) ? m.Bool(CatalogFields.ImageTransparency) : model.ImageTransparency,
                PromptMaxLength = m.Has(CatalogFields.PromptMaxLength) ? m.Int(CatalogFields.PromptMaxLength) : model.PromptMaxLength,
                Durations = m.Integers(CatalogFields.Durations) ?? model.Durations,
                DefaultDuration = m.Has(CatalogFields.DefaultDuration) ? m.Int(CatalogFields.DefaultDuration) : model.DefaultDuration,
                Resolutions = m.Strings(CatalogFields.Resolutions) ?? model.Resolutions,
                DefaultResolution = m.Has(CatalogFields.DefaultResolution) ? m.Text(CatalogFields.DefaultResolution) : model.DefaultResolution,
                Sizes = m.Strings(CatalogFields.Sizes) ?? model.Sizes,
                DefaultSize = m.Has(CatalogFields.DefaultSize) ? m.Text(CatalogFields.DefaultSize) : model.DefaultSize,
                Options = m.Strings(CatalogFields.Options) ?? model.Options,
                RemixIdPrefix = m.Has(CatalogFields.RemixIdPrefix) ? m.Text(CatalogFields.RemixIdPrefix) : model.RemixIdPrefix,
                Retires = m.Has(CatalogFields.Retires) ? RetiresOf(m) : model.Retires,
                LifecycleNote = m.Has(CatalogFields.LifecycleNote) ? m.Words(CatalogFields.LifecycleNote, "the note as text") : model.LifecycleNote,
                Replacement = m.Has(CatalogFields.Replacement) ? m.Words(CatalogFields.Replacement, "the name of the model to move to") : model.Replacement,
                Source = source,
            };
            // Last: a price table by resolution is read against the resolutions and sizes the entry leaves.
            if (m.Has(CatalogFields.PricePerSecondUsd)) merged = merged with { PricePerSecondUsd = Prices(model.PricePerSecondUsd, m[CatalogFields.PricePerSecondUsd], merged) };
            merged = Checked(merged);
            // A price the entry kept from before it, for a resolution the entry took away (a key the entry gives is checked as it is read).
            if (merged.PricePerSecondUsd is { } prices)
                foreach (var pair in prices)
                    if (pair.Key != AllResolutions && !IsResolution(merged, pair.Key))
                        throw new InvalidOperationException($"its price for '{pair.Key}', kept from before this entry, is not for one of {ResolutionsOf(merged)} nor \"*\"; remove it with \"pricePerSecondUsd\": {{ \"{pair.Key}\": \"unknown\" }}, or keep {pair.Key} among them");
            return merged;
        }

        private static ImageRequirement ImageOf(CatalogEntry m)
        {
            var value = m[CatalogFields.Image];
            var text = value.ValueKind == JsonValueKind.String ? value.GetString() : null;
            foreach (ImageRequirement requirement in Enum.GetValues(typeof(ImageRequirement)))
                if (string.Equals(requirement.ToString(), text, StringComparison.OrdinalIgnoreCase)) return requirement;
            throw new InvalidOperationException($"\"image\" is {Shown(value)}; give None, Optional or Required");
        }

        /// <summary>The day the model retires, as year-month-day; null clears it.</summary>
        private static DateTime? RetiresOf(CatalogEntry m)
        {
            if (m.Text(CatalogFields.Retires) is not string day) return null;
            if (DateTime.TryParseExact(day, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var date))
                return date;
            throw new InvalidOperationException($"\"retires\" is {Shown(m[CatalogFields.Retires])}; give the day as year-month-day, like \"2027-03-31\", or null for none");
        }

        /// <summary>
        /// The merged model, refused where a value would cost money or fail only once a video is asked for:
        /// a duration or limit of 0 or below, image limits no image can meet, a default the model does not offer.
        /// (A negative price is refused where it is read, naming its key.) A default given in other letter case
        /// takes the spelling of the list, which is what the gateway is sent.
        /// </summary>
        private static ModelInfo Checked(ModelInfo model)
        {
            foreach (var seconds in model.Durations)
                if (seconds <= 0)
                    throw new InvalidOperationException($"its durations include {seconds}; a duration is a whole number of seconds above 0");
            if (model.DefaultDuration is int d)
            {
                if (d <= 0) throw new InvalidOperationException($"its defaultDuration {d} is not a number of seconds above 0");
                if (model.Durations.Count > 0 && !model.Durations.Contains(d))
                    throw new InvalidOperationException($"its defaultDuration {d} is not among its durations ({string.Join(", ", model.Durations)}); give a \"defaultDuration\" from them");
            }
            AboveZero(CatalogFields.MaxImageBytes, model.MaxImageBytes);
            AboveZero(CatalogFields.ImageMinPixels, model.ImageMinPixels);
            AboveZero(CatalogFields.ImageMaxPixels, model.ImageMaxPixels);
            AboveZero(CatalogFields.PromptMaxLength, model.PromptMaxLength);
            if (string.Equals(model.Replacement, model.Name, StringComparison.OrdinalIgnoreCase))
                throw new InvalidOperationException($"its replacement '{model.Replacement}' is the model itself; give the model to move to, or null for none");
            if (model.ImageMinPixels > model.ImageMaxPixels)
                throw new InvalidOperationException($"its imageMinPixels {model.ImageMinPixels} is above its imageMaxPixels {model.ImageMaxPixels}, so no image could pass; give \"imageMinPixels\" at most \"imageMaxPixels\"");
            if (model.DefaultResolution is string resolution && model.Resolutions.Count > 0)
                model = model with { DefaultResolution = Listed(resolution, model.Resolutions, CatalogFields.DefaultResolution, CatalogFields.Resolutions) };
            if (model.DefaultSize is string size && model.Sizes.Count > 0)
                model = model with { DefaultSize = Listed(size, model.Sizes, CatalogFields.DefaultSize, CatalogFields.Sizes) };
            return model;
        }

        private static void AboveZero(string field, long? value)
        {
            if (value <= 0)
                throw new InvalidOperationException($"its {field} {value} is not above 0; give the limit, or null for none");
        }

        /// <summary>The value as the list spells it; refused when the list does not have it.</summary>
        private static string Listed(string value, IReadOnlyList<string> list, string field, string listField)
        {
            foreach (var listed in list)
                if (string.Equals(listed, value, StringComparison.OrdinalIgnoreCase)) return listed;
            throw new InvalidOperationException($"its {field} '{value}' is not among its {listField} ({string.Join(", ", list)}); give a \"{field}\" from them");
        }

        /// <summary>
        /// The prices an entry's "pricePerSecondUsd" leaves the model with. "unknown" (or null) where the gateway
        /// publishes no price: estimates then say so instead of showing 0. A number, or an object with only "*",
        /// is one price for every resolution. Any other object changes only the prices it names, over the
        /// model's own (a flat price counts as that price for each of its resolutions and sizes): a number sets
        /// one, "unknown" or null removes one. A table left empty leaves the model unpriced.
        /// </summary>
        private static IReadOnlyDictionary<string, decimal>? Prices(IReadOnlyDictionary<string, decimal>? existing, JsonElement e, ModelInfo model)
        {
            if (IsUnknown(e)) return null;
            if (e.ValueKind == JsonValueKind.Number) return Flat(Price(e, AllResolutions));
            if (e.ValueKind != JsonValueKind.Object)
                throw new InvalidOperationException($"\"pricePerSecondUsd\" is {Shown(e)}; give USD per second as a number (one price for all), an object of prices by resolution like {{ \"720p\": 0.07 }}, or \"unknown\"");

            var given = new List<string>();
            foreach (var p in e.EnumerateObject())
            {
                foreach (var earlier in given)
                    if (string.Equals(earlier, p.Name, StringComparison.OrdinalIgnoreCase))
                        throw new InvalidOperationException($"\"pricePerSecondUsd\" gives the price of '{p.Name}' twice");
                given.Add(p.Name);
            }
            if (e.TryGetProperty(AllResolutions, out var star))
            {
                if (given.Count > 1)
                    throw new InvalidOperationException($"\"pricePerSecondUsd\" gives \"*\" (one price for every resolution) together with '{(given[0] == AllResolutions ? given[1] : given[0])}'; give either \"*\" alone or a price for each resolution");
                return IsUnknown(star) ? null : Flat(Price(star, AllResolutions));
            }

            var prices = new Dictionary<string, decimal>(StringComparer.OrdinalIgnoreCase);
            if (existing is not null)
                foreach (var pair in existing)
                {
                    if (pair.Key != AllResolutions || (model.Resolutions.Count == 0 && model.Sizes.Count == 0)) prices[pair.Key] = pair.Value;
                    else
                    {
                        foreach (var resolution in model.Resolutions) prices[resolution] = pair.Value;
                        foreach (var resolution in model.Sizes) prices[resolution] = pair.Value;
                    }
                }
            foreach (var p in e.EnumerateObject())
            {
                // Removing a price the model has is fine whatever its key (the entry may just have dropped that resolution).
                var removesOne = IsUnknown(p.Value) && prices.ContainsKey(p.Name);
                if (!removesOne && !IsResolution(model, p.Name))
                    throw new InvalidOperationException(model.Resolutions.Count == 0 && model.Sizes.Count == 0
                        ? $"\"pricePerSecondUsd\" prices '{p.Name}', but the model lists no resolutions or sizes; give its \"resolutions\" (or \"sizes\"), or one price for all as \"*\""
                        : $"\"pricePerSecondUsd\" prices '{p.Name}', which is not one of {ResolutionsOf(model)} nor \"*\" (one price for all); correct the key{ClosestResolution(model, p.Name)}");
                if (IsUnknown(p.Value)) prices.Remove(p.Name);
                else prices[p.Name] = Price(p.Value, p.Name);
            }
            return prices.Count == 0 ? null : prices;
        }

        private static bool IsResolution(ModelInfo model, string key)
        {
            foreach (var resolution in model.Resolutions)
                if (string.Equals(resolution, key, StringComparison.OrdinalIgnoreCase)) return true;
            foreach (var resolution in model.Sizes)
                if (string.Equals(resolution, key, StringComparison.OrdinalIgnoreCase)) return true;
            return false;
        }

        private static string ClosestResolution(ModelInfo model, string key)
        {
            var formats = new List<string>(model.Resolutions);
            formats.AddRange(model.Sizes);
            return Closest(key, formats) is string closest ? $" (did you mean '{closest}'?)" : string.Empty;
        }

        /// <summary>"its resolutions (480p, 720p)", "its sizes (...)", or both; for a message.</summary>
        private static string ResolutionsOf(ModelInfo model)
        {
            var resolutions = model.Resolutions.Count == 0 ? null : $"resolutions ({string.Join(", ", model.Resolutions)})";
            var sizes = model.Sizes.Count == 0 ? null : $"sizes ({string.Join(", ", model.Sizes)})";
            return "its " + (resolutions is null ? sizes : sizes is null ? resolutions : resolutions + " and " + sizes);
        }

        private static bool IsUnknown(JsonElement e) =>
            e.ValueKind == JsonValueKind.Null || (e.ValueKind == JsonValueKind.String && string.Equals(e.GetString(), UnknownPrice, StringComparison.OrdinalIgnoreCase));

        private static Dictionary<string, decimal> Flat(decimal price) =>
            new Dictionary<string, decimal>(StringComparer.OrdinalIgnoreCase) { [AllResolutions] = price };

        private static decimal Price(JsonElement e, string key)
        {
            if (e.ValueKind != JsonValueKind.Number || !e.TryGetDecimal(out var price))
                throw new InvalidOperationException($"\"pricePerSecondUsd\" gives '{key}' the price {Shown(e)}; a price is USD per second as a number, or \"unknown\"");
            if (price < 0)
                throw new InvalidOperationException($"\"pricePerSecondUsd\" gives '{key}' the price {Shown(e)} USD per second, and a price cannot be negative (0 is free; \"unknown\" where no price is published)");
            return price;
        }

        /// <summary>A JSON value as the user wrote it, cut short, for a message.</summary>
        internal static string Shown(JsonElement e)
        {
            var text = e.GetRawText();
            return text.Length <= 40 ? text : text.Substring(0, 37) + "...";
        }


        private static NebulaVideoException Invalid(string path, string what, Exception? inner = null) =>
            new NebulaVideoException(ErrorIds.CatalogFileInvalid, $"The model catalog file '{path}' {what}", path,
                $"Fix the file (the layout is that of Get-NebulaVideoModel's catalog, see about the catalog file in the README), or point {ModelCatalog.UserFileVariable} elsewhere.", inner);
    }
}
