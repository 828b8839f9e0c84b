using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading.Tasks;

namespace NebulaVideo.Bench;

internal sealed partial class Scenarios
{
    // An Azure Automation sandbox's memory (issue 16): the runbook's GC heap is capped at it, as SandboxMemoryTests does.
    private const long SandboxHeapLimit = 0x19000000;

    /// <summary>
    /// The runbook rows: the sandbox runbook of issue 16. Import-Csv | New-NebulaVideo | Wait-NebulaVideoTask |
    /// Save-NebulaVideo -Container over --runbook-n images, with the journal in a table and the videos in blobs (Azurite,
    /// or the account in NEBULAVIDEO_TEST_STORAGE), configured by the runbook's variables, the GC heap capped at 400 MB.
    /// Measured: the live heap (after a full collection; small and large objects apart, since pooled buffers are large
    /// and come in 1 and 4 MiB steps) at each quarter of the batch, whose slope from the first quarter to the end is what
    /// each task keeps while the pipeline runs; the peak resident set; pwsh's and Azurite's CPU; what outlives the pipeline.
    /// </summary>
    public async Task RunbookAsync()
    {
        var (storage, problem) = await BenchStorage.StartAsync(_host);
        if (storage is null)
        {
            _rows.Add(new Row("runbook: not measured", "skipped: " + Shorten(problem ?? "no storage"), "-"));
            return;
        }
        await using var _ = storage;
        // Tasks finish 2 x 10 ms after their create and the account has no cap: the cost measured is the module's own.
        await using var emulator = await Emulator(cap: null, taskSeconds: 0.02);
        var n = _s.RunbookN;
        var warm = RunbookInput("runbook-warm", "warm", 20);
        var csv = RunbookInput("runbook-images", "still", n);
        var table = "bench" + Guid.NewGuid().ToString("N")[..12];
        var container = "bench" + Guid.NewGuid().ToString("N")[..12];
        var report = await _host.RunAsync("runbook", MemoryFunctions + @"
# The live heap after a full blocking collection, small objects (generations 0 to 2) apart from large ones (pooled
# buffers, big arrays): 'soh,loh' in bytes. In C#: the generations come as a span, which PowerShell cannot read.
Add-Type -TypeDefinition @'
public static class BenchHeap
{
    public static string Live()
    {
        System.GC.Collect();
        System.GC.WaitForPendingFinalizers();
        System.GC.Collect();
        var generations = System.GC.GetGCMemoryInfo(System.GCKind.FullBlocking).GenerationInfo;
        var small = generations[0].SizeAfterBytes + generations[1].SizeAfterBytes + generations[2].SizeAfterBytes;
        return string.Concat(small.ToString(), ',', (generations[3].SizeAfterBytes + generations[4].SizeAfterBytes).ToString());
    }
}
'@
function Get-BenchLive { [BenchHeap]::Live() }
function Get-AzuriteCpu {
    if (-not $env:BENCH_AZURITE_PID -or -not (Test-Path ""/proc/$env:BENCH_AZURITE_PID/stat"")) { return -1 }
    $stat = Get-Content -Raw ""/proc/$env:BENCH_AZURITE_PID/stat""
    $fields = $stat.Substring($stat.LastIndexOf(')') + 2).Split(' ')
    ([long]$fields[11] + [long]$fields[12]) * 10
}
function Invoke-Runbook([string] $csv) {
    Import-Csv -LiteralPath $csv |
        New-NebulaVideo -Model wan2.5-i2v-preview -Resolution 480p |
        Wait-NebulaVideoTask -PollIntervalSec 0.1 |
        Save-NebulaVideo -Container $env:BENCH_CONTAINER
}
Import-Module $env:BENCH_MODULE
$null = Get-NebulaVideoModel
# The same runbook over a few other images first: JIT, the SDKs' first use, the table and the container made.
Invoke-Runbook $env:BENCH_WARM | Out-Null
$n = [int]$env:BENCH_N
$step = [Math]::Max(1, [Math]::Floor($n / 4))
$reset = Reset-BenchPeak
$before = Get-BenchKb VmRSS
$live0 = Get-BenchLive
$process = [Diagnostics.Process]::GetCurrentProcess()
$cpu = $process.TotalProcessorTime
$azurite = Get-AzuriteCpu
$live = @{}
$saved = 0
$sw = [Diagnostics.Stopwatch]::StartNew()
Invoke-Runbook $env:BENCH_CSV | ForEach-Object {
    $saved++
    if ($saved % $step -eq 0) { $live[$saved] = Get-BenchLive }
}
$sw.Stop()
$process.Refresh()
$cpu = ($process.TotalProcessorTime - $cpu).TotalMilliseconds
$azurite = if ($azurite -ge 0) { (Get-AzuriteCpu) - $azurite } else { -1 }
$peak = Get-BenchKb VmHWM
$points = ($live.Keys | Sort-Object | ForEach-Object { ""$($_):$($live[$_])"" }) -join ';'
$liveEnd = Get-BenchLive
$limit = [GC]::GetGCMemoryInfo().TotalAvailableMemoryBytes
""BENCH seconds=$($sw.Elapsed.TotalSeconds) cpums=$cpu azms=$azurite saved=$saved errors=$($Error.Count) before=$before peak=$peak reset=$reset live0=$live0 points=$points liveend=$liveEnd limit=$limit""
if ($Error.Count) { $Error | Select-Object -First 3 | ForEach-Object { [Console]::Error.WriteLine($_.ToString()) } }
'BENCH done'
", emulator.GatewayUri, new Dictionary<string, string>
        {
            ["N"] = n.ToString(CultureInfo.InvariantCulture),
            ["WARM"] = warm,
            ["CSV"] = csv,
            ["CONTAINER"] = container,
            ["AZURITE_PID"] = storage.AzuritePid?.ToString(CultureInfo.InvariantCulture) ?? "",
        }, environment: new Dictionary<string, string>
        {
            // The runbook's variables, as an Automation account would set them.
            ["NEBULAVIDEO_STORAGE_CONNECTION_STRING"] = storage.ConnectionString,
            ["NEBULAVIDEO_STORAGE_JOURNAL_TABLE"] = table,
            ["DOTNET_GCHeapHardLimit"] = "0x" + SandboxHeapLimit.ToString("X", CultureInfo.InvariantCulture),
        });

        var saved = (int)report.Number("saved");
        var note = saved == n && report.Number("errors") == 0 ? "" : $" [{saved}/{n} saved, {report.Number("errors")} errors]";
        // n:soh,loh;... the live small- and large-object heaps at each quarter of the batch.
        var points = report.Text("points").Split(';').Select(point => point.Split(':')).Select(p => (Saved: int.Parse(p[0], CultureInfo.InvariantCulture), Live: Live(p[1]))).ToList();
        // The slope from the first quarter to the third: what each task adds while the input still flows, past the first
        // quarter's one-time growth (the tables of the waiter and the journal reaching their size). The last video comes
        // while the commands end, when some of them have let go of their tasks already: that point is only printed.
        var (first, last) = (points[0], points.Count > 2 ? points[^2] : points[^1]);
        var live0 = Live(report.Text("live0"));
        var liveEnd = Live(report.Text("liveend"));
        var smallPerTask = (last.Live.Small - first.Live.Small) / (last.Saved - first.Saved);
        var allPerTask = (last.Live.Small + last.Live.Large - first.Live.Small - first.Live.Large) / (last.Saved - first.Saved);
        // What the heap can still take at the end's size of large objects (pooled buffers: bounded, not per task).
        var heapRoom = report.Number("limit") - live0.Small - points[^1].Live.Large;
        var grown = (report.Number("peak") - report.Number("before")) / 1024.0;
        var seconds = report.Number("seconds");
        var cpu = report.Number("cpums");
        var azurite = report.Number("azms");
        static string Mb(double bytes) => (bytes / 1048576).ToString("0.0", CultureInfo.InvariantCulture);
        Console.WriteLine($"  {saved} saved in {seconds:0.0} s; live heap small+large MB: before {Mb(live0.Small)}+{Mb(live0.Large)}, "
            + string.Join(", ", points.Select(p => $"at {p.Saved} {Mb(p.Live.Small)}+{Mb(p.Live.Large)}"))
            + $", after {Mb(liveEnd.Small)}+{Mb(liveEnd.Large)}; peak RSS {report.Number("peak") / 1024:0} MB; heap limit {Mb(report.Number("limit"))} MB; "
            + $"CPU pwsh {cpu / 1000:0.0} s, Azurite {(azurite >= 0 ? $"{azurite / 1000:0.0} s" : "not measured")}");
        _rows.Add(new Row($"runbook {n} tasks, table journal + blobs: live heap per task",
            $"{smallPerTask / 1024:0.00} KB ({first.Saved} to {last.Saved}: small objects {Mb(first.Live.Small)} to {Mb(last.Live.Small)} MB; all {allPerTask / 1024:0.00} KB){note}",
            $"- (a 400 MB heap holds ~{heapRoom / Math.Max(smallPerTask, 1) / 1000:0}k tasks)"));
        _rows.Add(new Row("runbook: live large objects (pooled buffers) at a quarter / at the end",
            $"{Mb(first.Live.Large)} MB / {Mb(points[^1].Live.Large)} MB", "- (bounded, not per task)"));
        _rows.Add(new Row("runbook: pwsh peak memory growth per task",
            $"{grown * 1024 / n:0.0} KB ({grown:0} MB over {report.Number("before") / 1024:0} MB after import){(report.Text("reset") == "1" ? "" : " (peak since start)")}",
            "- (resident set; the heap capped at 400 MB)"));
        _rows.Add(new Row("runbook: live heap left once the pipeline is done",
            $"{Mb(liveEnd.Small + liveEnd.Large - live0.Small - live0.Large)} MB (small objects {Mb(liveEnd.Small - live0.Small)} MB)", "- (what outlives the pipeline)"));
        _rows.Add(new Row("runbook: pwsh CPU per task", $"{cpu / n:0.00} ms ({cpu / 1000:0.0} s CPU, {seconds * 1000 / n:0.0} ms wall per task)", "-"));
        _rows.Add(new Row("runbook: Azurite CPU per task",
            azurite >= 0 ? $"{azurite / n:0.00} ms ({azurite / 1000:0.0} s)" : "not measured (the account in NEBULAVIDEO_TEST_STORAGE)",
            "- (Azurite's own: grows with the rows in a partition and the blobs in the account)"));
    }

    private static (double Small, double Large) Live(string pair)
    {
        var parts = pair.Split(',');
        return (double.Parse(parts[0], CultureInfo.InvariantCulture), double.Parse(parts[1], CultureInfo.InvariantCulture));
    }

    // The runbook's input, in a folder of the bench's own.
    private string RunbookInput(string name, string prefix, int count) =>
        NebulaVideo.Tooling.SandboxJobs.Write(_host.Folder(name), prefix, count, "bench runbook");
}
