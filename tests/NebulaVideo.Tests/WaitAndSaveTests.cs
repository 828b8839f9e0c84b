using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using NebulaVideo.Core;
using NebulaVideo.Emulator;
using Xunit;

namespace NebulaVideo.Tests
{
    [Collection(EngineCollection.Name)]
    public sealed class WaitAndSaveTests
    {
        private readonly EngineFixture _engine;

        public WaitAndSaveTests(EngineFixture engine) => _engine = engine;

        [Fact]
        public void A_failed_task_is_an_error_carrying_the_task_and_the_providers_reason()
        {
            using var scratch = new ScratchFolder(_engine.Stills);
            var run = _engine.Run("New-NebulaVideo -Prompt 'emulator:fail please' -Path $image | Wait-NebulaVideoTask -PollIntervalSec 0.2",
                variables: new Dictionary<string, object?> { ["image"] = Path.Combine(scratch.Stills, "harbor.png") });

            Assert.Empty(run.Output);
            var error = run.SingleError();
            Assert.Equal("TaskFailed,NebulaVideo.Commands.WaitNebulaVideoTaskCommand", error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.InvalidResult, error.CategoryInfo.Category);
            var task = Assert.IsType<VideoTask>(error.TargetObject);
            Assert.Equal(VideoStatus.Failed, task.Status);
            Assert.False(string.IsNullOrEmpty(task.ErrorCode));
            Assert.Contains(task.ErrorCode!, error.Exception.Message);
            Assert.Equal("InvalidParameter.DataInspection", Assert.IsType<TaskFailedException>(error.Exception).ProviderCode);
        }

        [Fact]
        public void Save_refuses_to_overwrite_without_Force_and_leaves_the_old_file_untouched()
        {
            using var scratch = new ScratchFolder(_engine.Stills);
            Directory.CreateDirectory(scratch.Videos);
            var existing = Path.Combine(scratch.Videos, "harbor.mp4");
            File.WriteAllText(existing, "precious");

            var run = _engine.Run(@"
                $task = New-NebulaVideo -Prompt p -Path $image -Wait -PollIntervalSec 0.2
                $task | Save-NebulaVideo -Path $videos
                $task | Save-NebulaVideo -Path $videos -Force",
                variables: new Dictionary<string, object?> { ["image"] = Path.Combine(scratch.Stills, "harbor.png"), ["videos"] = scratch.Videos });

            var error = run.SingleError();
            Assert.Equal("FileExists,NebulaVideo.Commands.SaveNebulaVideoCommand", error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.ResourceExists, error.CategoryInfo.Category);
            Assert.Equal(existing, error.TargetObject);
            var saved = Assert.Single(run.Objects<FileInfo>());
            Assert.Equal(existing, saved.FullName);
            Assert.Equal("ftyp", System.Text.Encoding.ASCII.GetString(File.ReadAllBytes(existing), 4, 4));
            Assert.Single(Directory.GetFiles(scratch.Videos, "*", SearchOption.AllDirectories));
        }

        [Fact]
        public void Save_to_a_file_name_takes_one_task_and_WhatIf_writes_nothing()
        {
            using var scratch = new ScratchFolder(_engine.Stills);
            var target = Path.Combine(scratch.Videos, "clip.mp4");
            var run = _engine.Run(@"
                $task = New-NebulaVideo -Prompt p -Path $image -Wait -PollIntervalSec 0.2
                $task | Save-NebulaVideo -Path $target -WhatIf
                $task | Save-NebulaVideo -Path $target",
                variables: new Dictionary<string, object?> { ["image"] = Path.Combine(scratch.Stills, "harbor.png"), ["target"] = target });

            Assert.Empty(run.Errors);
            Assert.Equal(target, Assert.Single(run.Objects<FileInfo>()).FullName);
            Assert.Contains("What if:", run.Host.Text);
            Assert.Single(Directory.GetFiles(scratch.Videos));
        }

        [Fact]
        public void An_expired_video_is_reported_and_nothing_half_written_stays_on_disk()
        {
            using var scratch = new ScratchFolder(_engine.Stills);
            var first = _engine.Run("New-NebulaVideo -Prompt p -Path $image -Wait -PollIntervalSec 0.2",
                variables: new Dictionary<string, object?> { ["image"] = Path.Combine(scratch.Stills, "harbor.png") });
            var task = Assert.Single(first.Objects<VideoTask>());
            _engine.Emulator.ExpireTask(task.TaskId);

            // The stale task still holds the old link; the storage host now refuses it.
            var stale = _engine.Run("$task | Save-NebulaVideo -Path $videos",
                variables: new Dictionary<string, object?> { ["task"] = task, ["videos"] = scratch.Videos });
            Assert.Equal("VideoExpired", stale.SingleError().FullyQualifiedErrorId.Split(',')[0]);

            // A fresh read sees the gateway's "expired" and says so without downloading.
            var fresh = _engine.Run("$task | Get-NebulaVideoTask | Save-NebulaVideo -Path $videos",
                variables: new Dictionary<string, object?> { ["task"] = task, ["videos"] = scratch.Videos });
            Assert.Equal("VideoExpired", fresh.SingleError().FullyQualifiedErrorId.Split(',')[0]);

            Assert.False(Directory.Exists(scratch.Videos) && Directory.EnumerateFileSystemEntries(scratch.Videos).Any(),
                "No file, partial or complete, may remain.");
        }

        [Fact]
        public async Task TimeoutSec_reports_each_unfinished_task_as_an_error_with_the_task()
        {
            await using var slow = await EmulatorServer.StartAsync(new EmulatorOptions { PhaseDuration = TimeSpan.FromHours(1) });
            var run = _engine.Run("New-NebulaVideo -Prompt p -Model sora-2 | Wait-NebulaVideoTask -TimeoutSec 1 -PollIntervalSec 0.2",
                gateway: slow.GatewayUri);

            Assert.Empty(run.Output);
            var error = run.SingleError();
            Assert.Equal("WaitTimeout,NebulaVideo.Commands.WaitNebulaVideoTaskCommand", error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.OperationTimeout, error.CategoryInfo.Category);
            Assert.Equal(VideoStatus.Queued, Assert.IsType<VideoTask>(error.TargetObject).Status);
        }

        [Fact]
        public async Task Stopping_the_pipeline_ends_the_wait_at_once_and_polling_stops()
        {
            await using var slow = await EmulatorServer.StartAsync(new EmulatorOptions { PhaseDuration = TimeSpan.FromHours(1) });
            var host = new CapturingHost();
            using var runspace = System.Management.Automation.Runspaces.RunspaceFactory.CreateRunspace(host, System.Management.Automation.Runspaces.InitialSessionState.CreateDefault2());
            runspace.Open();
            using var ps = PowerShell.Create();
            ps.Runspace = runspace;
            ps.AddScript(@"
                Import-Module $manifest
                Connect-NebulaVideo -ApiKey $key -BaseUri $gateway | Out-Null
                New-NebulaVideo -Prompt p -Model sora-2 | Wait-NebulaVideoTask -PollIntervalSec 0.2");
            runspace.SessionStateProxy.SetVariable("manifest", _engine.ModuleManifest);
            runspace.SessionStateProxy.SetVariable("key", EngineFixture.Secure(EngineFixture.ApiKey));
            runspace.SessionStateProxy.SetVariable("gateway", slow.GatewayUri);
            // A runspace of its own, so it is pointed at a test journal here (the fixture's runspaces get one too).
            runspace.SessionStateProxy.SetVariable("NebulaVideoJournalPath", Path.Combine(_engine.JournalFolder, Guid.NewGuid().ToString("N") + ".jsonl"));

            var invocation = ps.BeginInvoke();
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (slow.Requests.Count(r => r.Method == "GET") < 2 && DateTime.UtcNow < deadline) Thread.Sleep(50);
            Assert.True(slow.Requests.Count(r => r.Method == "GET") >= 2, "The wait never started polling.");

            ps.Stop();
            Assert.True(invocation.IsCompleted, "Stop returned before the pipeline ended.");
            Assert.Equal(PSInvocationState.Stopped, ps.InvocationStateInfo.State);
            Thread.Sleep(1000); // lets a read already on the wire when Stop came arrive and be counted, however busy the machine
            var pollsAtStop = slow.Requests.Count(r => r.Method == "GET");
            Thread.Sleep(1000); // five poll intervals: a live poller would show up here
            Assert.Equal(pollsAtStop, slow.Requests.Count(r => r.Method == "GET"));
        }

        [Fact]
        public void The_api_key_appears_nowhere_but_the_gateways_authorization_header()
        {
            using var scratch = new ScratchFolder(_engine.Stills);
            var since = DateTimeOffset.UtcNow;
            var run = _engine.Run(@"
                $VerbosePreference = 'Continue'
                Get-NebulaVideoModel | Out-Null
                $tasks = Get-ChildItem $stills -Filter *.png | New-NebulaVideo -Prompt p -Verbose
                $tasks | Wait-NebulaVideoTask -PollIntervalSec 0.2 -Verbose | Save-NebulaVideo -Path $videos -Verbose | Out-Null
                $tasks | Format-List * | Out-String
                Get-Variable | Out-String
                New-NebulaVideo -Prompt 'emulator:fail' -Path (Join-Path $stills harbor.png) -Wait -PollIntervalSec 0.2",
                variables: new Dictionary<string, object?> { ["stills"] = scratch.Stills, ["videos"] = scratch.Videos });

            var everything = string.Join("\n", run.Output.Select(o => o?.ToString()))
                + string.Join("\n", run.Verbose) + run.Host.Text
                + string.Join("\n", run.Errors.Select(e => e.ToString() + e.Exception + e.TargetObject + e.ErrorDetails?.RecommendedAction));
            Assert.NotEmpty(run.Verbose);
            Assert.DoesNotContain(EngineFixture.ApiKey, everything);
            foreach (var request in _engine.Emulator.Requests.Where(r => r.ReceivedAt >= since))
            {
                if (request.Origin == "storage") Assert.Null(request.Authorization);
                Assert.DoesNotContain(EngineFixture.ApiKey, request.PathAndQuery + request.Body);
            }
        }

        [Fact]
        public void The_environment_alone_configures_key_and_gateway()
        {
            using var scratch = new ScratchFolder(_engine.Stills);
            Environment.SetEnvironmentVariable("NEBULA_API_KEY", "sk-from-environment");
            Environment.SetEnvironmentVariable("NEBULA_BASE_URI", _engine.Emulator.GatewayUri.ToString());
            try
            {
                var since = DateTimeOffset.UtcNow;
                var run = _engine.Run("New-NebulaVideo -Prompt p -Model sora-2", apiKey: null);
                Assert.Empty(run.Errors);
                Assert.Single(run.Objects<VideoTask>());
                Assert.Equal("Bearer sk-from-environment", _engine.Emulator.Requests.Single(r => r.ReceivedAt >= since && r.Method == "POST").Authorization);
            }
            finally
            {
                Environment.SetEnvironmentVariable("NEBULA_API_KEY", null);
                Environment.SetEnvironmentVariable("NEBULA_BASE_URI", null);
            }
        }

        [Fact]
        public void A_runbook_on_the_environment_alone_keeps_one_client_per_connection_in_each_cmdlet()
        {
            using var scratch = new ScratchFolder(_engine.Stills);
            var folder = scratch.DistinctCopies("many", 6);
            using var environment = new EnvironmentScope(("NEBULA_API_KEY", "sk-from-environment"), ("NEBULA_BASE_URI", _engine.Emulator.GatewayUri.ToString()));

            var run = _engine.Run(@"
                $DebugPreference = 'Continue'
                Get-ChildItem $folder -Filter *.png | New-NebulaVideo -Prompt 'one client' |
                    Wait-NebulaVideoTask -PollIntervalSec 0.1 | Save-NebulaVideo -Path $videos",
                apiKey: null, variables: new Dictionary<string, object?> { ["folder"] = folder, ["videos"] = scratch.Videos });

            Assert.Empty(run.Errors);
            Assert.Equal(6, run.Objects<FileInfo>().Count());
            // New, Wait and Save each built one client for the environment's connection, not one for every item.
            Assert.Equal(3, System.Text.RegularExpressions.Regex.Matches(run.Host.Text, "A client for connection 'Nebula'").Count);
        }
    }
}
