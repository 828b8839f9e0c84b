using System;
using System.Collections.Generic;

namespace NebulaVideo.Core
{
    /// <summary>
    /// Which known name a misspelt one probably meant ("Resoluton" for Resolution): a silently ignored field or
    /// column would be paid for at a default, so the module names the likely mistake instead.
    /// </summary>
    public static class NearestName
    {
        /// <summary>
        /// The known name within typing distance of <paramref name="name"/> (ignoring case): one edit for short
        /// names, two for names of seven letters or more; null when none is that close, or when they are equal.
        /// </summary>
        public static string? Closest(string name, IEnumerable<string> known)
        {
            string? best = null;
            var bestDistance = int.MaxValue;
            foreach (var candidate in known)
            {
                var distance = Distance(name, candidate);
                if (distance == 0) return null;
                if (distance < bestDistance)
                {
                    best = candidate;
                    bestDistance = distance;
                }
            }
            var allowed = Math.Max(name.Length, best?.Length ?? 0) >= 7 ? 2 : 1;
            return name.Length >= 4 && bestDistance <= allowed ? best : null;
        }

        /// <summary>Edits (insert, delete, replace, swap two neighbours) from one name to the other, ignoring case.</summary>
        public static int Distance(string a, string b)
        {
            a = a.ToLowerInvariant();
            b = b.ToLowerInvariant();
            var d = new int[a.Length + 1, b.Length + 1];
            for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
            for (var j = 0; j <= b.Length; j++) d[0, j] = j;
            for (var i = 1; i <= a.Length; i++)
                for (var j = 1; j <= b.Length; j++)
                {
                    var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                    d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                    if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                        d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            return d[a.Length, b.Length];
        }
    }
}
