using System;
using System.Collections.Generic;
using System.Globalization;

namespace NebulaVideo.Core.Storage
{
    /// <summary>
    /// What a shared access signature says about itself (its fields sp, se, sr, ss...), read without the Azure SDK
    /// and without ever repeating the token: none of its text goes into a message.
    /// </summary>
    internal sealed class SasToken
    {
        private readonly Dictionary<string, string> _fields;

        private SasToken(string query, Dictionary<string, string> fields)
        {
            Query = query;
            _fields = fields;
        }

        /// <summary>The token as a query without its leading '?', ready to follow an address.</summary>
        public string Query { get; }

        /// <summary>The permissions it grants ("r", "cw"...), letters in the service's order; null when it names none.</summary>
        public string? Permissions => Field("sp");

        /// <summary>When it stops working (se); null when it names no expiry (a stored access policy decides).</summary>
        public DateTimeOffset? ExpiresOn { get; private set; }

        /// <summary>An account SAS (ss/srt): it reaches past one container.</summary>
        public bool IsAccountSas => Field("ss") is not null || Field("srt") is not null;

        public string? Field(string name) => _fields.TryGetValue(name, out var value) ? value : null;

        /// <summary>
        /// Reads a token as the portal and the az CLI give it ("sp=r&amp;se=...&amp;sig=...", with or without a leading '?').
        /// Null when it is not one: no signature, a field without a value, an unreadable expiry.
        /// </summary>
        public static SasToken? TryParse(string? token)
        {
            var query = (token ?? string.Empty).Trim().TrimStart('?');
            if (query.Length == 0) return null;
            var fields = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var pair in query.Split('&'))
            {
                if (pair.Length == 0) continue;
                var equals = pair.IndexOf('=');
                if (equals <= 0) return null;
                fields[pair.Substring(0, equals)] = Uri.UnescapeDataString(pair.Substring(equals + 1));
            }
            if (!fields.TryGetValue("sig", out var sig) || sig.Length == 0) return null;

            var parsed = new SasToken(query, fields);
            if (fields.TryGetValue("se", out var se))
            {
                if (!DateTimeOffset.TryParse(se, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var expiry))
                    return null;
                parsed.ExpiresOn = expiry;
            }
            return parsed;
        }
    }
}
