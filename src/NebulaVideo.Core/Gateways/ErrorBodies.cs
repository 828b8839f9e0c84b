using System;

namespace NebulaVideo.Core.Gateways
{
    /// <summary>What every dialect's error parsing shares.</summary>
    internal static class ErrorBodies
    {
        public static bool IsNumber(string s) => long.TryParse(s, out _);

        /// <summary>A body that is not the dialect's JSON, shown as it is (shortened).</summary>
        public static string RawMessage(string body)
        {
            if (string.IsNullOrWhiteSpace(body)) return "(no details)";
            var text = body.Trim();
            return text.Length <= 300 ? text : text.Substring(0, 300) + "...";
        }
    }
}
