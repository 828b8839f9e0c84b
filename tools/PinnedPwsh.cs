using System;
using System.IO;
using System.Text.RegularExpressions;

namespace NebulaVideo.Tooling
{
    /// <summary>
    /// The PowerShell the repository pins in its tool manifest (dotnet-tools.json, restored by `dotnet tool
    /// restore`), as a command line: dotnet and the tool's pwsh.dll. Compiled into the engine tests and the bench,
    /// which both start pwsh processes.
    /// </summary>
    internal static class PinnedPwsh
    {
        /// <summary>dotnet and the pinned pwsh.dll, or null when the manifest names none or the tool is not restored.</summary>
        public static (string FileName, string[] Prefix)? Find(string repoRoot)
        {
            var manifest = Path.Combine(repoRoot, "dotnet-tools.json");
            if (!File.Exists(manifest)) return null;
            var version = Regex.Match(File.ReadAllText(manifest), "\"powershell\"\\s*:\\s*\\{[^}]*\"version\"\\s*:\\s*\"([^\"]+)\"").Groups[1].Value;
            if (version.Length == 0) return null;
            var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            var platform = OperatingSystem.IsWindows() ? "win" : "unix";
            var pwshDll = Path.Combine(packages, "powershell", version, "tools", "net10.0", "any", platform, "pwsh.dll");
            return File.Exists(pwshDll) ? ("dotnet", new[] { pwshDll }) : null;
        }
    }
}
