using System.Globalization;
using System.Text.Json;

namespace NebulaVideo.Core.Http
{
    /// <summary>
    /// Tolerant reads of gateway JSON: a field that is missing, null or of an unexpected type is simply
    /// absent. Gateways add fields and change number/string types between models; none of that is fatal.
    /// </summary>
    internal static class Json
    {
        public static readonly JsonDocumentOptions Lenient = new JsonDocumentOptions
        {
            // The sora-2 download example in the gateway's own documentation ends its object with a comma.
            AllowTrailingCommas = true,
            CommentHandling = JsonCommentHandling.Skip,
        };

        public static JsonDocument Parse(string json) => JsonDocument.Parse(json, Lenient);

        public static JsonElement? Child(this JsonElement e, string name) =>
            e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? v : (JsonElement?)null;

        public static JsonElement? Child(this JsonElement? e, string name) => e is { } el ? el.Child(name) : null;

        public static string? Str(this JsonElement? e, string name) => e.Child(name) is { } v ? AsString(v) : null;

        public static string? Str(this JsonElement e, string name) => ((JsonElement?)e).Str(name);

        public static long? Long(this JsonElement? e, string name)
        {
            if (e.Child(name) is not { } v) return null;
            if (v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n)) return n;
            if (v.ValueKind == JsonValueKind.String && long.TryParse(v.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out n)) return n;
            return null;
        }

        public static long? Long(this JsonElement e, string name) => ((JsonElement?)e).Long(name);

        public static decimal? Decimal(this JsonElement? e, string name)
        {
            if (e.Child(name) is not { } v) return null;
            if (v.ValueKind == JsonValueKind.Number && v.TryGetDecimal(out var d)) return d;
            if (v.ValueKind == JsonValueKind.String && decimal.TryParse(v.GetString(), NumberStyles.Number, CultureInfo.InvariantCulture, out d)) return d;
            return null;
        }

        public static bool? Bool(this JsonElement? e, string name) => e.Child(name) is { } v && (v.ValueKind == JsonValueKind.True || v.ValueKind == JsonValueKind.False) ? v.GetBoolean() : (bool?)null;

        private static string? AsString(JsonElement v) => v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Number => v.GetRawText(),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            _ => null,
        };
    }
}
