using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Azure.Storage.Blobs;
using NebulaVideo.Core;
using NebulaVideo.Core.Storage;
using NebulaVideo.Tests.Shared;
using Xunit;

namespace NebulaVideo.Tests
{
    /// <summary>
    /// Save-NebulaVideo -Container: the real engine saving the emulator's videos into Azurite's blob service, with the
    /// journal in a table of the same account, as a runbook does.
    /// </summary>
    [Collection(EngineCollection.Name)]
    public sealed class SaveToBlobTests : IDisposable
    {
        private readonly EngineFixture _engine;
        private readonly ScratchFolder _scratch;

        public SaveToBlobTests(EngineFixture engine)
        {
            _engine = engine;
            _scratch = new ScratchFolder(engine.Stills);
        }

        // The journal is the table: the engine's own journal file ($NebulaVideoJournalPath, which wins) is removed.
        private PSRun Run(string script, string table, params (string Name, object? Value)[] more) =>
            _engine.Run(TwoGateways.Connect + @"
                Remove-Variable NebulaVideoJournalPath
                Connect-NebulaVideoStorage -ConnectionString $storage -JournalTable $table
                " + script, apiKey: null, variables: TwoGateways.Variables(_engine, more.Concat(new (string, object?)[]
            {
                ("storage", EngineFixture.Secure(TestStorage.ConnectionString!)), ("table", table), ("stills", _scratch.Stills),
                ("harbor", Path.Combine(_scratch.Stills, "harbor.png")),
            }).ToArray()));

        private static BlobContainerClient Container(string name) => new BlobContainerClient(TestStorage.ConnectionString, name);

        private static string NewTable() => "videos" + Guid.NewGuid().ToString("N").Substring(0, 12);

        private const string Pipeline = @"
            @(Get-ChildItem $stills -Filter *.png | New-NebulaVideo -Prompt 'to blobs' -Model wan2.5-i2v-preview) + @(New-NebulaVideo -Prompt 'text' -Model sora-2) |
                Wait-NebulaVideoTask -PollIntervalSec 0.1 | Save-NebulaVideo -Container $container -Verbose";

        [StorageFact]
        public void A_pipeline_saves_each_video_as_a_blob_identical_to_what_the_gateway_served_and_a_rerun_saves_nothing_again()
        {
            var container = TestStorage.NewName("videos");
            var table = NewTable();
            var since = DateTimeOffset.UtcNow;

            var first = Run(Pipeline + "\n Get-NebulaVideoJournal | Where-Object SavedTo | ForEach-Object { 'saved ' + $_.SavedTo }", table, ("container", container));

            Assert.Empty(first.Errors);
            var blobs = first.Objects<VideoBlob>().ToList();
            Assert.Equal(4, blobs.Count);
            Assert.Equal(4, _engine.PostsSince(since));
            foreach (var blob in blobs)
            {
                var stored = Container(container).GetBlobClient(blob.Name);
                Assert.Equal(_engine.Emulator.VideoBytes(blob.TaskId!), stored.DownloadContent().Value.Content.ToArray());
                Assert.Equal(stored.Uri, blob.Uri);
                Assert.Empty(blob.Uri.Query);
                Assert.Equal(_engine.Emulator.VideoBytes(blob.TaskId!).Length, blob.Length);
                Assert.Equal(blob.TaskId, stored.GetProperties().Value.Metadata[AzureBlobVideoStore.TaskMetadata]);
                Assert.Contains("saved " + blob.Uri, first.Objects<string>());
                Assert.NotNull(blob.Model);
            }
            // Named as files are: after the image, and by task id for text to video.
            var sora = blobs.Single(b => b.Model == "sora-2");
            Assert.Equal(sora.TaskId + ".mp4", sora.Name);
            Assert.Equal(new[] { "harbor.mp4", "sunrise.mp4", "tower.mp4" }, blobs.Where(b => b.Model != "sora-2").Select(b => b.Name).OrderBy(n => n));
            Assert.All(blobs.Where(b => b.Model != "sora-2"), b => Assert.Equal(Path.GetFileNameWithoutExtension(b.SourceImage), Path.GetFileNameWithoutExtension(b.Name)));

            // The same pipeline again (a runbook restarted): resumed from the table, no POST, no blob written again.
            var rerun = Run(Pipeline, table, ("container", container));

            Assert.Empty(rerun.Errors);
            Assert.Equal(4, _engine.PostsSince(since));
            Assert.Equal(blobs.OrderBy(b => b.Name).Select(b => (b.Name, b.TaskId, b.LastModified)),
                rerun.Objects<VideoBlob>().OrderBy(b => b.Name).Select(b => (b.Name, b.TaskId, b.LastModified)));
            Assert.Equal(4, rerun.Verbose.Count(v => v.Contains("already saved as", StringComparison.Ordinal)));
            AssertNoSecret(first);
            AssertNoSecret(rerun);
        }

        [StorageFact]
        public async System.Threading.Tasks.Task Downloads_cut_short_dropped_or_refused_mid_stream_end_as_whole_blobs_and_leave_nothing_else()
        {
            // Videos of two blocks and a bit, so a download that starts over has staged blocks to drop.
            await using var emulator = await NebulaVideo.Emulator.EmulatorServer.StartAsync(new NebulaVideo.Emulator.EmulatorOptions
            {
                PhaseDuration = TimeSpan.FromMilliseconds(200),
                VideoSizeBytes = 2 * 4 * 1024 * 1024 + 4321, // the store stages blocks of 4 MiB
                Faults = new NebulaVideo.Emulator.FaultPlan
                {
                    Rate = 0.3, Reads = true, Seed = 16,
                    Kinds = new[] { NebulaVideo.Emulator.FaultKind.TruncatedBody, NebulaVideo.Emulator.FaultKind.DropConnection, NebulaVideo.Emulator.FaultKind.ServerError, NebulaVideo.Emulator.FaultKind.ExpiredLink },
                },
            });
            var container = TestStorage.NewName("faulted");
            var batch = _scratch.DistinctCopies("batch", 8);

            var run = _engine.Run(@"
                Set-NebulaVideoRequestContext -RetryDelaySec 0.1 -MaxRetryDelaySec 1 -MaxRetry 10 | Out-Null
                Connect-NebulaVideoStorage -ConnectionString $storage
                Get-ChildItem $batch -Filter *.png | New-NebulaVideo -Prompt 'faulted' | Wait-NebulaVideoTask -PollIntervalSec 0.2 |
                    Save-NebulaVideo -Container $container",
                gateway: emulator.GatewayUri,
                variables: new Dictionary<string, object?> { ["storage"] = EngineFixture.Secure(TestStorage.ConnectionString!), ["batch"] = batch, ["container"] = container });

            Assert.True(run.Errors.Count == 0, string.Join(" | ", run.Errors.Select(e => e.FullyQualifiedErrorId + ": " + e)));
            Assert.True(emulator.Requests.Count(r => r.Origin == "storage") > 8, "Some downloads should have been faulted and repeated.");
            var blobs = run.Objects<VideoBlob>().ToList();
            Assert.Equal(8, blobs.Count);
            foreach (var blob in blobs)
                Assert.True(emulator.VideoBytes(blob.TaskId!).AsSpan().SequenceEqual(Container(container).GetBlobClient(blob.Name).DownloadContent().Value.Content.ToArray()),
                    $"{blob.Name} should hold exactly the video of task {blob.TaskId}.");
            Assert.Equal(8, Container(container).GetBlobs().Count());
        }

        [StorageFact]
        public void Another_tasks_blob_in_the_way_is_that_items_error_and_kept_and_Force_replaces_it()
        {
            var container = TestStorage.NewName("videos");
            Container(container).Create();
            var theirs = new BinaryData(new byte[] { 0, 0, 0, 8, (byte)'f', (byte)'t', (byte)'y', (byte)'p', 1, 2, 3 });
            Container(container).UploadBlob("harbor.mp4", theirs);

            var run = Run(@"
                $tasks = Get-ChildItem $stills -Filter *.png | New-NebulaVideo -Prompt 'in the way' | Wait-NebulaVideoTask -PollIntervalSec 0.1
                $tasks | Save-NebulaVideo -Container $container
                'forced'
                $tasks | Where-Object SourceImage -like '*harbor.png' | Save-NebulaVideo -Container $container -Force", NewTable(), ("container", container));

            var error = run.SingleError();
            Assert.Equal("VideoBlobExists,NebulaVideo.Commands.SaveNebulaVideoCommand", error.FullyQualifiedErrorId);
            Assert.Equal(System.Management.Automation.ErrorCategory.ResourceExists, error.CategoryInfo.Category);
            Assert.EndsWith($"/{container}/harbor.mp4", error.TargetObject?.ToString(), StringComparison.Ordinal);
            var before = run.Output.TakeWhile(o => o.BaseObject as string != "forced").Select(o => o.BaseObject).OfType<VideoBlob>().ToList();
            Assert.Equal(new[] { "sunrise.mp4", "tower.mp4" }, before.Select(b => b.Name).OrderBy(n => n));
            var forced = run.Output.SkipWhile(o => o.BaseObject as string != "forced").Select(o => o.BaseObject).OfType<VideoBlob>().Single();
            Assert.Equal(_engine.Emulator.VideoBytes(forced.TaskId!), Container(container).GetBlobClient("harbor.mp4").DownloadContent().Value.Content.ToArray());
        }

        [StorageFact]
        public void SkipSaved_finds_the_blob_the_journal_table_recorded_even_under_another_name_template()
        {
            var container = TestStorage.NewName("videos");
            var table = NewTable();
            var first = Run(@"
                New-NebulaVideo -Prompt 'skip saved' -LiteralPath $harbor | Wait-NebulaVideoTask -PollIntervalSec 0.1 | Save-NebulaVideo -Container $container -NameTemplate '{image}-{model}'",
                table, ("container", container));
            var saved = first.Objects<VideoBlob>().Single();

            var again = Run(@"
                Get-NebulaVideoTask -FromJournal | Save-NebulaVideo -Container $container -SkipSaved -Verbose", table, ("container", container));

            Assert.Empty(again.Errors);
            Assert.Equal((saved.Name, saved.LastModified), again.Objects<VideoBlob>().Select(b => (b.Name, b.LastModified)).Single());
            Assert.Equal(new[] { "harbor-wan2.5-i2v-preview.mp4" }, Container(container).GetBlobs().Select(b => b.Name));
            Assert.Contains(again.Verbose, v => v.Contains("already saved as " + saved.Uri, StringComparison.Ordinal));
        }

        [StorageFact]
        public void A_runbooks_connection_string_variable_alone_is_enough_and_WhatIf_writes_nothing()
        {
            var container = TestStorage.NewName("videos");
            using var environment = new EnvironmentScope(("NEBULAVIDEO_STORAGE_CONNECTION_STRING", TestStorage.ConnectionString));

            var run = _engine.Run(@"
                $task = New-NebulaVideo -Prompt 'environment' -LiteralPath $harbor | Wait-NebulaVideoTask -PollIntervalSec 0.1
                $task | Save-NebulaVideo -Container $container -WhatIf
                'after WhatIf'
                $task | Save-NebulaVideo -Container $container",
                variables: new Dictionary<string, object?> { ["harbor"] = Path.Combine(_scratch.Stills, "harbor.png"), ["container"] = container });

            Assert.Empty(run.Errors);
            Assert.Contains($"/{container}/harbor.mp4", run.Host.Text, StringComparison.Ordinal);
            var saved = run.Objects<VideoBlob>().Single();
            Assert.Equal("harbor.mp4", saved.Name);
            Assert.True(Container(container).GetBlobClient("harbor.mp4").Exists().Value);
        }

        [StorageFact]
        public void WhatIf_creates_no_container()
        {
            var container = TestStorage.NewName("videos");
            var run = Run(@"
                New-NebulaVideo -Prompt 'what if' -LiteralPath $harbor | Wait-NebulaVideoTask -PollIntervalSec 0.1 | Save-NebulaVideo -Container $container -WhatIf",
                NewTable(), ("container", container));

            Assert.Empty(run.Errors);
            Assert.Empty(run.Objects<VideoBlob>());
            Assert.False(Container(container).Exists().Value);
        }

        [Fact]
        public void Without_a_storage_account_or_with_Path_too_it_stops_before_anything_is_downloaded()
        {
            using var environment = new EnvironmentScope(("NEBULAVIDEO_STORAGE_CONNECTION_STRING", null));
            var run = _engine.Run(@"
                $task = New-NebulaVideo -Prompt 'nowhere' -LiteralPath $harbor | Wait-NebulaVideoTask -PollIntervalSec 0.1
                try { $task | Save-NebulaVideo -Container videos } catch { 'caught ' + $_.FullyQualifiedErrorId }
                try { $task | Save-NebulaVideo -Container videos -Path ./videos } catch { 'caught ' + $_.FullyQualifiedErrorId }",
                variables: new Dictionary<string, object?> { ["harbor"] = Path.Combine(_scratch.Stills, "harbor.png") });

            Assert.Equal(new[] { "caught StorageNotConnected,NebulaVideo.Commands.SaveNebulaVideoCommand", "caught ParameterConflict,NebulaVideo.Commands.SaveNebulaVideoCommand" },
                run.Objects<string>());
        }

        [StorageFact]
        public void A_container_reached_by_SAS_takes_videos_in_that_container_only()
        {
            var container = TestStorage.NewName("videos");
            Container(container).Create();
            var sas = (string which) => Container(container).GenerateSasUri(which == "write"
                ? Azure.Storage.Sas.BlobContainerSasPermissions.Create | Azure.Storage.Sas.BlobContainerSasPermissions.Write | Azure.Storage.Sas.BlobContainerSasPermissions.Read
                : Azure.Storage.Sas.BlobContainerSasPermissions.Read, DateTimeOffset.UtcNow.AddHours(1)).Query.TrimStart('?');
            var write = sas("write");

            var run = _engine.Run(@"
                Connect-NebulaVideoStorage -ContainerUri $uri -WriteSasToken $write -ReadSasToken $read | ForEach-Object { 'videos go to ' + $_.VideoContainers }
                $task = New-NebulaVideo -Prompt 'by sas' -LiteralPath $harbor | Wait-NebulaVideoTask -PollIntervalSec 0.1
                $task | Save-NebulaVideo -Container elsewhere
                $task | Save-NebulaVideo -Container $container",
                variables: new Dictionary<string, object?>
                {
                    ["uri"] = Container(container).Uri, ["write"] = EngineFixture.Secure(write), ["read"] = EngineFixture.Secure(sas("read")),
                    ["container"] = container, ["harbor"] = Path.Combine(_scratch.Stills, "harbor.png"),
                });

            Assert.Contains("videos go to " + container, run.Objects<string>());
            var error = run.SingleError();
            Assert.StartsWith("StorageSettingInvalid,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
            Assert.Equal("elsewhere", error.TargetObject);
            var saved = run.Objects<VideoBlob>().Single();
            Assert.Equal(_engine.Emulator.VideoBytes(saved.TaskId!), Container(container).GetBlobClient("harbor.mp4").DownloadContent().Value.Content.ToArray());
            Assert.DoesNotContain(write, string.Join("\n", run.Output.Select(o => o.ToString()).Concat(run.Errors.Select(e => e.ToString())).Append(run.Host.Text)), StringComparison.Ordinal);
        }

        [Fact]
        public void A_connection_string_alone_registers_the_account_and_a_malformed_one_is_refused_at_once()
        {
            var run = _engine.Run(@"
                Connect-NebulaVideoStorage -ConnectionString $account
                'connected'
                Connect-NebulaVideoStorage -ConnectionString $malformed",
                variables: new Dictionary<string, object?>
                {
                    ["account"] = EngineFixture.Secure($"DefaultEndpointsProtocol=http;AccountName=none;AccountKey={Convert.ToBase64String(new byte[64])};BlobEndpoint=http://127.0.0.1:9/none"),
                    ["malformed"] = EngineFixture.Secure("AccountName=none;this is not one"),
                });

            Assert.Contains("connected", run.Objects<string>());
            var shown = run.Objects<StorageInfo>().Single();
            Assert.Equal(("none", "*", null), (shown.Account, shown.VideoContainers, shown.Container));
            var error = run.SingleError();
            Assert.StartsWith("StorageSettingInvalid,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
            Assert.DoesNotContain("this is not one", error.ToString(), StringComparison.Ordinal);
        }

        // No key or connection string in anything the run wrote, nor in the journal's rows (read back as entries).
        private static void AssertNoSecret(PSRun run)
        {
            var written = string.Join("\n", run.Output.Select(o => o.ToString()).Concat(run.Verbose).Concat(run.Errors.Select(e => e.ToString() + e.ErrorDetails?.RecommendedAction))
                .Append(run.Host.Text));
            Assert.DoesNotContain(TestStorage.AccountKey, written, StringComparison.Ordinal);
            Assert.DoesNotContain("sig=", written, StringComparison.Ordinal);
        }

        public void Dispose() => _scratch.Dispose();
    }
}
