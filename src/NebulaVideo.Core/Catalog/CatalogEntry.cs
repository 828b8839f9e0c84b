using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Text.Json;

namespace NebulaVideo.Core.Catalog
{
    /// <summary>
    /// The fields of a model entry: the one list of them. A field not listed here is refused (it would
    /// otherwise be ignored, and a price or limit the user meant to set would silently stay as it was), the
    /// suggestion for a misspelled one comes from here, and every read of an entry names one of these.
    /// </summary>
    internal static class CatalogFields
    {
        public const string Name = "name";
        public const string Dialect = "dialect";
        public const string Description = "description";
        public const string Layout = "layout";
        public const string Image = "image";
        public const string ImageFormats = "imageFormats";
        public const string MaxImageBytes = "maxImageBytes";
        public const string ImageMinPixels = "imageMinPixels";
        public const string ImageMaxPixels = "imageMaxPixels";
        public const string ImageMatchesSize = "imageMatchesSize";
        public const string ImageTransparency = "imageTransparency";
        public const string PromptMaxLength = "promptMaxLength";
        public const string Durations = "durations";
        public const string DefaultDuration = "defaultDuration";
        public const string Resolutions = "resolutions";
        public const string DefaultResolution = "defaultResolution";
        public const string Sizes = "sizes";
        public const string DefaultSize = "defaultSize";
        public const string PricePerSecondUsd = "pricePerSecondUsd";
        public const string Options = "options";
        public const string RemixIdPrefix = "remixIdPrefix";
        public const string Retires = "retires";
        public const string LifecycleNote = "lifecycleNote";
        public const string Replacement = "replacement";

        public static readonly string[] All =
        {
            Name, Dialect, Description, Layout, Image, ImageFormats, MaxImageBytes, ImageMinPixels, ImageMaxPixels,
            ImageMatchesSize, ImageTransparency, PromptMaxLength, Durations, DefaultDuration, Resolutions, DefaultResolution, Sizes,
            DefaultSize, PricePerSecondUsd, Options, RemixIdPrefix, Retires, LifecycleNote, Replacement,
        };
    }

    /// <summary>
    /// One entry of a catalog document, its field names matched ignoring case. Plain loops over the
    /// element instead of a dictionary and LINQ over JsonElement: each generic instantiation over that
    /// struct is compiled on first use, and the catalog is read by the first command of every session.
    /// </summary>
    internal sealed class CatalogEntry
    {
        private readonly JsonElement _element;

        public CatalogEntry(JsonElement element) => _element = element;

        /// <summary>The model's name; null when the entry gives none, or not as a string.</summary>
        public string? Name =>
            TryGet(CatalogFields.Name, out var v) && v.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(v.GetString()) ? v.GetString() : null;

        /// <summary>Refuses a field the catalog does not know, and a field given twice (names ignore case, so "durations" and "Durations" are one field).</summary>
        public void CheckFields()
        {
            var seen = new string?[CatalogFields.All.Length];
            foreach (var property in _element.EnumerateObject())
            {
                var index = IndexOf(property.Name);
                if (index < 0)
                    throw new InvalidOperationException(CatalogFile.UnknownField(property.Name, CatalogFields.All));
                if (seen[index] is string first)
                    throw new InvalidOperationException(first == property.Name
                        ? $"it gives \"{first}\" twice; only one would count, so give it once"
                        : $"it gives \"{first}\" twice, as \"{first}\" and \"{property.Name}\" (names ignore letter case); only one would count, so give it once");
                seen[index] = property.Name;
            }
        }

        private static int IndexOf(string name)
        {
            for (var i = 0; i < CatalogFields.All.Length; i++)
                if (string.Equals(CatalogFields.All[i], name, StringComparison.OrdinalIgnoreCase)) return i;
            return -1;
        }

        public bool Has(string name) => TryGet(name, out _);

        public JsonElement this[string name] => TryGet(name, out var value) ? value : throw new KeyNotFoundException($"no \"{name}\"");

        /// <summary>The field's string; null when the entry does not give the field, or gives null.</summary>
        public string? Text(string name)
        {
            if (!TryGet(name, out var value) || value.ValueKind == JsonValueKind.Null) return null;
            if (value.ValueKind != JsonValueKind.String) throw Wrong(name, value, "a string, or null for none");
            return value.GetString();
        }

        /// <summary>
        /// The field's text, which must say something: null when the entry gives null (none). An empty or
        /// blank string is refused, as it would read as a value while saying nothing (a replacement named "").
        /// </summary>
        public string? Words(string name, string expected)
        {
            var text = Text(name);
            if (text is not null && text.Trim().Length == 0) throw Wrong(name, this[name], $"{expected}, or null for none");
            return text;
        }

        public bool Bool(string name)
        {
            var value = this[name];
            if (value.ValueKind == JsonValueKind.True) return true;
            if (value.ValueKind == JsonValueKind.False) return false;
            throw Wrong(name, value, "true or false");
        }

        /// <summary>The field's whole number; null when it is null (no limit).</summary>
        public long? Long(string name)
        {
            var value = this[name];
            if (value.ValueKind == JsonValueKind.Null) return null;
            if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var number))
                throw Wrong(name, value, "a whole number, or null for none");
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
            if (array.ValueKind != JsonValueKind.Array) throw Wrong(name, array, "an array of strings, like [ \"a\", \"b\" ]");
            var values = new string[array.GetArrayLength()];
            var i = 0;
            foreach (var v in array.EnumerateArray())
            {
                if (v.ValueKind != JsonValueKind.String) throw Wrong(name, v, "an array of strings, like [ \"a\", \"b\" ]", inArray: true);
                values[i++] = v.GetString()!;
            }
            return values;
        }

        public int[]? Integers(string name)
        {
            if (!TryGet(name, out var array)) return null;
            if (array.ValueKind != JsonValueKind.Array) throw Wrong(name, array, "an array of whole numbers, like [ 5, 10 ]");
            var values = new int[array.GetArrayLength()];
            var i = 0;
            foreach (var v in array.EnumerateArray())
            {
                if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out var number))
                    throw Wrong(name, v, "an array of whole numbers, like [ 5, 10 ]", inArray: true);
                values[i++] = number;
            }
            return values;
        }

        private static InvalidOperationException Wrong(string name, JsonElement value, string expected, bool inArray = false) =>
            new InvalidOperationException($"\"{name}\" {(inArray ? "has" : "is")} {CatalogFile.Shown(value)}; give {expected}");

        public bool TryGet(string name, out JsonElement value)
        {
            Debug.Assert(IndexOf(name) >= 0, $"\"{name}\" is read from a catalog entry but is not in CatalogFile.CatalogFields.All.");
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
}
