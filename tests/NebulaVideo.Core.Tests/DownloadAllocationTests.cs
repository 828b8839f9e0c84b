using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using NebulaVideo.Core.Catalog;
using NebulaVideo.Core.Connections;
using NebulaVideo.Core.Gateways;
using NebulaVideo.Core.Http;
using NebulaVideo.Core.Images;
using NebulaVideo.Emulator;
using Xunit;

namespace NebulaVideo.Core.Tests
{
    /// <summary>Tests that count the bytes the whole process allocates: nothing else may run beside them.</summary>
    [CollectionDefinition(Name, DisableParallelization = true)]
    public sealed class AllocationCountCollection
    {
        public const string Name = "Allocation counts";
    }

    /// <summary>
    /// What a download costs the GC: a runbook saves thousands of small videos in a sandbox whose heap is capped (issue
    /// 16), where a fresh 1 MiB copy buffer per video is a large-object allocation each time, and the gen2 collections
    /// that come with them.
    /// </summary>
    [Collection(AllocationCountCollection.Name)]
    public sealed class DownloadAllocationTests : IAsyncLifetime
    {
        private EmulatorServer _emulator = null!;

        public async Task InitializeAsync() =>
            _emulator = await EmulatorServer.StartAsync(new EmulatorOptions { PhaseDuration = TimeSpan.FromMilliseconds(20) });

        public async Task DisposeAsync() => await _emulator.DisposeAsync();

        [Fact]
        public async Task Downloading_small_videos_over_and_over_allocates_far_less_than_a_copy_buffer_each()
        {
            var client = new GatewayClient(new GatewayConnection(Dialects.Nebula, _emulator.GatewayUri, GatewayConnection.SecureKey("sk-allocation"), "test"), ClientOptions.Default);
            var request = ModelCatalog.BuiltIn.Resolve(new VideoRequest
            {
                Prompt = "waves", Image = ImageInput.FromFile(Seed.RepoFile("samples", "stills", "harbor.png"), 5 << 20),
            });
            var task = await client.SubmitAsync(request, ModelCatalog.BuiltIn.Get("wan2.5-i2v-preview"), CancellationToken.None);
            for (var i = 0; i < 100 && !task.IsFinished; i++)
            {
                await Task.Delay(20);
                task = await client.GetTaskAsync(task, CancellationToken.None);
            }
            Assert.Equal(VideoStatus.Succeeded, task.Status);
            var video = new MemoryStream(capacity: 64 * 1024);

            // Warm: connections, JIT, the buffers a pool may hand out to each thread the first time.
            for (var i = 0; i < 50; i++) await client.DownloadAsync(task, video, null, CancellationToken.None);
            const int downloads = 200;
            var before = GC.GetTotalAllocatedBytes(precise: true);
            for (var i = 0; i < downloads; i++) await client.DownloadAsync(task, video, null, CancellationToken.None);
            var perDownload = (GC.GetTotalAllocatedBytes(precise: true) - before) / downloads;

            Assert.Equal(_emulator.VideoBytes(task.TaskId), video.ToArray());
            // Both ends of the loopback are in this process: the emulator's answer and the client's request count too.
            // A 1 MiB buffer per video would be 1,048,576 bytes at least.
            Assert.True(perDownload < 256 * 1024, $"Each download of a {video.Length}-byte video allocated {perDownload} bytes.");
        }
    }
}
