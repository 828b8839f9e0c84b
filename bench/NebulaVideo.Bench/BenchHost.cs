using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;

namespace NebulaVideo.Bench;

/// <summary>
/// Where things are (the repository, the built modules, pwsh) and how a scenario runs PowerShell: a fresh pwsh
/// process per script, with only the bench's own gateway settings and a journal of its own in the environment.
/// </summary>
internal sealed class BenchHost
{
    private BenchHost(string repoRoot, (string FileName, string[] Prefix) pwsh, string scratch)
    {
        RepoRoot = repoRoot;
        (Pwsh, _pwshPrefix) = pwsh;
        Scratch = scratch;
    }

    public string RepoRoot { get; }
    /// <summary>The pwsh command the scenarios run (dotnet, for the tool manifest's PowerShell).</summary>
    public string Pwsh { get; }
    private readonly string[] _pwshPrefix;

    /// <summary>The arguments before the script's own (the tool manifest's pwsh.dll, run by dotnet).</summary>
    public IReadOnlyList<string> PwshPrefix => _pwshPrefix;

    /// <summary>The command line that starts pwsh, as printed in the run's header.</summary>
    public string PwshCommand => string.Join(" ", new[] { Pwsh }.Concat(_pwshPrefix));
    public string Scratch { get; }
    public string ModuleManifest => Path.Combine(RepoRoot, "out", "NebulaVideo", "NebulaVideo.psd1");
    public string MinimalManifest => Path.Combine(RepoRoot, "out", "bench", "MinimalModule", "MinimalModule.psd1");
    public string Stills => Path.Combine(RepoRoot, "samples", "stills");

    public static BenchHost Create()
    {
        var root = FindRepoRoot();
        var scratch = Path.Combine(Path.GetTempPath(), "nebulavideo-bench-" + Environment.ProcessId);
        Directory.CreateDirectory(scratch);
        return new BenchHost(root, FindPwsh(root), scratch);
    }

    public void Cleanup()
    {
        try { Directory.Delete(Scratch, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    /// <summary>A fresh folder under the scratch folder.</summary>
    public string Folder(string name)
    {
        var path = Path.Combine(Scratch, name);
        if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>
    /// <paramref name="count"/> distinct PNGs: the sample stills in turn, each with a few bytes of its own after the
    /// image's end (ignored by decoders), so each copy is a request of its own to the gateway.
    /// </summary>
    public string Images(string name, int count)
    {
        var folder = Folder(name);
        var originals = Directory.GetFiles(Stills, "*.png").OrderBy(f => f, StringComparer.Ordinal).Select(File.ReadAllBytes).ToArray();
        if (originals.Length == 0) throw new InvalidOperationException($"No sample stills in {Stills}.");
        for (var i = 0; i < count; i++)
        {
            var tail = Encoding.ASCII.GetBytes($"\0bench-copy-{i:00000}");
            var bytes = new byte[originals[i % originals.Length].Length + tail.Length];
            originals[i % originals.Length].CopyTo(bytes, 0);
            tail.CopyTo(bytes, bytes.Length - tail.Length);
            File.WriteAllBytes(Path.Combine(folder, $"still-{i:00000}.png"), bytes);
        }
        return folder;
    }

    /// <summary>
    /// Runs a script in a fresh pwsh (no profile) with the gateway's settings and a journal of its own, and returns
    /// its "BENCH key=value" lines (the script's way of reporting), failing with its output when it fails.
    /// </summary>
    /// <param name="environment">More variables, set as named (after the bench's own: a runbook's storage, a GC limit).</param>
    public async Task<Report> RunAsync(string name, string script, Uri? gateway, IDictionary<string, string>? variables = null, Action<Process>? started = null,
        IDictionary<string, string>? environment = null)
    {
        var file = Path.Combine(Scratch, name + ".ps1");
        await File.WriteAllTextAsync(file, script);
        var start = new ProcessStartInfo(Pwsh)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in _pwshPrefix.Concat(new[] { "-NoLogo", "-NoProfile", "-NonInteractive", "-File", file })) start.ArgumentList.Add(argument);
        // Only the bench's gateway: no connection of the user's (another gateway's key, their journal, their catalog).
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("NEBULA", StringComparison.OrdinalIgnoreCase) || k.StartsWith("UNIFIED_", StringComparison.OrdinalIgnoreCase)).ToList())
            start.Environment.Remove(key);
        start.Environment["NEBULA_API_KEY"] = "sk-bench";
        if (gateway is not null) start.Environment["NEBULA_BASE_URI"] = gateway.ToString();
        start.Environment["NEBULAVIDEO_JOURNAL"] = Path.Combine(Scratch, name + "-" + Guid.NewGuid().ToString("N") + ".jsonl");
        start.Environment["NEBULAVIDEO_MODELS"] = Path.Combine(Scratch, "no-user-models.json");
        start.Environment["POWERSHELL_TELEMETRY_OPTOUT"] = "1";
        start.Environment["POWERSHELL_UPDATECHECK"] = "Off";
        start.Environment["BENCH_MODULE"] = ModuleManifest;
        foreach (var (key, value) in variables ?? new Dictionary<string, string>()) start.Environment["BENCH_" + key] = value;
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) start.Environment[key] = value;

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Cannot start {Pwsh}.");
        started?.Invoke(process);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var output = await stdout;
        var errors = await stderr;
        var report = Report.Parse(output);
        if (process.ExitCode != 0 || !report.Has("done"))
            throw new InvalidOperationException($"pwsh ({name}) exited {process.ExitCode}: {Tail(errors + output)}");
        return report;
    }

    private static string Tail(string text)
    {
        text = text.Trim().Replace('\n', ' ');
        return text.Length <= 600 ? text : "..." + text[^600..];
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "NebulaVideo.sln"))) return dir.FullName;
        throw new InvalidOperationException("Cannot find the repository root (NebulaVideo.sln) above the bench binaries.");
    }

    /// <summary>
    /// NEBULAVIDEO_PWSH, else the PowerShell pinned in the repository's tool manifest (after `dotnet tool restore`),
    /// else pwsh on PATH, else the workplace copy beside the repository. A tool-manifest pwsh is its pwsh.dll run by dotnet.
    /// </summary>
    private static (string FileName, string[] Prefix) FindPwsh(string repoRoot)
    {
        var named = Environment.GetEnvironmentVariable("NEBULAVIDEO_PWSH");
        if (!string.IsNullOrEmpty(named) && File.Exists(named)) return (named, Array.Empty<string>());
        if (NebulaVideo.Tooling.PinnedPwsh.Find(repoRoot) is { } pinned) return pinned;
        var candidates = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator).Select(dir => Path.Combine(dir, "pwsh")).ToList();
        candidates.Add(Path.GetFullPath(Path.Combine(repoRoot, "..", "shared", "tools", "pwsh", "pwsh")));
        var found = candidates.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("No pwsh found: run `dotnet tool restore` in the repository, put PowerShell 7 on PATH or set NEBULAVIDEO_PWSH.");
        return (found, Array.Empty<string>());
    }
}

/// <summary>The "BENCH key=value" lines a script printed.</summary>
internal sealed class Report
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    public static Report Parse(string output)
    {
        var report = new Report();
        foreach (var line in output.Split('\n'))
        {
            var text = line.Trim();
            if (!text.StartsWith("BENCH ", StringComparison.Ordinal)) continue;
            foreach (var pair in text[6..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                var eq = pair.IndexOf('=');
                if (eq > 0) report._values[pair[..eq]] = pair[(eq + 1)..];
                else report._values[pair] = "";
            }
        }
        return report;
    }

    public bool Has(string key) => _values.ContainsKey(key);

    public string Text(string key) => _values.TryGetValue(key, out var value) ? value : throw new InvalidOperationException($"The script did not report {key}.");

    public double Number(string key) => double.Parse(Text(key), System.Globalization.CultureInfo.InvariantCulture);
}
