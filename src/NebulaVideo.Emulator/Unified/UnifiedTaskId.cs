using System;
using System.Security.Cryptography;

namespace NebulaVideo.Emulator.Unified;

/// <summary>The unified gateway's task ids, as the documents show them: task-unified-&lt;epoch seconds&gt;-&lt;8 chars&gt;.</summary>
internal static class UnifiedTaskId
{
    public const string Prefix = "task-unified-";
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";

    public static string New(DateTimeOffset createdAt) =>
        $"{Prefix}{createdAt.ToUnixTimeSeconds()}-{RandomNumberGenerator.GetString(Alphabet, 8)}";

    /// <summary>Only the prefix is checked, as the gateway does: anything else well-formed is a lookup (404 if unknown).</summary>
    public static bool IsWellFormed(string id) => id.StartsWith(Prefix, StringComparison.Ordinal);
}
