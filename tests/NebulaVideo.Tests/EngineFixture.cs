using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Security;
using System.Threading.Tasks;
using NebulaVideo.Emulator;
using Xunit;

namespace NebulaVideo.Tests
{
    /// <summary>
    /// One emulator for the engine tests and a way to run script in a fresh runspace that has imported the
    /// built module from out/NebulaVideo, exactly as a user's session would.
    /// </summary>
    public sealed class EngineFixture : IAsyncLifetime
    {
        public const string ApiKey = "sk-engine-tests-0123456789";

        private InitialSessionState? _sessionState;

        public EmulatorServer Emulator { get; private set; } = null!;
        public string RepoRoot { get; } = FindRepoRoot();
        public string ModuleManifest => Path.Combine(RepoRoot, "out", "NebulaVideo", "NebulaVideo.psd1");
        public string Stills => Path.Combine(RepoRoot, "samples", "stills");


        public async Task InitializeAsync()
        {
            Emulator = await EmulatorServer.StartAsync(new EmulatorOptions
            {
                GatewayPort = 0,
                StoragePort = 0,
                PhaseDuration = TimeSpan.FromMilliseconds(300),
            });
            if (!File.Exists(ModuleManifest))
                throw new InvalidOperationException($"Build the solution first: {ModuleManifest} is missing.");

            // Microsoft.PowerShell.SDK brings the built-in commands (Get-ChildItem, Import-Csv...) in-process.
            var sessionState = InitialSessionState.CreateDefault2();
            sessionState.ImportPSModule(new[] { ModuleManifest });
            _sessionState = sessionState;
        }

        public async Task DisposeAsync()
        {
            await Emulator.DisposeAsync();
            try { Directory.Delete(JournalFolder, recursive: true); }
            catch (IOException) { }
        }

        /// <summary>Where the runs' own journals go.</summary>
        public string JournalFolder { get; } = Directory.CreateTempSubdirectory("nebulavideo-journals-").FullName;

        /// <summary>
        /// Runs a script in a new runspace, connected to the emulator with <paramref name="apiKey"/> unless
        /// it is null. Variables are set before the script runs.
        /// </summary>
        public PSRun Run(string script, string? apiKey = ApiKey, IDictionary<string, object?>? variables = null, Uri? gateway = null, string? answer = null)
        {
            var host = new CapturingHost { Answer = answer };
            using var runspace = RunspaceFactory.CreateRunspace(host, _sessionState!);
            runspace.Open();
            runspace.SessionStateProxy.SetVariable("NebulaGateway", (gateway ?? Emulator.GatewayUri).ToString());
            runspace.SessionStateProxy.SetVariable("ErrorActionPreference", "Continue");
            // Each run has a journal of its own, so identical requests of different tests never resume each other;
            // tests of the journal itself pass -JournalPath or set this variable.
            runspace.SessionStateProxy.SetVariable("NebulaVideoJournalPath", Path.Combine(JournalFolder, Guid.NewGuid().ToString("N") + ".jsonl"));
            foreach (var pair in variables ?? new Dictionary<string, object?>())
                runspace.SessionStateProxy.SetVariable(pair.Key, pair.Value);

            using var ps = PowerShell.Create();
            ps.Runspace = runspace;
            if (apiKey is not null)
            {
                ps.AddCommand("Connect-NebulaVideo").AddParameter("ApiKey", Secure(apiKey)).AddParameter("BaseUri", gateway ?? Emulator.GatewayUri)
                    .AddCommand("Out-Null");
                ps.Invoke();
                ps.Commands.Clear();
            }
            ps.AddScript(script);
            var output = ps.Invoke();
            return new PSRun(output.ToList(), ps.Streams.Error.ToList(), ps.Streams.Verbose.Select(v => v.Message).ToList(), host);
        }

        public static SecureString Secure(string text) => Core.Connections.GatewayConnection.SecureKey(text);

        /// <summary>The POSTs the emulator has accepted or refused since <paramref name="since"/>.</summary>
        public int PostsSince(DateTimeOffset since) =>
            Emulator.Requests.Count(r => r.Method == "POST" && r.ReceivedAt >= since);

        internal static string FindRepoRoot()
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "NebulaVideo.sln"))) return dir.FullName;
            throw new InvalidOperationException("Cannot find the repository root (NebulaVideo.sln) above the test binaries.");
        }
    }

    public sealed record PSRun(IReadOnlyList<PSObject> Output, IReadOnlyList<ErrorRecord> Errors, IReadOnlyList<string> Verbose, CapturingHost Host)
    {
        public IEnumerable<T> Objects<T>() => Output.Select(o => o.BaseObject).OfType<T>();

        public ErrorRecord SingleError()
        {
            Assert.True(Errors.Count == 1, $"Expected one error, got {Errors.Count}: {string.Join(" | ", Errors.Select(e => e.FullyQualifiedErrorId + ": " + e))}");
            return Errors[0];
        }
    }

    [CollectionDefinition(Name)]
    public sealed class EngineCollection : ICollectionFixture<EngineFixture>
    {
        // Engine tests share one emulator and run one after another: environment variables are process-wide.
        public const string Name = "Engine";
    }

    /// <summary>A scratch folder with copies of the sample stills, removed afterwards.</summary>
    public sealed class ScratchFolder : IDisposable
    {
        public ScratchFolder(string stills)
        {
            FullName = Path.Combine(Path.GetTempPath(), "nebulavideo-tests", Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(Path.Combine(FullName, "stills"));
            foreach (var file in Directory.GetFiles(stills))
                File.Copy(file, Path.Combine(FullName, "stills", Path.GetFileName(file)));
        }

        public string FullName { get; }
        public string Stills => Path.Combine(FullName, "stills");
        public string Videos => Path.Combine(FullName, "videos");

        public string this[string relative] => Path.Combine(FullName, relative);

        /// <summary>
        /// <paramref name="count"/> copies of the stills in a folder of their own, each with distinct bytes after
        /// the image's end, so every copy is a request of its own (the journal would resume identical ones).
        /// </summary>
        public string DistinctCopies(string folder, int count)
        {
            var target = this[folder];
            Directory.CreateDirectory(target);
            var originals = Directory.GetFiles(Stills, "*.png").OrderBy(f => f, StringComparer.Ordinal).ToArray();
            for (var i = 0; i < count; i++)
            {
                var bytes = File.ReadAllBytes(originals[i % originals.Length]).Concat(System.Text.Encoding.ASCII.GetBytes($"\0copy-{i:00}")).ToArray();
                File.WriteAllBytes(Path.Combine(target, $"still-{i:00}.png"), bytes);
            }
            return target;
        }

        public void Dispose()
        {
            try { Directory.Delete(FullName, recursive: true); }
            catch (IOException) { }
        }
    }
}
