using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Net.Http;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace NebulaVideo.Tests.Shared
{
    /// <summary>
    /// The Azure Storage account that storage tests run against: the one in NEBULAVIDEO_TEST_STORAGE (a whole
    /// connection string; build.ps1 Test starts Azurite and exports it), or else an Azurite that this test process
    /// starts itself from the repository's node_modules on first use, with a random account on free loopback ports,
    /// stopped when the process exits. Compiled into each test project (linked from tests/Shared).
    /// </summary>
    /// <remarks>
    /// When neither is possible (no Node.js, no node_modules), <see cref="SkipReason"/> says why and how to fix it and
    /// the tests marked <see cref="StorageFactAttribute"/> or <see cref="StorageTheoryAttribute"/> are skipped, except
    /// under NEBULAVIDEO_REQUIRE_ALL_CHECKS (CI), where they run and fail with that reason.
    /// </remarks>
    internal static class TestStorage
    {
        public const string Variable = "NEBULAVIDEO_TEST_STORAGE";
        private const string RequireAllChecks = "NEBULAVIDEO_REQUIRE_ALL_CHECKS";

        // Both are cheap to decide (an environment variable, a look along PATH and into node_modules): the attributes
        // ask at discovery. Azurite itself starts on the first test that reaches for the account.
        private static readonly Lazy<string?> unavailable = new(FindProblem, LazyThreadSafetyMode.ExecutionAndPublication);
        private static readonly Lazy<Account> account = new(Connect, LazyThreadSafetyMode.ExecutionAndPublication);

        private static bool Required => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(RequireAllChecks));

        /// <summary>Why the storage tests are skipped here, with how to fix it; null when they run (always under CI).</summary>
        public static string? SkipReason => Required ? null : unavailable.Value;

        /// <summary>The whole connection string; null when storage is unavailable and its tests are skipped.</summary>
        public static string? ConnectionString => unavailable.Value is not null && !Required ? null : Current.ConnectionString;

        public static string AccountName => Current.AccountName;
        public static string AccountKey => Current.AccountKey;
        public static string BlobEndpoint => Current.BlobEndpoint;
        public static string TableEndpoint => Current.TableEndpoint;

        /// <summary>
        /// A container or table name of the test's own: the prefix (a lowercase letter, then lowercase letters or
        /// digits), then 16 random hexadecimal digits. Valid for blob containers and tables alike.
        /// </summary>
        public static string NewName(string prefix)
        {
            if (!Regex.IsMatch(prefix, "^[a-z][a-z0-9]{0,30}$"))
                throw new ArgumentException("Start with a lowercase letter; then lowercase letters and digits, at most 31 in all.", nameof(prefix));
            return prefix + Convert.ToHexString(RandomNumberGenerator.GetBytes(8)).ToLowerInvariant();
        }

        private static Account Current
        {
            get
            {
                if (unavailable.Value is { } problem)
                    throw new InvalidOperationException(Required
                        ? $"Azure Storage is unavailable, and {RequireAllChecks} forbids skipping its tests: {problem}"
                        : $"Azure Storage is unavailable: {problem}");
                return account.Value;
            }
        }

        private sealed record Account(string AccountName, string AccountKey, string BlobEndpoint, string TableEndpoint, string ConnectionString);

        private static string? FindProblem()
        {
            if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable(Variable))) return null;
            return Azurite.FindProblem();
        }

        private static Account Connect()
        {
            var connectionString = Environment.GetEnvironmentVariable(Variable);
            if (string.IsNullOrEmpty(connectionString)) connectionString = Azurite.Start().ConnectionString;
            return Parse(connectionString);
        }

        private static Account Parse(string connectionString)
        {
            var parts = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var pair in connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                // A key's base64 ends in '=': only the first one separates the name from the value.
                var equals = pair.IndexOf('=');
                if (equals > 0) parts[pair[..equals].Trim()] = pair[(equals + 1)..];
            }
            string Part(string name) => parts.TryGetValue(name, out var value) && value.Length > 0
                ? value
                : throw new InvalidOperationException($"{Variable} has no {name}: it must be a storage account's connection string with its key.");
            var name = Part("AccountName");
            // An account in Azure may give only its EndpointSuffix; Azure derives each service's address from it.
            string Endpoint(string service) => parts.TryGetValue(service + "Endpoint", out var endpoint) && endpoint.Length > 0
                ? endpoint.TrimEnd('/')
                : $"{(parts.TryGetValue("DefaultEndpointsProtocol", out var protocol) ? protocol : "https")}://{name}.{service.ToLowerInvariant()}.{Part("EndpointSuffix")}";
            return new Account(name, Part("AccountKey"), Endpoint("Blob"), Endpoint("Table"), connectionString);
        }
    }

    /// <summary>
    /// Azurite from the repository's node_modules as a process of this test run: blob and table services on ports the
    /// operating system picks, data in memory only, and an account whose name and key are random for each start; or, for
    /// a test of an outage, data in a folder of the test's and the same ports and account again after a restart.
    /// tools/Azurite.psm1 (Start-NebulaAzurite) starts it the same way for build.ps1; keep the two in step.
    /// </summary>
    internal static class Azurite
    {
        // Run by node before Azurite's own script (argv[1]): node exits when its standard input closes or its parent,
        // the process that started it, is gone (checked twice a second), even killed outright, so Azurite never
        // outlives its test run.
        private const string Watchdog = "const starter=process.ppid,gone=()=>process.exit(0);process.stdin.on('end',gone);process.stdin.on('error',gone);process.stdin.resume();setInterval(()=>{try{process.kill(starter,0)}catch{gone()}},500).unref();require(process.argv[1]);";

        private static readonly Regex Listening = new(@"Azurite (?<service>Blob|Table) service is successfully listening at (?<uri>http://\S+)");
        private static readonly Regex Closing = new(@"Azurite (?<service>Blob|Table) service successfully closed");

        public sealed record Instance(string AccountName, string AccountKey, string BlobEndpoint, string TableEndpoint, Process Process)
        {
            public string ConnectionString =>
                $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};BlobEndpoint={BlobEndpoint};TableEndpoint={TableEndpoint};";

            /// <summary>The folder its data is kept in (<see cref="Start(string, Instance?, TimeSpan?)"/>); null for data in memory.</summary>
            public string? DataFolder { get; init; }

            /// <summary>Done once the blob and table services have said they closed (after a SIGTERM: <see cref="Shutdown"/>).</summary>
            internal Task Closed { get; init; } = Task.CompletedTask;
        }

        /// <summary>Why Azurite cannot start here, with how to fix it; null when it can.</summary>
        public static string? FindProblem()
        {
            if (FindNode() is null)
                return "No Node.js: the Azure Storage tests run against Azurite, which needs node on PATH. "
                    + "Install Node.js 20 or later (with npm), then run npm ci in the repository root (build.ps1 Test runs it by itself).";
            if (FindRepoRoot() is not { } root)
                return $"No repository: the Azure Storage tests run against Azurite from the repository's node_modules, and no folder above {AppContext.BaseDirectory} holds NebulaVideo.sln. "
                    + $"Run the tests from the repository, or set {TestStorage.Variable} to a storage account's connection string.";
            if (FindScript(root) is null)
                return $"Azurite is not installed, and the Azure Storage tests run against it ({Path.Combine(root, "node_modules", "azurite")} is missing). "
                    + "Run npm ci in the repository root (build.ps1 Test runs it by itself when npm is on PATH).";
            return null;
        }

        /// <summary>Starts Azurite and waits until both services answer; it stops when this process exits.</summary>
        public static Instance Start(TimeSpan? timeout = null) => Start(null, null, timeout);

        /// <summary>
        /// Starts Azurite with its data in <paramref name="dataFolder"/> (kept across a restart; in memory when null) and, when
        /// <paramref name="again"/> is given, on that instance's ports with its account: the same storage account come back
        /// after an outage (stop it first with <see cref="Shutdown"/>, so that it writes what it holds). Otherwise on free
        /// ports, with a random account.
        /// </summary>
        public static Instance Start(string? dataFolder, Instance? again, TimeSpan? timeout = null)
        {
            if (FindProblem() is { } problem) throw new InvalidOperationException("Azurite cannot start: " + problem);
            var name = again?.AccountName ?? "nvtest" + RandomLowercase(10);
            var key = again?.AccountKey ?? Convert.ToBase64String(RandomNumberGenerator.GetBytes(64));
            string Port(string? endpoint) => endpoint is null ? "0" : new Uri(endpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var info = new ProcessStartInfo(FindNode()!)
            {
                UseShellExecute = false,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                // Nothing is written with --inMemoryPersistence; the temporary folder keeps the repository clean if it were.
                WorkingDirectory = Path.GetTempPath(),
            };
            foreach (var argument in new[]
            {
                "-e", Watchdog, FindScript(FindRepoRoot()!)!,
                "--blobHost", "127.0.0.1", "--blobPort", Port(again?.BlobEndpoint), "--tableHost", "127.0.0.1", "--tablePort", Port(again?.TableEndpoint),
                // Azurite has no switch to leave the queue service out: it gets a free port too and goes unused.
                "--queueHost", "127.0.0.1", "--queuePort", "0",
                "--skipApiVersionCheck", "--disableProductStyleUrl", "--disableTelemetry", "--silent",
            })
                info.ArgumentList.Add(argument);
            if (dataFolder is null) info.ArgumentList.Add("--inMemoryPersistence");
            else
            {
                info.ArgumentList.Add("--location");
                info.ArgumentList.Add(dataFolder);
            }
            info.Environment["AZURITE_ACCOUNTS"] = $"{name}:{key}";

            var endpoints = new Dictionary<string, string>();
            var errors = new StringBuilder();
            var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var closedServices = new HashSet<string>();
            var process = new Process { StartInfo = info };
            // Every line is read to the end, so that a full pipe never stalls Azurite; only the first ones matter.
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is null)
                {
                    ready.TrySetException(new InvalidOperationException("it exited"));
                    closed.TrySetResult();
                    return;
                }
                if (Closing.Match(e.Data) is { Success: true } done)
                {
                    lock (closedServices)
                        if (closedServices.Add(done.Groups["service"].Value) && closedServices.Count == 2) closed.TrySetResult();
                    return;
                }
                if (Listening.Match(e.Data) is not { Success: true } match) return;
                lock (endpoints)
                {
                    endpoints[match.Groups["service"].Value] = $"{match.Groups["uri"].Value.TrimEnd('/')}/{name}";
                    if (endpoints.Count == 2) ready.TrySetResult();
                }
            };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (errors) errors.AppendLine(e.Data); };
            process.Start();
            AppDomain.CurrentDomain.ProcessExit += (_, _) => Stop(process);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();

            var limit = timeout ?? TimeSpan.FromSeconds(60);
            string? failure = null;
            try
            {
                if (!ready.Task.Wait(limit)) failure = $"no answer within {limit.TotalSeconds:0} s";
            }
            catch (AggregateException)
            {
                process.WaitForExit();
                lock (errors) failure = $"it exited with code {process.ExitCode}: {errors.ToString().Trim()}";
            }
            var instance = new Instance(name, key, endpoints.GetValueOrDefault("Blob", ""), endpoints.GetValueOrDefault("Table", ""), process)
            {
                DataFolder = dataFolder,
                Closed = closed.Task,
            };
            if (failure is null)
            {
                // Listening is answering, but ask once all the same: an unsigned request is refused with an HTTP status.
                using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
                try
                {
                    foreach (var endpoint in new[] { instance.BlobEndpoint, instance.TableEndpoint })
                        client.GetAsync(endpoint + "?comp=list").GetAwaiter().GetResult().Dispose();
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    failure = "it does not answer: " + e.Message;
                }
            }
            if (failure is not null)
            {
                Stop(process);
                throw new InvalidOperationException("Azurite did not start: " + failure);
            }
            return instance;
        }

        /// <summary>
        /// Stops Azurite as a service stops, not as a crash: SIGTERM, then a wait until the blob and table services say
        /// they closed (Azurite writes what it holds in memory to its data folder then), then the process is ended.
        /// </summary>
        public static void Shutdown(Instance instance)
        {
            if (instance.Process.HasExited) return;
            using (var term = Process.Start("kill", $"-TERM {instance.Process.Id}")!) term.WaitForExit();
            if (!instance.Closed.Wait(TimeSpan.FromSeconds(30))) throw new InvalidOperationException("Azurite did not close within 30 s of SIGTERM.");
            // The watchdog keeps node alive while its standard input is open: what is left is ended here.
            Stop(instance.Process);
        }

        public static void Stop(Process process)
        {
            try
            {
                // node itself, with nothing under it. A plain kill, not Kill(entireProcessTree): on Unix that first
                // stops (SIGSTOP) the process, then walks every process looking for children, then kills; a test host
                // killed in between (as vstest does with one slow to exit) left Azurite stopped for good, and a
                // stopped process cannot even notice that its parent is gone.
                if (!process.HasExited)
                {
                    process.Kill();
                    process.WaitForExit(10_000);
                }
            }
            catch (InvalidOperationException)
            {
                // Never started, or already gone.
            }
        }

        private static string RandomLowercase(int length)
        {
            const string alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
            var chars = new char[length];
            for (var i = 0; i < length; i++) chars[i] = alphabet[RandomNumberGenerator.GetInt32(alphabet.Length)];
            return new string(chars);
        }

        private static string? FindNode()
        {
            var names = OperatingSystem.IsWindows() ? new[] { "node.exe" } : new[] { "node" };
            foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
                foreach (var name in names)
                {
                    var candidate = Path.Combine(folder.Trim('"'), name);
                    if (File.Exists(candidate)) return candidate;
                }
            return null;
        }

        private static string? FindRepoRoot()
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "NebulaVideo.sln"))) return dir.FullName;
            return null;
        }

        /// <summary>The script that the azurite command runs, from the installed package's own bin entry.</summary>
        private static string? FindScript(string root)
        {
            var package = Path.Combine(root, "node_modules", "azurite");
            var manifest = Path.Combine(package, "package.json");
            if (!File.Exists(manifest)) return null;
            using var document = JsonDocument.Parse(File.ReadAllText(manifest));
            if (!document.RootElement.TryGetProperty("bin", out var bin) || !bin.TryGetProperty("azurite", out var entry)
                || entry.GetString() is not { Length: > 0 } relative)
                return null;
            var script = Path.GetFullPath(Path.Combine(package, relative));
            return File.Exists(script) ? script : null;
        }
    }

    /// <summary>A fact that needs Azure Storage: skipped, with the reason, where none is to be had (never under CI).</summary>
    internal sealed class StorageFactAttribute : FactAttribute
    {
        public StorageFactAttribute() => Skip = TestStorage.SkipReason;
    }

    /// <summary>A theory that needs Azure Storage: skipped, with the reason, where none is to be had (never under CI).</summary>
    internal sealed class StorageTheoryAttribute : TheoryAttribute
    {
        public StorageTheoryAttribute() => Skip = TestStorage.SkipReason;
    }
}
