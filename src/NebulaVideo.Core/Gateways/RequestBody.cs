using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using NebulaVideo.Core.Catalog;

namespace NebulaVideo.Core.Gateways
{
    /// <summary>Writes a submission's JSON body: the dialect's own fields, then the user's extra fields (-Parameter).</summary>
    internal static class RequestBody
    {
        public static byte[] Build(VideoRequest request, Action<Utf8JsonWriter> writeFields)
        {
            using var buffer = new MemoryStream();
            using (var w = new Utf8JsonWriter(buffer))
            {
                w.WriteStartObject();
                writeFields(w);
                foreach (var pair in request.ExtraFields.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    w.WritePropertyName(pair.Key);
                    WriteValue(w, pair.Value);
                }
                w.WriteEndObject();
            }
            return buffer.ToArray();
        }

        public static void WriteIfSet(this Utf8JsonWriter w, string name, string? value)
        {
            if (value is not null) w.WriteString(name, value);
        }

        /// <summary>The extra fields that would overwrite one the module sets, each with the parameter to use instead.</summary>
        public static void RejectManaged(VideoRequest request, ModelInfo model, IReadOnlyCollection<string> managed)
        {
            foreach (var key in request.ExtraFields.Keys)
                if (managed.Contains(key, StringComparer.OrdinalIgnoreCase))
                    throw new NebulaVideoException(ErrorIds.ParameterConflict,
                        $"-Parameter sets '{key}', a field NebulaVideo itself sets for {model.Name}.", key,
                        "Use the cmdlet's own parameter for it (Get-Help New-NebulaVideo -Parameter *), and -Parameter only for fields it does not set.");
        }

        // Plain .NET values only: the cmdlet layer unwraps PowerShell's objects before they reach Core.
        private static void WriteValue(Utf8JsonWriter w, object? value)
        {
            switch (value)
            {
                case null: w.WriteNullValue(); break;
                case string s: w.WriteStringValue(s); break;
                case bool b: w.WriteBooleanValue(b); break;
                case byte or sbyte or short or ushort or int or uint or long:
                    w.WriteNumberValue(Convert.ToInt64(value, CultureInfo.InvariantCulture)); break;
                case ulong u: w.WriteNumberValue(u); break;
                case float or double: w.WriteNumberValue(Convert.ToDouble(value, CultureInfo.InvariantCulture)); break;
                case decimal d: w.WriteNumberValue(d); break;
                case IDictionary map:
                    w.WriteStartObject();
                    foreach (DictionaryEntry entry in map)
                    {
                        w.WritePropertyName(Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? string.Empty);
                        WriteValue(w, entry.Value);
                    }
                    w.WriteEndObject();
                    break;
                case IEnumerable list:
                    w.WriteStartArray();
                    foreach (var item in list) WriteValue(w, item);
                    w.WriteEndArray();
                    break;
                default: w.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture)); break;
            }
        }
    }
}
