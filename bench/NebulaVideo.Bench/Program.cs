using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using NebulaVideo.Bench;
using NebulaVideo.Emulator;

// One run, one table: what the module measures against the emulator, beside the goals of issue 8. It measures and
// prints; it never fails on a goal (a failed scenario prints its reason in the row instead).
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

BenchSettings settings;
try
{
    settings = BenchSettings.Parse(args);
}
catch (ArgumentException problem)
{
    Console.Error.WriteLine(problem.Message);
    Console.Error.WriteLine(BenchSettings.Usage);
    return 2;
}
if (settings.Help)
{
    Console.WriteLine(BenchSettings.Usage);
    return 0;
}

var host = BenchHost.Create();
Console.WriteLine($"NebulaVideo bench: {settings}");
Console.WriteLine($"  pwsh {host.PwshCommand}; module {host.ModuleManifest}; {Environment.ProcessorCount} cores; {System.Runtime.InteropServices.RuntimeInformation.OSDescription}");
var rows = new List<Row>();
var scenarios = new Scenarios(host, settings, rows);

if (settings.Decoder)
{
    Console.WriteLine();
    Console.WriteLine("sora-2 decoder (in-process, NebulaVideo.Core):");
    await DecoderBench.RunAsync(settings.Quick ? new[] { 8, 32 } : new[] { 8, 32, 128 });
}

if (settings.Micro)
{
    Console.WriteLine();
    DecoderMicro.Run();
}

if (settings.Runs("batch")) await scenarios.Run("batch", scenarios.BatchAsync);
if (settings.Runs("untold")) await scenarios.Run("untold cap", scenarios.UntoldCapAsync);
if (settings.Runs("naive")) await scenarios.Run("naive loop", scenarios.NaiveLoopAsync);
if (settings.Runs("download")) await scenarios.Run("large download", scenarios.LargeDownloadAsync);
if (settings.Runs("import")) await scenarios.Run("import", scenarios.ImportAsync);
if (settings.Runs("big")) await scenarios.Run("big batch", scenarios.BigBatchAsync);
if (settings.Runs("runbook")) await scenarios.Run("runbook", scenarios.RunbookAsync);

Console.WriteLine();
Console.WriteLine($"Results ({settings}):");
Row.Print(rows, Console.Out);
host.Cleanup();
return 0;
