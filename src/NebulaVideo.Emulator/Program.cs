using System;
using System.Globalization;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading;
using NebulaVideo.Emulator;

// dotnet NebulaVideo.Emulator.dll [--port 5080] [--storage-port 5081] [--phase-seconds 2]
//     [--fault-rate 0.25] [--faults TooManyRequests,ServerError,...] [--fault-seed 7] [--fault-creates]
//     [--account-task-limit 4] [--account-limit-retry-after]
// Prints one line with every address (tools/NebulaEmulator.psm1 parses it: keep its regex in step), then serves
// until Ctrl+C or SIGTERM. The fault arguments build EmulatorOptions.Faults (FaultPlan.cs): without --faults every
// kind is drawn from; --fault-creates also faults submissions, which reads alone never are. --account-task-limit caps
// the unfinished tasks one API key may have at once (EmulatorOptions.AccountTaskLimit: a create past it is a 429 and
// creates nothing); --account-limit-retry-after gives that 429 a Retry-After: 1, which it otherwise lacks.
FaultPlan faults;
int? accountTaskLimit;
try
{
    accountTaskLimit = null;
    if (Array.IndexOf(args, "--account-task-limit") >= 0)
    {
        var limit = Argument("--account-task-limit");
        accountTaskLimit = int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out var tasks) && tasks >= 1
            ? tasks
            : throw new FormatException($"--account-task-limit needs a whole number of tasks, at least 1, not '{limit}'.");
    }
    faults = new FaultPlan
    {
        Rate = double.Parse(Argument("--fault-rate") ?? "0", CultureInfo.InvariantCulture),
        Kinds = Argument("--faults") is { } kinds
            ? kinds.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Kind).ToArray()
            : FaultPlan.AllKinds,
        Seed = int.Parse(Argument("--fault-seed") ?? "0", CultureInfo.InvariantCulture),
        Creates = Array.IndexOf(args, "--fault-creates") >= 0,
    };
}
catch (Exception problem) when (problem is FormatException or OverflowException or ArgumentException)
{
    // A typo in a fault (or account limit) argument must not start an emulator that silently behaves well.
    Console.Error.WriteLine($"NebulaVideo emulator: {problem.Message}");
    return 2;
}

var options = new EmulatorOptions
{
    GatewayPort = int.Parse(Argument("--port") ?? "5080", CultureInfo.InvariantCulture),
    StoragePort = int.Parse(Argument("--storage-port") ?? "5081", CultureInfo.InvariantCulture),
    PhaseDuration = TimeSpan.FromSeconds(double.Parse(Argument("--phase-seconds") ?? "2", CultureInfo.InvariantCulture)),
    Faults = faults,
    AccountTaskLimit = accountTaskLimit,
    AccountLimitRetryAfter = Array.IndexOf(args, "--account-limit-retry-after") >= 0,
};

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
// SIGTERM through a registration of its own: the web hosts' console lifetime cancels the runtime's default
// handling of it (so ProcessExit never comes) and only stops the listeners, which left this process waiting forever.
using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, signal =>
{
    signal.Cancel = true;
    stop.Cancel();
});

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
return 0;

FaultKind Kind(string name) =>
    Enum.TryParse<FaultKind>(name, ignoreCase: true, out var kind) && Enum.IsDefined(kind)
        ? kind
        : throw new FormatException($"'{name}' is not a fault kind; the kinds are {string.Join(", ", FaultPlan.AllKinds)}.");

string? Argument(string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}
