using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using NebulaVideo.Core;

namespace NebulaVideo
{
    /// <summary>Turns -Parameter @{...} into plain .NET values for Core (which knows no PowerShell types).</summary>
    internal static class ExtraFields
    {
        public static IReadOnlyDictionary<string, object?> From(Hashtable? table)
        {
            var fields = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
            if (table is null) return fields;
            foreach (DictionaryEntry entry in table)
            {
                var name = Plain(entry.Key)?.ToString();
                if (string.IsNullOrWhiteSpace(name))
                    throw new NebulaVideoException(ErrorIds.ParameterConflict, "-Parameter has an empty field name.", table,
                        "Name every field: -Parameter @{ field = value }.");
                fields[name!] = Plain(entry.Value);
            }
            return fields;
        }

        // @{ a = @(1, 2); b = @{ c = $true } } arrives as PSObjects around arrays and hashtables: unwrap them all.
        private static object? Plain(object? value)
        {
            switch (value is PSObject pso ? pso.BaseObject : value)
            {
                case null: return null;
                case string s: return s;
                case IDictionary map:
                    var copy = new Hashtable();
                    foreach (DictionaryEntry entry in map) copy[Plain(entry.Key)?.ToString() ?? string.Empty] = Plain(entry.Value);
                    return copy;
                case IEnumerable list: return list.Cast<object?>().Select(Plain).ToList();
                case var other: return other;
            }
        }
    }
}
