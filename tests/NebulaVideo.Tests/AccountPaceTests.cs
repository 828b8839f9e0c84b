using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using System.Management.Automation;
using NebulaVideo.Core;
using NebulaVideo.Emulator;
using Xunit;

namespace NebulaVideo.Tests
{
    /// <summary>
    /// A batch goes at the account's pace: an account that runs only so many tasks at once (and says so only
    /// by refusing creates with 429) loses no image and pays for none twice, told or not.
    /// </summary>
    [Collection(EngineCollection.Name)]
    public sealed class AccountPaceTests
    {
        private const int Images = 12;

        private readonly EngineFixture _engine;

        public AccountPaceTests(EngineFixture engine) => _engine = engine;

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public async Task An_account_cap_nobody_told_the_module_holds_images_instead_of_dropping_them(bool retryAfter)
        {
            // No task finishes until the cap has been met (however slowly this machine submits); then the
            // emulator's time runs at the wall clock's pace.
            var clock = new ManualClock();
            await using var emulator = await Start(cap: 4, retryAfter, clock);
            using var scratch = Batch();
            using var done = new CancellationTokenSource();
            var ticker = Task.Run(async () =>
            {
                for (var i = 0; i < 600 && emulator.AccountLimitRefusals == 0 && !done.IsCancellationRequested; i++) await Task.Delay(50);
                while (!done.IsCancellationRequested)
                {
                    clock.Advance(TimeSpan.FromMilliseconds(50));
                    await Task.Delay(50);
                }
            });

            var run = _engine.Run(@"
                Get-ChildItem $batch -Filter *.png | New-NebulaVideo -Prompt 'the account sets the pace' -PollIntervalSec 0.2 -Verbose |
                    Wait-NebulaVideoTask -PollIntervalSec 0.2 | Save-NebulaVideo -Path $videos",
                gateway: emulator.GatewayUri, variables: Variables(scratch));
            done.Cancel();
            await ticker;

            Assert.Empty(run.Errors);
            Assert.Equal(Images, Directory.GetFiles(scratch.Videos, "*.mp4").Length);
            Assert.Equal(Images, emulator.CreatedTaskCount);
            Assert.Equal(0, emulator.DuplicateSubmissionCount);
            Assert.True(emulator.AccountLimitRefusals > 0, "The cap should have been met.");
            Assert.True(emulator.PeakConcurrentTasks <= 4);
            Assert.Contains(run.Verbose, v => v.Contains("holding the rest", StringComparison.Ordinal));
        }

        [Fact]
        public async Task ThrottleLimit_keeps_the_batch_within_it_and_writes_each_task_as_it_finishes()
        {
            await using var emulator = await Start(cap: 4, retryAfter: false);
            using var scratch = Batch();

            var run = _engine.Run(@"
                Get-ChildItem $batch -Filter *.png | New-NebulaVideo -Prompt 'three at a time' -ThrottleLimit 3 -PollIntervalSec 0.2 |
                    ForEach-Object { [pscustomobject]@{ Task = $_; WrittenAt = [DateTimeOffset]::UtcNow } }",
                gateway: emulator.GatewayUri, variables: Variables(scratch));

            Assert.Empty(run.Errors);
            var written = run.Output.Select(o => (Task: (VideoTask)Value(o, "Task"), At: (DateTimeOffset)Value(o, "WrittenAt"))).ToList();
            Assert.Equal(Images, written.Count);
            Assert.All(written, w => Assert.Equal(VideoStatus.Succeeded, w.Task.Status));
            Assert.Equal(0, emulator.AccountLimitRefusals);
            Assert.True(emulator.PeakConcurrentTasks <= 3, $"At most 3 at once, saw {emulator.PeakConcurrentTasks}.");
            // The first video flowed on long before the last image was even submitted.
            var lastPost = emulator.Requests.Where(r => r.Method == "POST").Max(r => r.ReceivedAt);
            Assert.True(written.Min(w => w.At) < lastPost, "Finished tasks should be written while the batch is still being submitted.");
        }

        [Fact]
        public async Task A_ThrottleLimit_above_the_accounts_cap_is_lowered_to_it_without_a_lost_or_doubled_task()
        {
            await using var emulator = await Start(cap: 3, retryAfter: false);
            using var scratch = Batch();

            var run = _engine.Run(@"
                Get-ChildItem $batch -Filter *.png | New-NebulaVideo -Prompt 'more than the account allows' -ThrottleLimit 8 -PollIntervalSec 0.2",
                gateway: emulator.GatewayUri, variables: Variables(scratch));

            Assert.Empty(run.Errors);
            Assert.Equal(Images, run.Objects<VideoTask>().Count(t => t.Status == VideoStatus.Succeeded));
            Assert.Equal(Images, emulator.CreatedTaskCount);
            Assert.Equal(0, emulator.DuplicateSubmissionCount);
            Assert.True(emulator.PeakConcurrentTasks <= 3);
        }

        private static object Value(PSObject row, string name) =>
            row.Properties[name].Value is PSObject wrapped ? wrapped.BaseObject : row.Properties[name].Value;

        private static Task<EmulatorServer> Start(int cap, bool retryAfter, TimeProvider? clock = null) => EmulatorServer.StartAsync(new EmulatorOptions
        {
            PhaseDuration = TimeSpan.FromMilliseconds(400),
            AccountTaskLimit = cap,
            AccountLimitRetryAfter = retryAfter,
            Clock = clock ?? TimeProvider.System,
        });

        private ScratchFolder Batch()
        {
            var scratch = new ScratchFolder(_engine.Stills);
            scratch.DistinctCopies("batch", Images);
            return scratch;
        }

        private static Dictionary<string, object?> Variables(ScratchFolder scratch) => new()
        {
            ["batch"] = scratch["batch"],
            ["videos"] = scratch.Videos,
        };
    }
}
