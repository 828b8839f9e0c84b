using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using NebulaVideo.Core.Storage;
using NebulaVideo.Emulator;
using NebulaVideo.Tests.Shared;
using Xunit;
using Xunit.Abstractions;

namespace NebulaVideo.Tests
{
    /// <summary>
    /// The Azure Automation runbook (examples/Invoke-NebulaVideoAutomationRunbook.ps1) as several machines run it: real pwsh
    /// processes, each with a home, a temporary folder and a working folder of its own, all empty (what an Automation
    /// sandbox has), sharing one CSV of jobs, one journal table and one blob container on Azurite, against the emulator.
    /// Forty rows where the issue counts forty (four machines), twenty or sixteen elsewhere; a fast emulator clock and
    /// short polls keep each test to seconds.
    /// </summary>
    [Collection(EngineCollection.Name)]
    public sealed class RunbookAcrossMachinesTests : IDisposable
    {
        // The jobs of the test: WriteJobs makes them.
        private int _rows;
        private string _csv = string.Empty;

        private readonly EngineFixture _engine;
        private readonly ITestOutputHelper _output;
        private readonly ScratchFolder _scratch;
        private readonly string _table = TestStorage.NewName("runbook");
        private readonly string _container = TestStorage.NewName("videos");
        private readonly List<IDisposable> _cleanup = new List<IDisposable>();

        public RunbookAcrossMachinesTests(EngineFixture engine, ITestOutputHelper output)
        {
            _engine = engine;
            _output = output;
            _scratch = new ScratchFolder(engine.Stills);
        }

        /// <summary>Distinct stills and a job file beside them that names them relatively, each row with a prompt of its own.</summary>
        private void WriteJobs(int rows)
        {
            _rows = rows;
            _scratch.DistinctCopies(Path.Combine("jobs", "stills"), rows);
            _csv = _scratch[Path.Combine("jobs", "jobs.csv")];
            var lines = new List<string> { "Prompt,Path,Resolution,Duration" };
            for (var i = 0; i < rows; i++) lines.Add($"\"{Prompt(i)}\",stills/still-{i:00}.png,480p,5");
            File.WriteAllLines(_csv, lines);
        }

        // What stands for a SAS token's signature in the job file's address.
        private const string Signature = "c2VjcmV0LXNpZ25hdHVyZQ";

        private static string Prompt(int row) => $"Row {row:00}: slow dolly-in";

        private static string BlobName(int row) => $"still-{row:00}.mp4";

        private string Runbook => Path.Combine(_engine.RepoRoot, "examples", "Invoke-NebulaVideoAutomationRunbook.ps1");

        [StorageFact]
        public async Task Four_machines_started_at_once_on_one_job_file_and_one_table_submit_each_row_once_and_save_each_video_once()
        {
            WriteJobs(40);
            await using var emulator = await EmulatorServer.StartAsync(new EmulatorOptions { PhaseDuration = TimeSpan.FromMilliseconds(400) });
            var storage = Account.Shared;
            using var blobs = new LoopbackTap(new Uri(storage.BlobEndpoint));
            var clock = Stopwatch.StartNew();

            var runs = Enumerable.Range(0, 4).Select(i => StartRunbook(NewMachine($"host{i}"), emulator.GatewayUri, storage.Through(blobs))).ToList();
            var results = await Task.WhenAll(runs.Select(r => r.FinishAsync()));
            _output.WriteLine($"Four machines, {_rows} rows: {clock.Elapsed.TotalSeconds:0.0} s");

            foreach (var result in results)
            {
                Assert.Empty(result.Errors);
                Assert.Equal(_rows, result.Summary.GetProperty("Requested").GetInt32());
                // Each machine accounts for every row: the ones it paid for, and the rest read back from the table.
                Assert.Equal(_rows, result.Summary.GetProperty("Submitted").GetInt32() + result.Summary.GetProperty("Resumed").GetInt32());
                Assert.Equal(_rows, result.Summary.GetProperty("Saved").GetInt32());
            }
            Assert.Equal(_rows, results.Sum(r => r.Summary.GetProperty("Submitted").GetInt32()));
            Assert.Equal(_rows, emulator.Requests.Count(r => r.Method == "POST"));
            Assert.Equal(0, emulator.DuplicateSubmissionCount);
            AssertEachVideoSavedOnce(emulator, storage, blobs);
            AssertNoSecret(storage, results);
        }

        [StorageFact]
        public async Task A_machine_killed_mid_batch_and_the_runbook_started_again_in_a_fresh_sandbox_pays_nothing_twice_and_saves_each_video_once()
        {
            WriteJobs(20);
            await using var emulator = await EmulatorServer.StartAsync(new EmulatorOptions { PhaseDuration = TimeSpan.FromMilliseconds(300) });
            var storage = Account.Shared;
            using var blobs = new LoopbackTap(new Uri(storage.BlobEndpoint));
            // Eight videos go through; the ninth commit is kept from Azurite, so the kill lands while a video is being saved.
            blobs.Hold = request => IsCommit(request) && Commits(blobs).Count >= 8;
            var first = NewMachine("doomed");
            var clock = Stopwatch.StartNew();

            using (var doomed = StartRunbook(first, emulator.GatewayUri, storage.Through(blobs)))
            {
                await Until(() => blobs.Held > 0, doomed, "a video's commit to be held");
                await doomed.KillAsync();
            }
            blobs.Hold = null;
            var paidBefore = emulator.SubmissionCount;
            _output.WriteLine($"Killed after {clock.Elapsed.TotalSeconds:0.0} s, with {paidBefore} tasks created and {Commits(blobs).Count} videos saved.");
            // The video being saved when the process died left no blob, whole or partial.
            Assert.Equal(8, Container(storage).GetBlobs().Count());

            // The fresh sandbox has no copy of the job file: it downloads it, from an address with a token in its query (as a
            // blob's SAS URL has), here one whose rows name the stills by full path.
            using var files = new LoopbackFileServer(_scratch["served"]);
            File.WriteAllLines(Path.Combine(files.Folder, "jobs.csv"), File.ReadAllLines(_csv)
                .Select(line => line.Replace("stills/", Path.Combine(Path.GetDirectoryName(_csv)!, "stills") + "/", StringComparison.Ordinal)));
            var fresh = NewMachine("fresh");
            clock.Restart();
            var rerun = await StartRunbook(fresh, emulator.GatewayUri, storage.Through(blobs), jobFile: new Uri(files.BaseUri, "jobs.csv?sv=2025-01-05&sig=" + Signature).ToString()).FinishAsync();
            _output.WriteLine($"The fresh sandbox finished the batch in {clock.Elapsed.TotalSeconds:0.0} s.");

            Assert.Empty(rerun.Errors);
            Assert.Equal(_rows, rerun.Summary.GetProperty("Saved").GetInt32());
            Assert.Equal(new[] { "/jobs.csv?sv=2025-01-05&sig=" + Signature }, files.Requests);
            Assert.DoesNotContain(Signature, rerun.Text, StringComparison.Ordinal);
            Assert.Equal(paidBefore, rerun.Summary.GetProperty("Resumed").GetInt32());
            Assert.Equal(_rows - paidBefore, rerun.Summary.GetProperty("Submitted").GetInt32());
            Assert.Equal(_rows, emulator.SubmissionCount);
            Assert.Equal(0, emulator.DuplicateSubmissionCount);
            AssertEachVideoSavedOnce(emulator, storage, blobs);
            // Nothing of the run was on either machine's disk: no journal file in either home, nothing left in the work folders.
            foreach (var machine in new[] { first, fresh })
            {
                Assert.Empty(Directory.GetFiles(machine.Home, "*.jsonl", SearchOption.AllDirectories));
                Assert.Empty(Directory.GetFileSystemEntries(machine.Work));
                Assert.Empty(Directory.GetFiles(machine.Temp, "nebulavideo-jobs-*"));
            }
            AssertNoSecret(storage, new[] { rerun });

            // A job file that cannot be downloaded stops the job, saying where from without the token.
            var missing = await StartRunbook(NewMachine("missing"), emulator.GatewayUri, storage.ConnectionString,
                jobFile: new Uri(files.BaseUri, "gone.csv?sv=2025-01-05&sig=" + Signature).ToString()).FailAsync();
            Assert.Contains(new Uri(files.BaseUri, "gone.csv").ToString(), missing, StringComparison.Ordinal);
            Assert.DoesNotContain(Signature, missing, StringComparison.Ordinal);
        }

        [StorageFact]
        public async Task A_machine_killed_while_it_submits_holds_up_the_others_no_longer_than_its_lease()
        {
            WriteJobs(16);
            await using var emulator = await EmulatorServer.StartAsync(new EmulatorOptions { PhaseDuration = TimeSpan.FromMilliseconds(300) });
            using var gateway = new LoopbackTap(emulator.GatewayUri);
            // Row 05's create never reaches the gateway: its machine waits for the answer, renewing its lease on the row.
            gateway.Hold = request => request.Method == "POST" && request.Text.Contains(Prompt(5), StringComparison.Ordinal);
            var storage = Account.Shared;
            var lease = TimeSpan.FromSeconds(8);

            using (var doomed = StartRunbook(NewMachine("doomed"), gateway.Address, storage.ConnectionString, $"-JournalLeaseSec {lease.TotalSeconds}"))
            {
                await Until(() => gateway.Held > 0, doomed, "row 05's create to be held");
                await doomed.KillAsync();
            }
            var killed = DateTimeOffset.UtcNow;
            // The dead machine's claim: the one row still Submitting. The survivor reaches the table through a tap, to be seen at it.
            var claimed = Assert.Single(JournalRows(storage), row => row.GetString("state") == "Submitting").RowKey;
            using var tables = new LoopbackTap(new Uri(storage.TableEndpoint));
            var survivor = await StartRunbook(NewMachine("survivor"), gateway.Address, storage.ThroughTables(tables)).FinishAsync();

            // The survivor came to row 05 (its first request naming the row), and went past it (its next create is row 06's)
            // no later than the dead machine's lease ran out: at once if it came later than that.
            var came = tables.Requests.First(r => r.Target.Contains(claimed, StringComparison.Ordinal) || r.Text.Contains(claimed, StringComparison.Ordinal)).At;
            var past = gateway.Requests.First(r => r.Method == "POST" && r.Text.Contains(Prompt(6), StringComparison.Ordinal)).At;
            _output.WriteLine($"The survivor came to the dead machine's row {(came - killed).TotalSeconds:0.0} s after the kill and went past it "
                + $"{(past - killed).TotalSeconds:0.0} s after the kill (lease {lease.TotalSeconds:0} s).");
            Assert.True(past - killed <= lease + TimeSpan.FromSeconds(2) || past - came <= TimeSpan.FromSeconds(2),
                $"Held up on a dead machine's row past its lease: came {(came - killed).TotalSeconds:0.0} s, went past {(past - killed).TotalSeconds:0.0} s after the kill.");
            // Nor sooner: the row was last stamped at most a third of the lease before the kill, and is the dead machine's until
            // the lease has run from that stamp.
            if (came - killed < lease - lease / 3)
                Assert.True(past - killed >= lease - lease / 3 - TimeSpan.FromSeconds(0.5),
                    $"Took a machine for dead before its lease ran out: went past its row {(past - killed).TotalSeconds:0.0} s after the kill.");
            // Row 05 may or may not have reached a gateway (here it did not): it is reported, never sent again blindly.
            var error = Assert.Single(survivor.Errors);
            Assert.StartsWith("SubmitOutcomeUnknown,", error.GetProperty("ErrorId").GetString(), StringComparison.Ordinal);
            Assert.Contains("still-05.png", error.GetProperty("Message").GetString(), StringComparison.Ordinal);
            Assert.DoesNotContain(emulator.Requests, r => r.Method == "POST" && r.Body.Contains(Prompt(5), StringComparison.Ordinal));
            Assert.Equal(_rows - 1, emulator.SubmissionCount);
            Assert.Equal(0, emulator.DuplicateSubmissionCount);
            Assert.Equal(_rows - 1, survivor.Summary.GetProperty("Saved").GetInt32());
            Assert.Equal(_rows - 1, Container(storage).GetBlobs().Count());
            AssertNoSecret(storage, new[] { survivor });
        }

        [StorageFact]
        public async Task Azurite_stopped_and_started_again_mid_batch_loses_nothing_within_the_request_contexts_patience()
        {
            WriteJobs(16);
            await using var emulator = await EmulatorServer.StartAsync(new EmulatorOptions { PhaseDuration = TimeSpan.FromMilliseconds(300) });
            using var azurite = new PrivateAzurite(_scratch["azurite"]);
            var storage = azurite.Account;

            // At most 10 more attempts of each storage call, 0.5 s doubling up to 2 s apart: some 17 s of patience.
            using var run = StartRunbook(NewMachine("host"), emulator.GatewayUri, azurite.ConnectionString, "-MaxRetry 10 -RetryDelaySec 0.5 -MaxRetryDelaySec 2");
            await Until(() => emulator.SubmissionCount >= 6, run, "six tasks to be created");
            var outage = Stopwatch.StartNew();
            azurite.Stop();
            var createdWhenGone = emulator.SubmissionCount;
            await Task.Delay(TimeSpan.FromSeconds(2));
            // Nothing is sent that the journal could not claim: the runbook waits for storage instead.
            Assert.Equal(createdWhenGone, emulator.SubmissionCount);
            azurite.StartAgain();
            _output.WriteLine($"Azurite was away for {outage.Elapsed.TotalSeconds:0.0} s; {emulator.SubmissionCount} tasks had been created when it came back.");
            var result = await run.FinishAsync();

            Assert.Empty(result.Errors);
            Assert.Equal(_rows, result.Summary.GetProperty("Submitted").GetInt32());
            Assert.Equal(_rows, result.Summary.GetProperty("Saved").GetInt32());
            Assert.Equal(_rows, emulator.SubmissionCount);
            Assert.Equal(0, emulator.DuplicateSubmissionCount);
            AssertVideosIdentical(emulator, storage);
            // Every submission and every save is in the journal: nothing the outage touched went unrecorded.
            var states = JournalRows(storage).Select(row => row.GetString("state")).ToList();
            Assert.Equal(_rows, states.Count(s => s == "Submitted"));
            Assert.Equal(_rows, states.Count(s => s == "Saved"));
            AssertNoSecret(storage, new[] { result });
        }

        [StorageFact]
        public async Task Azurite_away_longer_than_the_patience_leaves_an_error_naming_each_row_it_could_not_record_and_a_rerun_pays_nothing_twice()
        {
            WriteJobs(16);
            await using var emulator = await EmulatorServer.StartAsync(new EmulatorOptions { PhaseDuration = TimeSpan.FromMilliseconds(300) });
            using var azurite = new PrivateAzurite(_scratch["azurite"]);
            var storage = azurite.Account;
            using var gateway = new LoopbackTap(emulator.GatewayUri);
            // Row 05's task is created, and its answer kept back until storage has gone: the journal cannot record it.
            gateway.HoldAnswer = request => request.Method == "POST" && request.Text.Contains(Prompt(5), StringComparison.Ordinal);
            const string Patience = "-MaxRetry 1 -RetryDelaySec 0.1 -MaxRetryDelaySec 1 -JournalLeaseSec 3";

            RunbookResult first;
            using (var run = StartRunbook(NewMachine("host"), gateway.Address, azurite.ConnectionString, Patience))
            {
                await Until(() => gateway.AnswersHeld > 0, run, "row 05's answer to be held");
                azurite.Stop();
                gateway.ReleaseAnswers();
                first = await run.FinishAsync();
            }
            var answer = gateway.Requests.Single(r => r.Method == "POST" && r.Text.Contains(Prompt(5), StringComparison.Ordinal)).Answer!;
            var task5 = System.Text.RegularExpressions.Regex.Match(answer, "\"task_id\"\\s*:\\s*\"([^\"]+)\"").Groups[1].Value;
            var errors = first.Errors.Select(e => (Id: e.GetProperty("ErrorId").GetString()!, Message: e.GetProperty("Message").GetString()!)).ToList();
            _output.WriteLine(string.Join("\n", errors.Select(e => e.Id + ": " + e.Message)));

            // Nothing was sent for a row the journal could not claim: six tasks (rows 00 to 05) were made, no more.
            Assert.Equal(6, emulator.SubmissionCount);
            // Row 05's task was made and paid for: that its record was lost is an error naming the row and the task.
            var unrecorded = Assert.Single(errors, e => e.Message.Contains("still-05.png", StringComparison.Ordinal));
            Assert.StartsWith("JournalUnwritable,", unrecorded.Id, StringComparison.Ordinal);
            Assert.Contains("row ", unrecorded.Message, StringComparison.Ordinal);
            Assert.Contains(task5, unrecorded.Message, StringComparison.Ordinal);
            // Every later row has an error of its own, naming it: the journal could not be read or claimed, so nothing was sent.
            for (var i = 6; i < _rows; i++)
            {
                var still = $"still-{i:00}.png";
                var error = Assert.Single(errors, e => e.Message.Contains(still, StringComparison.Ordinal));
                Assert.Matches("^Journal(Unreadable|Unwritable),", error.Id);
            }
            // The videos of the rows made before it could not be saved (storage was away), each an error naming its blob.
            Assert.All(errors.Where(e => e.Id.StartsWith("Storage", StringComparison.Ordinal)), e => Assert.Matches(@"still-0[0-5]\.mp4", e.Message));

            // Storage back, the same runbook again: the rest is made and saved, row 05 is reported, nothing is paid twice.
            azurite.StartAgain();
            var rerun = await StartRunbook(NewMachine("again"), gateway.Address, azurite.ConnectionString, Patience).FinishAsync();

            var left = Assert.Single(rerun.Errors);
            Assert.StartsWith("SubmitOutcomeUnknown,", left.GetProperty("ErrorId").GetString(), StringComparison.Ordinal);
            Assert.Contains("still-05.png", left.GetProperty("Message").GetString(), StringComparison.Ordinal);
            Assert.Equal(_rows, emulator.SubmissionCount);
            Assert.Equal(0, emulator.DuplicateSubmissionCount);
            Assert.Equal(_rows - 1, rerun.Summary.GetProperty("Saved").GetInt32());
            AssertNoSecret(storage, new[] { first, rerun });
        }

        /// <summary>Forty blobs, one per row, each committed once and holding exactly what the emulator served for its task.</summary>
        private void AssertEachVideoSavedOnce(EmulatorServer emulator, Account storage, LoopbackTap blobs)
        {
            var commits = Commits(blobs);
            Assert.Equal(Enumerable.Range(0, _rows).Select(BlobName), commits.Select(c => c.Target.Split('?')[0].Split('/').Last()).OrderBy(n => n, StringComparer.Ordinal));
            AssertVideosIdentical(emulator, storage);
        }

        private void AssertVideosIdentical(EmulatorServer emulator, Account storage)
        {
            var container = Container(storage);
            var names = container.GetBlobs().Select(b => b.Name).OrderBy(n => n, StringComparer.Ordinal).ToList();
            Assert.Equal(Enumerable.Range(0, _rows).Select(BlobName), names);
            // The journal says which request made each task.
            var prompts = JournalRows(storage).Where(row => row.GetString("state") == "Submitted").ToDictionary(row => row.GetString("task_id"), row => row.GetString("prompt"));
            var tasks = new HashSet<string>();
            foreach (var name in names)
            {
                var blob = container.GetBlobClient(name);
                var task = blob.GetProperties().Value.Metadata[AzureBlobVideoStore.TaskMetadata];
                Assert.True(tasks.Add(task), $"Two blobs name task {task}.");
                Assert.Equal(emulator.VideoBytes(task), blob.DownloadContent().Value.Content.ToArray());
                // The blob's task is the one made for its row.
                Assert.Equal(Prompt(int.Parse(name.Substring("still-".Length, 2))), prompts[task]);
            }
        }

        /// <summary>The account's key and connection string appear in nothing the runbooks wrote, nor in any journal row or blob's metadata.</summary>
        private void AssertNoSecret(Account storage, IEnumerable<RunbookResult> results)
        {
            var written = results.Select(r => r.Text)
                .Concat(JournalRows(storage).Select(row => string.Join("|", row.Select(p => $"{p.Key}={p.Value}"))))
                .Concat(Container(storage).GetBlobs(new Azure.Storage.Blobs.Models.GetBlobsOptions { Traits = Azure.Storage.Blobs.Models.BlobTraits.Metadata }).Select(b => string.Join("|", b.Metadata.Select(m => m.Key + "=" + m.Value))));
            foreach (var text in written)
            {
                Assert.DoesNotContain(storage.Key, text, StringComparison.Ordinal);
                Assert.DoesNotContain(storage.ConnectionString, text, StringComparison.Ordinal);
            }
        }

        private BlobContainerClient Container(Account storage) => new BlobContainerClient(storage.ConnectionString, _container);

        private List<TableEntity> JournalRows(Account storage) => new TableClient(storage.ConnectionString, _table).Query<TableEntity>().ToList();

        /// <summary>A commit that made a blob: a block list or a whole blob put, answered 201.</summary>
        private static List<TappedRequest> Commits(LoopbackTap blobs) => blobs.Requests.Where(r => IsCommit(r) && r.Status == 201).ToList();

        private static bool IsCommit(TappedRequest request)
        {
            if (request.Method != "PUT") return false;
            var parts = request.Target.Split('?', 2);
            var query = parts.Length > 1 ? parts[1] : string.Empty;
            // /account/container/blob: a blob's own address, not its container's.
            return parts[0].Trim('/').Split('/').Length >= 3 && (query.Contains("comp=blocklist", StringComparison.Ordinal) || !query.Contains("comp=", StringComparison.Ordinal));
        }

        private static async Task Until(Func<bool> condition, RunbookRun run, string what)
        {
            var limit = Stopwatch.StartNew();
            while (!condition())
            {
                if (run.Process.HasExited) Assert.Fail($"The runbook ended before {what}: {await run.Errors}\n{await run.Output}");
                if (limit.Elapsed > TimeSpan.FromMinutes(2)) Assert.Fail($"No sign of {what} within 2 minutes.");
                await Task.Delay(25);
            }
        }

        /// <summary>A machine of its own: a home, a temporary folder and a working folder, all new and empty.</summary>
        private Machine NewMachine(string name) => new Machine(_scratch[Path.Combine("machines", name + "-" + Guid.NewGuid().ToString("N")[..8])]);

        private sealed class Machine
        {
            public Machine(string root)
            {
                Home = Directory.CreateDirectory(Path.Combine(root, "home")).FullName;
                Temp = Directory.CreateDirectory(Path.Combine(root, "tmp")).FullName;
                Work = Directory.CreateDirectory(Path.Combine(root, "work")).FullName;
            }

            public string Home { get; }
            public string Temp { get; }
            public string Work { get; }
        }

        /// <summary>A storage account: the shared Azurite of the test run, or one of a test's own.</summary>
        private sealed record Account(string Name, string Key, string BlobEndpoint, string TableEndpoint)
        {
            public static Account Shared => new Account(TestStorage.AccountName, TestStorage.AccountKey, TestStorage.BlobEndpoint, TestStorage.TableEndpoint);

            public string ConnectionString => With(BlobEndpoint, TableEndpoint);

            /// <summary>The connection string with the blob service reached through <paramref name="tap"/>.</summary>
            public string Through(LoopbackTap tap) => With(tap.Address.ToString().TrimEnd('/'), TableEndpoint);

            /// <summary>The connection string with the table service reached through <paramref name="tap"/>.</summary>
            public string ThroughTables(LoopbackTap tap) => With(BlobEndpoint, tap.Address.ToString().TrimEnd('/'));

            private string With(string blobEndpoint, string tableEndpoint) =>
                $"DefaultEndpointsProtocol=http;AccountName={Name};AccountKey={Key};BlobEndpoint={blobEndpoint};TableEndpoint={tableEndpoint};";
        }

        /// <summary>
        /// An Azurite of the test's own, with its data in a folder, that goes away and comes back like a service: the
        /// network to it is cut first (its blob and table services are reached through taps, which then refuse every new
        /// connection and let what is under way end), then Azurite itself is shut down and started again on its data, its
        /// ports and its account. The cut comes first because Azurite's own shutdown writes its tables to disk while it
        /// may still be answering a request, and a write it acknowledges then is lost when it starts again: no real
        /// storage account does that, and it would be counted against the module.
        /// </summary>
        private sealed class PrivateAzurite : IDisposable
        {
            private readonly string _folder;
            private Azurite.Instance _instance;
            private readonly LoopbackTap _blobs;
            private readonly LoopbackTap _tables;

            public PrivateAzurite(string folder)
            {
                _folder = Directory.CreateDirectory(folder).FullName;
                _instance = Azurite.Start(_folder, null);
                _blobs = new LoopbackTap(new Uri(_instance.BlobEndpoint));
                _tables = new LoopbackTap(new Uri(_instance.TableEndpoint));
            }

            /// <summary>The account as the test reads it, straight from Azurite.</summary>
            public Account Account => new Account(_instance.AccountName, _instance.AccountKey, _instance.BlobEndpoint, _instance.TableEndpoint);

            /// <summary>The connection string the runbooks get: the account through the taps, so that it can go away.</summary>
            public string ConnectionString =>
                $"DefaultEndpointsProtocol=http;AccountName={_instance.AccountName};AccountKey={_instance.AccountKey};"
                + $"BlobEndpoint={_blobs.Address.ToString().TrimEnd('/')};TableEndpoint={_tables.Address.ToString().TrimEnd('/')};";

            public void Stop()
            {
                _blobs.Refusing = _tables.Refusing = true;
                for (var waited = 0; (_blobs.InFlight > 0 || _tables.InFlight > 0) && waited < 400; waited++) Thread.Sleep(25);
                Assert.True(_blobs.InFlight == 0 && _tables.InFlight == 0, "Requests to Azurite were still under way 10 s after the network was cut.");
                Azurite.Shutdown(_instance);
            }

            public void StartAgain()
            {
                _instance = Azurite.Start(_folder, _instance);
                _blobs.Refusing = _tables.Refusing = false;
            }

            public void Dispose()
            {
                _blobs.Dispose();
                _tables.Dispose();
                Azurite.Stop(_instance.Process);
            }
        }

        /// <summary>
        /// The runbook in a pwsh process of its own on <paramref name="machine"/>, given what an Automation job gets: the
        /// gateway's key and the storage from the environment, nothing of this test's own environment (no journal file,
        /// no other storage), and no console to prompt on. Its summary object is written, as JSON, beside the test's files.
        /// </summary>
        private RunbookRun StartRunbook(Machine machine, Uri gateway, string connectionString, string more = "", string? jobFile = null)
        {
            var result = _scratch[$"summary-{Guid.NewGuid():N}.json"];
            var command = $"$summary = & '{Runbook}' -JobFile '{jobFile ?? _csv}' -PollIntervalSec 0.2 {more}; "
                + $"$summary | ConvertTo-Json -Depth 5 | Set-Content -LiteralPath '{result}'";
            var info = Pwsh.StartInfo("-NoProfile", "-NonInteractive", "-Command", command);
            info.WorkingDirectory = machine.Work;
            foreach (var name in info.Environment.Keys.Where(k => k.StartsWith("NEBULA", StringComparison.Ordinal)
                || k.StartsWith("UNIFIED_", StringComparison.Ordinal) || k.StartsWith("XDG_", StringComparison.Ordinal)).ToList())
                info.Environment.Remove(name);
            info.Environment["HOME"] = machine.Home;
            info.Environment["TMPDIR"] = machine.Temp;
            // The module as an Automation account holds it: imported by name from the module path.
            info.Environment["PSModulePath"] = Path.Combine(_engine.RepoRoot, "out");
            info.Environment["NEBULA_API_KEY"] = EngineFixture.ApiKey;
            info.Environment["NEBULA_BASE_URI"] = gateway.ToString();
            info.Environment["NEBULAVIDEO_STORAGE_CONNECTION_STRING"] = connectionString;
            info.Environment["NEBULAVIDEO_STORAGE_JOURNAL_TABLE"] = _table;
            info.Environment["NEBULAVIDEO_VIDEO_CONTAINER"] = _container;
            var run = new RunbookRun(Process.Start(info)!, result);
            _cleanup.Add(run);
            return run;
        }

        /// <param name="Summary">The runbook's one output object.</param>
        /// <param name="Text">What the process wrote (warnings, the summary's JSON), for the check that no secret is in it.</param>
        private sealed record RunbookResult(JsonElement Summary, string Text)
        {
            public IReadOnlyList<JsonElement> Errors => Summary.GetProperty("Errors").EnumerateArray().ToList();
        }

        /// <summary>A runbook process whose output is read as it comes, so a full pipe never stalls it.</summary>
        private sealed class RunbookRun : IDisposable
        {
            private readonly string _resultFile;

            public RunbookRun(Process process, string resultFile)
            {
                Process = process;
                _resultFile = resultFile;
                Output = process.StandardOutput.ReadToEndAsync();
                Errors = process.StandardError.ReadToEndAsync();
            }

            public Process Process { get; }
            public Task<string> Output { get; }
            public Task<string> Errors { get; }

            /// <summary>Waits for the runbook to end by itself: its summary, with nothing on the error stream and nothing prompted.</summary>
            public async Task<RunbookResult> FinishAsync(TimeSpan? limit = null)
            {
                var wait = limit ?? TimeSpan.FromMinutes(3);
                try
                {
                    await Process.WaitForExitAsync().WaitAsync(wait);
                }
                catch (TimeoutException)
                {
                    Process.Kill(entireProcessTree: true);
                    Assert.Fail($"The runbook did not end within {wait.TotalSeconds:0} s.");
                }
                var output = await Output;
                var errors = await Errors;
                Assert.True(Process.ExitCode == 0 && File.Exists(_resultFile), $"The runbook failed (exit code {Process.ExitCode}): {errors}\n{output}");
                // An item's error is in the summary; the error stream stays empty, and nothing prompts.
                Assert.True(string.IsNullOrWhiteSpace(errors), errors);
                var json = File.ReadAllText(_resultFile);
                return new RunbookResult(JsonDocument.Parse(json).RootElement.Clone(), output + "\n" + json);
            }

            /// <summary>Waits for the runbook to fail as a whole (a terminating error, exit code 1): what it wrote, both streams.</summary>
            public async Task<string> FailAsync()
            {
                await Process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
                var text = await Output + "\n" + await Errors;
                Assert.True(Process.ExitCode != 0, "The runbook was to fail, and did not: " + text);
                return text;
            }

            /// <summary>kill -9: no finally block, no flush, nothing.</summary>
            public async Task KillAsync()
            {
                Process.Kill(entireProcessTree: true);
                await Process.WaitForExitAsync();
            }

            private bool _disposed;

            public void Dispose()
            {
                if (_disposed) return;
                _disposed = true;
                if (!Process.HasExited) Process.Kill(entireProcessTree: true);
                Process.Dispose();
            }
        }

        public void Dispose()
        {
            foreach (var item in _cleanup) item.Dispose();
            _scratch.Dispose();
        }
    }
}
