using System;
using System.Globalization;
using System.Threading;
using NebulaVideo.Emulator;

// dotnet NebulaVideo.Emulator.dll [--port 5080] [--storage-port 5081] [--phase-seconds 2]
// Prints one line with every address (tools/NebulaEmulator.psm1 parses it: keep its regex in step), then serves
// until Ctrl+C or SIGTERM.
var options = new EmulatorOptions
{
    GatewayPort = int.Parse(Argument("--port") ?? "5080", CultureInfo.InvariantCulture),
    StoragePort = int.Parse(Argument("--storage-port") ?? "5081", CultureInfo.InvariantCulture),
    PhaseDuration = TimeSpan.FromSeconds(double.Parse(Argument("--phase-seconds") ?? "2", CultureInfo.InvariantCulture)),
};

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.Cancel();

await using var server = await EmulatorServer.StartAsync(options);
Console.WriteLine($"NebulaVideo emulator listening on {server.GatewayUri} (videos on {server.StorageUri}) (unified gateway on {server.UnifiedUri})");
Console.Out.Flush();
try
{
    await System.Threading.Tasks.Task.Delay(Timeout.Infinite, stop.Token);
}
catch (OperationCanceledException)
{
    // Ctrl+C or SIGTERM: dispose stops both listeners.
}

string? Argument(string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}
