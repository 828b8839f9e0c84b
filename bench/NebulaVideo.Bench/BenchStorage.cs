using System;
using System.Diagnostics;
using System.IO;
using System.Threading.Tasks;

namespace NebulaVideo.Bench;

/// <summary>
/// The Azure Storage account of the runbook scenario: the one in NEBULAVIDEO_TEST_STORAGE when set, else an Azurite of
/// the bench's own, started as the tests start theirs (tools/Azurite.psm1, Start-NebulaAzurite: loopback ports, data in
/// memory, a random account) by a pwsh that keeps it until the bench closes its input.
/// </summary>
internal sealed class BenchStorage : IAsyncDisposable
{
    private readonly Process? _keeper;

    private BenchStorage(string connectionString, int? azuritePid, Process? keeper)
    {
        ConnectionString = connectionString;
        AzuritePid = azuritePid;
        _keeper = keeper;
    }

    public string ConnectionString { get; }

    /// <summary>Azurite's node process, when the bench started it (its CPU time is part of what a task costs here).</summary>
    public int? AzuritePid { get; }

    /// <summary>The account, or why there is none (no Node.js, no node_modules: run npm ci).</summary>
    public static async Task<(BenchStorage? Storage, string? Problem)> StartAsync(BenchHost host)
    {
        var given = Environment.GetEnvironmentVariable("NEBULAVIDEO_TEST_STORAGE");
        if (!string.IsNullOrEmpty(given)) return (new BenchStorage(given, null, null), null);

        var module = Path.Combine(host.RepoRoot, "tools", "Azurite.psm1").Replace("'", "''");
        var root = host.RepoRoot.Replace("'", "''");
        // The keeper prints Azurite's pid and connection string, then waits for its input to close (the bench done, or
        // gone: either way the pipe closes) and stops Azurite; Azurite's own watchdog ends it if the keeper dies.
        var script = $@"
Import-Module '{module}'
$reason = Get-NebulaAzuriteUnavailableReason -Root '{root}'
if ($reason) {{ 'AZURITE-UNAVAILABLE ' + $reason; return }}
$azurite = Start-NebulaAzurite -Root '{root}'
'AZURITE-PID ' + $azurite.Process.Id
'AZURITE-CONNECTION ' + $azurite.ConnectionString
$null = [Console]::In.ReadLine()
$azurite | Stop-NebulaAzurite
";
        var start = new ProcessStartInfo(host.Pwsh)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in host.PwshPrefix) start.ArgumentList.Add(argument);
        foreach (var argument in new[] { "-NoLogo", "-NoProfile", "-NonInteractive", "-Command", script }) start.ArgumentList.Add(argument);
        var keeper = Process.Start(start) ?? throw new InvalidOperationException($"Cannot start {host.Pwsh}.");
        var errors = keeper.StandardError.ReadToEndAsync();
        int? pid = null;
        while (await keeper.StandardOutput.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("AZURITE-UNAVAILABLE ", StringComparison.Ordinal))
            {
                await keeper.WaitForExitAsync();
                keeper.Dispose();
                return (null, line["AZURITE-UNAVAILABLE ".Length..]);
            }
            if (line.StartsWith("AZURITE-PID ", StringComparison.Ordinal)) pid = int.Parse(line["AZURITE-PID ".Length..]);
            if (line.StartsWith("AZURITE-CONNECTION ", StringComparison.Ordinal))
            {
                // Whatever the keeper says from now on is read and dropped, so a full pipe never stalls it.
                _ = keeper.StandardOutput.ReadToEndAsync();
                return (new BenchStorage(line["AZURITE-CONNECTION ".Length..], pid, keeper), null);
            }
        }
        await keeper.WaitForExitAsync();
        var problem = "Azurite did not start: " + (await errors).Trim();
        keeper.Dispose();
        return (null, problem);
    }

    /// <summary>The CPU seconds Azurite has used so far, from /proc; null where that cannot be read.</summary>
    public double? AzuriteCpuSeconds()
    {
        if (AzuritePid is not int pid || !File.Exists($"/proc/{pid}/stat")) return null;
        // Fields 14 and 15 (utime, stime) after the command name, which is in parentheses and may hold spaces.
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11]) + long.Parse(fields[12])) / 100.0;
    }

    public async ValueTask DisposeAsync()
    {
        if (_keeper is null) return;
        try
        {
            _keeper.StandardInput.Close();
            using var wait = new System.Threading.CancellationTokenSource(TimeSpan.FromSeconds(15));
            await _keeper.WaitForExitAsync(wait.Token);
        }
        catch (OperationCanceledException)
        {
            _keeper.Kill(entireProcessTree: true);
        }
        _keeper.Dispose();
    }
}
