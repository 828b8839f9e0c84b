using System;
using System.Diagnostics;
using System.IO;
using System.Linq;

namespace NebulaVideo.Tests
{
    /// <summary>
    /// A real pwsh process, for the tests that need more than one process (a kill -9, two runs on one journal).
    /// NEBULAVIDEO_PWSH when set, else the PowerShell the repository pins in its tool manifest (restored by
    /// `dotnet tool restore`), else pwsh on PATH: nothing but the .NET SDK has to be installed.
    /// </summary>
    internal static class Pwsh
    {
        private static readonly Lazy<(string FileName, string[] Prefix)> Command = new(Find);

        /// <summary>A start info for pwsh with <paramref name="arguments"/>, output and errors redirected.</summary>
        public static ProcessStartInfo StartInfo(params string[] arguments)
        {
            var (fileName, prefix) = Command.Value;
            var info = new ProcessStartInfo(fileName)
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (var argument in prefix.Concat(arguments)) info.ArgumentList.Add(argument);
            return info;
        }

        private static (string, string[]) Find()
        {
            var named = Environment.GetEnvironmentVariable("NEBULAVIDEO_PWSH");
            if (!string.IsNullOrEmpty(named)) return (named, Array.Empty<string>());
            if (Tooling.PinnedPwsh.Find(EngineFixture.FindRepoRoot()) is { } pinned) return pinned;
            var onPath = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator)
                .Select(dir => Path.Combine(dir, OperatingSystem.IsWindows() ? "pwsh.exe" : "pwsh"))
                .FirstOrDefault(File.Exists);
            return onPath is not null ? (onPath, Array.Empty<string>())
                : throw new InvalidOperationException("No pwsh: run `dotnet tool restore` in the repository (it pins PowerShell), or set NEBULAVIDEO_PWSH.");
        }
    }
}
