using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using NebulaVideo.Emulator;

namespace NebulaVideo.Bench;

/// <summary>
/// The scenarios: each starts its own emulator in this process, runs the module in a fresh pwsh against it and adds
/// its rows. A scenario that fails adds a row saying so instead of stopping the run.
/// </summary>
internal sealed partial class Scenarios
{
    // Reads the process's resident set and its peak (kB in /proc/self/status), and resets the peak (clear_refs 5)
    // so that the peak measured next is the scenario's, not the import's.
    private const string MemoryFunctions = @"
function Get-BenchKb([string] $field) {
    $line = Get-Content /proc/self/status | Where-Object { $_ -like ""${field}:*"" }
    if (-not $line) { return -1 }
    [long](($line -split '\s+')[1])
}
function Reset-BenchPeak {
    [GC]::Collect(); [GC]::WaitForPendingFinalizers(); [GC]::Collect()
    try { [IO.File]::WriteAllText('/proc/self/clear_refs', '5'); 1 } catch { 0 }
}
";

    private readonly BenchHost _host;
    private readonly BenchSettings _s;
    private readonly List<Row> _rows;

    public Scenarios(BenchHost host, BenchSettings settings, List<Row> rows)
    {
        _host = host;
        _s = settings;
        _rows = rows;
    }

    /// <summary>The physical limit of the batch: ceil(N/C)·T.</summary>
    private double Limit => Math.Ceiling(_s.N / (double)_s.C) * _s.T;

    private string P(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    public async Task Run(string name, Func<Task> scenario)
    {
        Console.WriteLine();
        Console.WriteLine($"[{DateTime.Now:HH:mm:ss}] {name}...");
        var clock = Stopwatch.StartNew();
        try
        {
            await scenario();
        }
        catch (Exception problem)
        {
            Console.WriteLine($"  failed: {problem.Message}");
            _rows.Add(new Row($"{name}: not measured", "failed: " + Shorten(problem.Message), "-"));
        }
        Console.WriteLine($"  ({clock.Elapsed.TotalSeconds:0} s)");
    }

    private static string Shorten(string text) => text.Length <= 160 ? text : text[..160] + "...";

    private Task<EmulatorServer> Emulator(int? cap, double taskSeconds, long? videoSize = null) => EmulatorServer.StartAsync(new EmulatorOptions
    {
        // A task takes two phases (queued, running).
        PhaseDuration = TimeSpan.FromSeconds(taskSeconds / 2),
        AccountTaskLimit = cap,
        VideoSizeBytes = videoSize,
    });

    /// <summary>Status reads on the Nebula gateway's task paths (not creates, not downloads).</summary>
    private static int StatusReads(EmulatorServer emulator) => emulator.Requests.Count(r =>
        r.Origin == "gateway" && r.Method == "GET" && r.PathAndQuery.StartsWith("/v1/video/generations/", StringComparison.Ordinal)
        && !r.PathAndQuery.StartsWith("/v1/video/generations/download", StringComparison.Ordinal));

    private Dictionary<string, string> Vars(string images, string videos) => new()
    {
        ["IMAGES"] = images,
        ["VIDEOS"] = videos,
        ["C"] = _s.C.ToString(CultureInfo.InvariantCulture),
        ["POLL"] = P(_s.Poll),
    };

    // The pipeline's script: import first (not timed), then the batch, timed, then what it left behind.
    private static string BatchScript(string pipeline) => $@"
Import-Module $env:BENCH_MODULE
$poll = [double]$env:BENCH_POLL
$c = [int]$env:BENCH_C
$sw = [Diagnostics.Stopwatch]::StartNew()
{pipeline}
$sw.Stop()
""BENCH seconds=$($sw.Elapsed.TotalSeconds) errors=$($Error.Count)""
if ($Error.Count) {{ $Error | Select-Object -First 3 | ForEach-Object {{ [Console]::Error.WriteLine($_.ToString()) }} }}
'BENCH done'
";

    private (int Saved, string Note) Check(string videos, int errors)
    {
        var saved = Directory.GetFiles(videos, "*.mp4").Length;
        var note = saved == _s.N && errors == 0 ? "" : $" [{saved}/{_s.N} saved, {errors} errors]";
        return (saved, note);
    }

    /// <summary>Rows 1 and 3: the told account (-ThrottleLimit C), its pace and its status reads.</summary>
    public async Task BatchAsync()
    {
        await using var emulator = await Emulator(_s.C, _s.T);
        var images = _host.Images("batch-images", _s.N);
        var videos = _host.Folder("batch-videos");
        var report = await _host.RunAsync("batch", BatchScript(
            "Get-ChildItem $env:BENCH_IMAGES -Filter *.png | New-NebulaVideo -Prompt 'bench' -ThrottleLimit $c -PollIntervalSec $poll | Save-NebulaVideo -Path $env:BENCH_VIDEOS | Out-Null"),
            emulator.GatewayUri, Vars(images, videos));
        var seconds = report.Number("seconds");
        var (_, note) = Check(videos, (int)report.Number("errors"));
        Console.WriteLine($"  {seconds:0.0} s for {_s.N} images, limit {Limit:0.0} s; peak {emulator.PeakConcurrentTasks} at once, {emulator.AccountLimitRefusals} refusals");
        _rows.Add(new Row($"batch -ThrottleLimit {_s.C}: wall / ceil(N/C)*T",
            $"{seconds / Limit:0.00} ({seconds:0.0} s / {Limit:0.0} s){note}", "<= 1.10"));

        var reads = StatusReads(emulator);
        var minimum = _s.T / _s.Poll;
        Console.WriteLine($"  {reads} status reads for {emulator.CreatedTaskCount} tasks");
        _rows.Add(new Row("status reads per task / (T / poll)",
            $"{reads / (double)emulator.CreatedTaskCount / minimum:0.00} ({reads / (double)emulator.CreatedTaskCount:0.00} per task / {minimum:0.##})", "<= 1.2"));
    }

    /// <summary>Row 2: the same batch against an account capped at C that the module is not told.</summary>
    public async Task UntoldCapAsync()
    {
        await using var emulator = await Emulator(_s.C, _s.T);
        var images = _host.Images("untold-images", _s.N);
        var videos = _host.Folder("untold-videos");
        var report = await _host.RunAsync("untold", BatchScript(
            "Get-ChildItem $env:BENCH_IMAGES -Filter *.png | New-NebulaVideo -Prompt 'bench' -PollIntervalSec $poll | Wait-NebulaVideoTask -PollIntervalSec $poll | Save-NebulaVideo -Path $env:BENCH_VIDEOS | Out-Null"),
            emulator.GatewayUri, Vars(images, videos));
        var seconds = report.Number("seconds");
        var (_, note) = Check(videos, (int)report.Number("errors"));
        Console.WriteLine($"  {seconds:0.0} s; {emulator.CreatedTaskCount} created, peak {emulator.PeakConcurrentTasks} at once");
        _rows.Add(new Row($"untold cap {_s.C} (no -ThrottleLimit): wall / ceil(N/C)*T",
            // A poller at the default pace is bound near 1.125 (a finish is noticed up to a poll late, once a wave).
            $"{seconds / Limit:0.00} ({seconds:0.0} s / {Limit:0.0} s){note}", "<= 1.15"));
        _rows.Add(new Row("untold cap: tasks created twice (DuplicateSubmissionCount)",
            $"{emulator.DuplicateSubmissionCount} ({emulator.CreatedTaskCount} created for {_s.N} images)", "0"));
        _rows.Add(new Row("untold cap: creates refused 429 (AccountLimitRefusals)",
            emulator.AccountLimitRefusals.ToString(CultureInfo.InvariantCulture), "- (how often it probed the cap)"));
    }

    /// <summary>Row 1's baseline: submit, wait, save, next.</summary>
    public async Task NaiveLoopAsync()
    {
        if (!_s.Naive)
        {
            _rows.Add(new Row("naive loop: wall / ceil(N/C)*T", "skipped (--no-naive)", $"- (about C = {_s.C})"));
            return;
        }
        await using var emulator = await Emulator(_s.C, _s.T);
        var images = _host.Images("naive-images", _s.N);
        var videos = _host.Folder("naive-videos");
        var report = await _host.RunAsync("naive", BatchScript(@"
foreach ($image in Get-ChildItem $env:BENCH_IMAGES -Filter *.png) {
    $task = New-NebulaVideo -Prompt 'bench' -LiteralPath $image.FullName
    $task | Wait-NebulaVideoTask -PollIntervalSec $poll | Save-NebulaVideo -Path $env:BENCH_VIDEOS | Out-Null
}"), emulator.GatewayUri, Vars(images, videos));
        var seconds = report.Number("seconds");
        var (_, note) = Check(videos, (int)report.Number("errors"));
        Console.WriteLine($"  {seconds:0.0} s");
        _rows.Add(new Row("naive loop (New, Wait, Save per image): wall / ceil(N/C)*T",
            $"{seconds / Limit:0.00} ({seconds:0.0} s / {Limit:0.0} s){note}", $"- (baseline: N*T would be {_s.C}x)"));
    }

    /// <summary>Rows 4 and 5: peak memory growth of pwsh while it saves a large video, by link and by base64; and throughput against curl.</summary>
    public async Task LargeDownloadAsync()
    {
        var size = _s.VideoMb * 1024L * 1024L;
        await using var emulator = await Emulator(cap: null, taskSeconds: 0.5, videoSize: size);
        var still = Directory.GetFiles(_host.Stills, "*.png").OrderBy(f => f, StringComparer.Ordinal).First();
        var videos = _host.Folder("large-videos");
        // Two of each: the first warms the code paths (its growth includes JIT and first-use allocations), the second is steady.
        var report = await _host.RunAsync("large", MemoryFunctions + @"
Import-Module $env:BENCH_MODULE
$wan = @(1..2 | ForEach-Object { New-NebulaVideo -Prompt ""bench large $_"" -LiteralPath $env:BENCH_STILL -Wait -PollIntervalSec 0.2 })
$sora = @(1..2 | ForEach-Object { New-NebulaVideo -Prompt ""bench large $_"" -Model sora-2 -Wait -PollIntervalSec 0.2 })
""BENCH wanid=$($wan[1].TaskId)""
function Measure-Save($task, [string] $name) {
    $reset = Reset-BenchPeak
    $before = Get-BenchKb VmRSS
    $sw = [Diagnostics.Stopwatch]::StartNew()
    $task | Save-NebulaVideo -Path (Join-Path $env:BENCH_VIDEOS $name) | Out-Null
    $sw.Stop()
    $peak = Get-BenchKb VmHWM
    $bytes = (Get-Item (Join-Path $env:BENCH_VIDEOS $name)).Length
    ""BENCH $name.before=$before $name.peak=$peak $name.reset=$reset $name.seconds=$($sw.Elapsed.TotalSeconds) $name.bytes=$bytes""
    Remove-Item (Join-Path $env:BENCH_VIDEOS $name)
}
Measure-Save $wan[0] 'url0.mp4'
Measure-Save $wan[1] 'url1.mp4'
Measure-Save $wan[1] 'url2.mp4'
Measure-Save $wan[1] 'url3.mp4'
Measure-Save $sora[0] 'b64a.mp4'
Measure-Save $sora[1] 'b64b.mp4'
""BENCH errors=$($Error.Count)""
if ($Error.Count) { $Error | Select-Object -First 3 | ForEach-Object { [Console]::Error.WriteLine($_.ToString()) } }
'BENCH done'
", emulator.GatewayUri, new Dictionary<string, string> { ["STILL"] = still, ["VIDEOS"] = videos });

        if (report.Number("errors") > 0) Console.WriteLine($"  {report.Number("errors")} errors in the script");
        string Growth(string name)
        {
            var grown = (report.Number(name + ".peak") - report.Number(name + ".before")) / 1024.0;
            var bytes = report.Number(name + ".bytes");
            var sizeNote = bytes == size ? "" : $", saved {bytes / 1048576.0:0.0} MB";
            return $"{grown:0.0}{(report.Text(name + ".reset") == "1" ? "" : " (peak not resettable: since start)")}{sizeNote}";
        }
        foreach (var (label, cold, warm) in new[] { ("by URL (signed link)", "url0.mp4", "url1.mp4"), ("by sora-2 base64", "b64a.mp4", "b64b.mp4") })
        {
            Console.WriteLine($"  {label}: cold {Growth(cold)} MB, warm {Growth(warm)} MB; {report.Number(warm + ".seconds"):0.00} s");
            _rows.Add(new Row($"peak memory growth saving {_s.VideoMb} MB {label}, MB", $"{Growth(warm)} (first save: {Growth(cold)})", "<= 32"));
        }

        // The same link, the same loopback: curl to /dev/null against Save-NebulaVideo to a file (warm save).
        // Best of three warm saves against curl's best of three: one 200 MB write is at the mercy of the page cache's writeback.
        var moduleRate = size / 1048576.0 / new[] { "url1.mp4", "url2.mp4", "url3.mp4" }.Min(name => report.Number(name + ".seconds"));
        var b64Rate = size / 1048576.0 / report.Number("b64b.mp4.seconds");
        var link = emulator.SignedVideoLink(report.Text("wanid"));
        var curl = await CurlSecondsAsync(link, "/dev/null");
        if (curl is null)
        {
            _rows.Add(new Row("download throughput Save-NebulaVideo / curl", $"not measured: no curl ({moduleRate:0} MB/s by URL)", ">= 0.9"));
            return;
        }
        var curlRate = size / 1048576.0 / curl.Value;
        // Like with like: the module saves a file, so the goal row is curl saving the same link into the same folder.
        var curlFile = Path.Combine(videos, "curl.mp4");
        var curlToFile = size / 1048576.0 / (await CurlSecondsAsync(link, curlFile))!.Value;
        File.Delete(curlFile);
        _rows.Add(new Row("download throughput Save-NebulaVideo / curl -o file (same link, same folder)", $"{moduleRate / curlToFile:0.00} ({moduleRate:0} MB/s / {curlToFile:0} MB/s)", ">= 0.9"));
        _rows.Add(new Row("download throughput Save-NebulaVideo / curl -o /dev/null", $"{moduleRate / curlRate:0.00} ({moduleRate:0} MB/s / {curlRate:0} MB/s)", "- (context: curl writing nothing)"));
        _rows.Add(new Row("download throughput sora-2 base64 / curl of the link", $"{b64Rate / curlRate:0.00} ({b64Rate:0} MB/s of video)", "- (4/3 the bytes, decoded)"));
    }

    private static async Task<double?> CurlSecondsAsync(Uri link, string output)
    {
        var curl = new[] { "/usr/bin/curl", "/bin/curl", "/usr/local/bin/curl" }.FirstOrDefault(File.Exists);
        if (curl is null) return null;
        var best = double.MaxValue;
        // Best of three, as the module's figure is the best of its three warm saves.
        for (var i = 0; i < 3; i++)
        {
            var start = new ProcessStartInfo(curl) { RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var a in new[] { "-s", "-o", output, "-w", "%{time_total}", link.ToString() }) start.ArgumentList.Add(a);
            using var process = Process.Start(start)!;
            var text = await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();
            if (process.ExitCode != 0) throw new InvalidOperationException($"curl exited {process.ExitCode}");
            best = Math.Min(best, double.Parse(text.Trim(), CultureInfo.InvariantCulture));
        }
        return best;
    }

    /// <summary>Row 6: Import-Module NebulaVideo plus Get-NebulaVideoModel against importing the minimal module, medians of fresh processes.</summary>
    public async Task ImportAsync()
    {
        if (!File.Exists(_host.MinimalManifest)) throw new InvalidOperationException($"No baseline module at {_host.MinimalManifest}: build bench/NebulaVideo.Bench.");
        const string module = @"
$sw = [Diagnostics.Stopwatch]::StartNew()
Import-Module ($env:BENCH_MODULE_OVERRIDE ?? $env:BENCH_MODULE)
$import = $sw.Elapsed.TotalMilliseconds
$null = Get-NebulaVideoModel
$sw.Stop()
""BENCH ms=$($sw.Elapsed.TotalMilliseconds) import=$import""
'BENCH done'
";
        const string minimal = @"
$sw = [Diagnostics.Stopwatch]::StartNew()
Import-Module $env:BENCH_MINIMAL
$import = $sw.Elapsed.TotalMilliseconds
$null = Get-MinimalGreeting
$sw.Stop()
""BENCH ms=$import call=$($sw.Elapsed.TotalMilliseconds)""
'BENCH done'
";
        // The same module without its view file: PowerShell's first XML format file of a session loads its
        // XML machinery, a cost any module with views pays and the minimal module (none) does not.
        var viewless = _host.Folder("viewless-module");
        var moduleFolder = Path.GetDirectoryName(_host.ModuleManifest)!;
        foreach (var file in Directory.GetFiles(moduleFolder, "*", SearchOption.AllDirectories))
        {
            var copy = Path.Combine(viewless, Path.GetRelativePath(moduleFolder, file));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(file, copy);
        }
        var viewlessManifest = Path.Combine(viewless, "NebulaVideo.psd1");
        File.WriteAllLines(viewlessManifest, File.ReadAllLines(viewlessManifest).Where(line => !line.TrimStart().StartsWith("FormatsToProcess", StringComparison.Ordinal)));

        var vars = new Dictionary<string, string> { ["MINIMAL"] = _host.MinimalManifest };
        var viewlessVars = new Dictionary<string, string> { ["MINIMAL"] = _host.MinimalManifest, ["MODULE_OVERRIDE"] = viewlessManifest };
        var ours = new List<double>();
        var oursImportOnly = new List<double>();
        var withoutViews = new List<double>();
        var baseline = new List<double>();
        var baselineWithCall = new List<double>();
        // One of each first, unmeasured, so that none pays for a cold disk cache; then in turn.
        await _host.RunAsync("import-warm", module, null, vars);
        await _host.RunAsync("import-warm-viewless", module, null, viewlessVars);
        await _host.RunAsync("import-warm-minimal", minimal, null, vars);
        for (var i = 0; i < _s.ImportRuns; i++)
        {
            var run = await _host.RunAsync("import", module, null, vars);
            ours.Add(run.Number("ms"));
            oursImportOnly.Add(run.Number("import"));
            withoutViews.Add((await _host.RunAsync("import-viewless", module, null, viewlessVars)).Number("ms"));
            var minimalRun = await _host.RunAsync("import-minimal", minimal, null, vars);
            baseline.Add(minimalRun.Number("ms"));
            baselineWithCall.Add(minimalRun.Number("call"));
        }
        var a = Median(ours);
        var i0 = Median(oursImportOnly);
        var v = Median(withoutViews);
        var b = Median(baseline);
        var bc = Median(baselineWithCall);
        static string List(IEnumerable<double> values) => string.Join(", ", values.Select(x => x.ToString("0")));
        Console.WriteLine($"  NebulaVideo: {List(ours)} ms; without its view file: {List(withoutViews)} ms; minimal: {List(baseline)} ms");
        _rows.Add(new Row($"Import-Module + Get-NebulaVideoModel / minimal module import (median of {_s.ImportRuns})",
            $"{a / b:0.00} ({a:0} ms / {b:0} ms)", "<= 1.3"));
        _rows.Add(new Row("the same without FormatsToProcess / minimal module import",
            $"{v / b:0.00} ({v:0} ms / {b:0} ms)", "- (context: a session's first view file)"));
        // What the goal's two parts are: our import alone, and what PowerShell charges any compiled module for
        // its first cmdlet call (the minimal module's one cmdlet, which only writes a string).
        _rows.Add(new Row("Import-Module NebulaVideo alone / minimal module import",
            $"{i0 / b:0.00} ({i0:0} ms / {b:0} ms)", "- (context: import without a call)"));
        _rows.Add(new Row("minimal module import + its first call / minimal module import",
            $"{bc / b:0.00} ({bc:0} ms / {b:0} ms)", "- (context: any compiled cmdlet's first call)"));
    }

    private static double Median(List<double> values)
    {
        var sorted = values.OrderBy(v => v).ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    /// <summary>Row 7: CPU time and peak memory growth of pwsh per task for a big batch at -ThrottleLimit 50.</summary>
    public async Task BigBatchAsync()
    {
        await using var emulator = await Emulator(cap: null, _s.T);
        var images = _host.Images("big-images", _s.BigN);
        var report = await _host.RunAsync("big", MemoryFunctions + @"
Import-Module $env:BENCH_MODULE
$null = Get-NebulaVideoModel
$reset = Reset-BenchPeak
$before = Get-BenchKb VmRSS
$process = [Diagnostics.Process]::GetCurrentProcess()
$cpu = $process.TotalProcessorTime
$sw = [Diagnostics.Stopwatch]::StartNew()
$tasks = @(Get-ChildItem $env:BENCH_IMAGES -Filter *.png | New-NebulaVideo -Prompt 'bench' -ThrottleLimit ([int]$env:BENCH_THROTTLE) -PollIntervalSec ([double]$env:BENCH_POLL))
$sw.Stop()
$process.Refresh()
$cpu = ($process.TotalProcessorTime - $cpu).TotalMilliseconds
$peak = Get-BenchKb VmHWM
$after = Get-BenchKb VmRSS
$ok = @($tasks | Where-Object { $_.Status -eq 'Succeeded' }).Count
""BENCH seconds=$($sw.Elapsed.TotalSeconds) cpums=$cpu before=$before peak=$peak after=$after reset=$reset ok=$ok errors=$($Error.Count)""
'BENCH done'
", emulator.GatewayUri, new Dictionary<string, string>
        {
            ["IMAGES"] = images,
            ["THROTTLE"] = _s.BigThrottle.ToString(CultureInfo.InvariantCulture),
            ["POLL"] = P(_s.Poll),
        });
        var n = _s.BigN;
        var cpu = report.Number("cpums");
        var grown = (report.Number("peak") - report.Number("before")) / 1024.0;
        var seconds = report.Number("seconds");
        var limit = Math.Ceiling(n / (double)_s.BigThrottle) * _s.T;
        var ok = (int)report.Number("ok");
        var note = ok == n && report.Number("errors") == 0 ? "" : $" [{ok}/{n} succeeded, {report.Number("errors")} errors]";
        Console.WriteLine($"  {seconds:0.0} s (limit {limit:0.0} s), CPU {cpu / 1000:0.0} s, peak RSS growth {grown:0} MB (RSS {report.Number("before") / 1024:0} -> {report.Number("after") / 1024:0} MB)");
        _rows.Add(new Row($"{n}-task batch -ThrottleLimit {_s.BigThrottle}: pwsh CPU per task",
            $"{cpu / n:0.00} ms ({cpu / 1000:0.0} s CPU in {seconds:0.0} s wall){note}", "- (to know how far a session scales)"));
        _rows.Add(new Row($"{n}-task batch: pwsh peak memory growth per task",
            $"{grown * 1024 / n:0.0} KB ({grown:0} MB over {report.Number("before") / 1024:0} MB after import){(report.Text("reset") == "1" ? "" : " (peak since start)")}", "- (to know how far a session scales)"));
        _rows.Add(new Row($"{n}-task batch: wall / ceil(n/{_s.BigThrottle})*T", $"{seconds / limit:0.00} ({seconds:0.0} s / {limit:0.0} s)", "- (CPU-bound beyond some C)"));
    }
}
