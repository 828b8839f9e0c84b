using System;
using System.Collections.Generic;
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
    /// limit), an entry with a new name adds a model (it needs at least "name" and "dialect").
    /// </summary>
    internal static class CatalogFile
    {
        private const string UnknownPrice = "unknown";
        private const string AllFormats = "*";

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
                var name = entry.Text("name") ?? throw Invalid(source, "has a model entry without a \"name\".");
                var index = models.FindIndex(m => string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase));
                try
                {
                    var model = index >= 0 ? Merge(models[index], entry, source) : ReadModel(entry, source);
                    if (index >= 0) models[index] = model;
                    else models.Add(model);
                }
                catch (Exception ex) when (ex is InvalidOperationException || ex is FormatException || ex is KeyNotFoundException || ex is ArgumentException)
                {
                    throw Invalid(source, $"has an entry for '{name}' that cannot be used: {ex.Message}.", ex);
                }
            }
            return new ModelCatalog(models, source);
        }

        private static List<Entry> ReadEntries(Stream json, string source)
        {
            try
            {
                using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
                if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("models", out var models) || models.ValueKind != JsonValueKind.Array)
                    throw Invalid(source, "has no \"models\" array.");
                var entries = new List<Entry>();
                foreach (var m in models.EnumerateArray())
                {
                    if (m.ValueKind != JsonValueKind.Object) throw Invalid(source, "has an entry in \"models\" that is not an object.");
                    entries.Add(new Entry(m.Clone()));
                }
                return entries;
            }
            catch (JsonException ex)
            {
                throw Invalid(source, $"is not valid JSON: {ex.Message}", ex);
            }
        }

        private static ModelInfo ReadModel(Entry m, string source)
        {
            var dialect = m.Text("dialect") ?? throw new InvalidOperationException("a new model needs a \"dialect\"");
            if (Dialects.Find(dialect) is null)
                throw new InvalidOperationException($"the dialect '{dialect}' is not one of {string.Join(", ", Dialects.All.Select(d => d.Name))}");
            return Merge(new ModelInfo { Name = m.Text("name")!, Dialect = Dialects.Find(dialect)!.Name, Source = source }, m, source);
        }

        /// <summary>A model with every field the entry gives replaced; the rest as they were.</summary>
        private static ModelInfo Merge(ModelInfo model, Entry m, string source)
        {
            var merged = model with
            {
                Description = m.Text("description") ?? model.Description,
                Layout = m.Has("layout") ? m.Text("layout") : model.Layout,
                Image = m.Has("image") ? (ImageRequirement)Enum.Parse(typeof(ImageRequirement), m.Text("image")!, ignoreCase: true) : model.Image,
                ImageFormats = m.Strings("imageFormats") ?? model.ImageFormats,
                MaxImageBytes = m.Has("maxImageBytes") ? m.Long("maxImageBytes") : model.MaxImageBytes,
                ImageMinPixels = m.Has("imageMinPixels") ? m.Int("imageMinPixels") : model.ImageMinPixels,
                ImageMaxPixels = m.Has("imageMaxPixels") ? m.Int("imageMaxPixels") : model.ImageMaxPixels,
                ImageMatchesSize = m.Has("imageMatchesSize") ? m["imageMatchesSize"].GetBoolean() : model.ImageMatchesSize,
                PromptMaxLength = m.Has("promptMaxLength") ? m.Int("promptMaxLength") : model.PromptMaxLength,
                Durations = m.Integers("durations") ?? model.Durations,
                DefaultDuration = m.Has("defaultDuration") ? m.Int("defaultDuration") : model.DefaultDuration,
                Resolutions = m.Strings("resolutions") ?? model.Resolutions,
                DefaultResolution = m.Has("defaultResolution") ? m.Text("defaultResolution") : model.DefaultResolution,
                Sizes = m.Strings("sizes") ?? model.Sizes,
                DefaultSize = m.Has("defaultSize") ? m.Text("defaultSize") : model.DefaultSize,
                Options = m.Strings("options") ?? model.Options,
                RemixIdPrefix = m.Has("remixIdPrefix") ? m.Text("remixIdPrefix") : model.RemixIdPrefix,
                Retires = m.Has("retires") ? (m.Text("retires") is string day ? DateTime.ParseExact(day, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal) : (DateTime?)null) : model.Retires,
                Replacement = m.Has("replacement") ? m.Text("replacement") : model.Replacement,
                Source = source,
            };
            // Last: a price table by resolution is read against the resolutions and sizes the entry leaves.
            if (m.Has("pricePerSecondUsd")) merged = merged with { PricePerSecondUsd = Prices(model.PricePerSecondUsd, m["pricePerSecondUsd"], merged) };
            return Checked(merged);
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
            AboveZero("maxImageBytes", model.MaxImageBytes);
            AboveZero("imageMinPixels", model.ImageMinPixels);
            AboveZero("imageMaxPixels", model.ImageMaxPixels);
            AboveZero("promptMaxLength", model.PromptMaxLength);
            if (model.ImageMinPixels > model.ImageMaxPixels)
                throw new InvalidOperationException($"its imageMinPixels {model.ImageMinPixels} is above its imageMaxPixels {model.ImageMaxPixels}, so no image could pass; give \"imageMinPixels\" at most \"imageMaxPixels\"");
            if (model.DefaultResolution is string resolution && model.Resolutions.Count > 0)
                model = model with { DefaultResolution = Listed(resolution, model.Resolutions, "defaultResolution", "resolutions") };
            if (model.DefaultSize is string size && model.Sizes.Count > 0)
                model = model with { DefaultSize = Listed(size, model.Sizes, "defaultSize", "sizes") };
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
            if (e.ValueKind == JsonValueKind.Number) return Flat(Price(e, AllFormats));
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
            if (e.TryGetProperty(AllFormats, out var star))
            {
                if (given.Count > 1)
                    throw new InvalidOperationException($"\"pricePerSecondUsd\" gives \"*\" (one price for every resolution) together with '{(given[0] == AllFormats ? given[1] : given[0])}'; give either \"*\" alone or a price for each resolution");
                return IsUnknown(star) ? null : Flat(Price(star, AllFormats));
            }

            var prices = new Dictionary<string, decimal>(StringComparer.OrdinalIgnoreCase);
            if (existing is not null)
                foreach (var pair in existing)
                {
                    if (pair.Key != AllFormats || (model.Resolutions.Count == 0 && model.Sizes.Count == 0)) prices[pair.Key] = pair.Value;
                    else
                    {
                        foreach (var format in model.Resolutions) prices[format] = pair.Value;
                        foreach (var format in model.Sizes) prices[format] = pair.Value;
                    }
                }
            foreach (var p in e.EnumerateObject())
            {
                if (IsUnknown(p.Value)) prices.Remove(p.Name);
                else prices[p.Name] = Price(p.Value, p.Name);
            }
            return prices.Count == 0 ? null : prices;
        }

        private static bool IsUnknown(JsonElement e) =>
            e.ValueKind == JsonValueKind.Null || (e.ValueKind == JsonValueKind.String && string.Equals(e.GetString(), UnknownPrice, StringComparison.OrdinalIgnoreCase));

        private static Dictionary<string, decimal> Flat(decimal price) =>
            new Dictionary<string, decimal>(StringComparer.OrdinalIgnoreCase) { [AllFormats] = price };

        private static decimal Price(JsonElement e, string key)
        {
            if (e.ValueKind != JsonValueKind.Number || !e.TryGetDecimal(out var price))
                throw new InvalidOperationException($"\"pricePerSecondUsd\" gives '{key}' the price {Shown(e)}; a price is USD per second as a number, or \"unknown\"");
            if (price < 0)
                throw new InvalidOperationException($"\"pricePerSecondUsd\" gives '{key}' the price {Shown(e)} USD per second, and a price cannot be negative (0 is free; \"unknown\" where no price is published)");
            return price;
        }

        /// <summary>A JSON value as the user wrote it, cut short, for a message.</summary>
        private static string Shown(JsonElement e)
        {
            var text = e.GetRawText();
            return text.Length <= 40 ? text : text.Substring(0, 37) + "...";
        }

        /// <summary>
        /// One entry of a catalog document, its field names matched ignoring case. Plain loops over the
        /// element instead of a dictionary and LINQ over JsonElement: each generic instantiation over that
        /// struct is compiled on first use, and the catalog is read by the first command of every session.
        /// </summary>
        private sealed class Entry
        {
            private readonly JsonElement _element;

            public Entry(JsonElement element) => _element = element;

            public bool Has(string name) => TryGet(name, out _);

            public JsonElement this[string name] => TryGet(name, out var value) ? value : throw new KeyNotFoundException($"no \"{name}\"");

            public string? Text(string name) => TryGet(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

            /// <summary>The field's whole number; null when it is null (no limit).</summary>
            public long? Long(string name)
            {
                var value = this[name];
                if (value.ValueKind == JsonValueKind.Null) return null;
                if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var number))
                    throw new InvalidOperationException($"\"{name}\" is {Shown(value)}; give a whole number, or null for none");
                return number;
            }

            public int? Int(string name)
            {
                var number = Long(name);
                if (number > int.MaxValue || number < int.MinValue)
                    throw new InvalidOperationException($"\"{name}\" {number} is too large; give at most {int.MaxValue}");
                return (int?)number;
            }

            /// <summary>The field's array of strings; null when the entry does not give the field.</summary>
            public string[]? Strings(string name)
            {
                if (!TryGet(name, out var array)) return null;
                var values = new string[array.GetArrayLength()];
                var i = 0;
                foreach (var v in array.EnumerateArray()) values[i++] = v.GetString()!;
                return values;
            }

            public int[]? Integers(string name)
            {
                if (!TryGet(name, out var array)) return null;
                var values = new int[array.GetArrayLength()];
                var i = 0;
                foreach (var v in array.EnumerateArray()) values[i++] = v.GetInt32();
                return values;
            }

            private bool TryGet(string name, out JsonElement value)
            {
                foreach (var property in _element.EnumerateObject())
                {
                    if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
                    {
                        value = property.Value;
                        return true;
                    }
                }
                value = default;
                return false;
            }
        }

        private static NebulaVideoException Invalid(string path, string what, Exception? inner = null) =>
            new NebulaVideoException(ErrorIds.CatalogFileInvalid, $"The model catalog file '{path}' {what}", path,
                $"Fix the file (the layout is that of Get-NebulaVideoModel's catalog, see about the catalog file in the README), or point {ModelCatalog.UserFileVariable} elsewhere.", inner);
    }
}
