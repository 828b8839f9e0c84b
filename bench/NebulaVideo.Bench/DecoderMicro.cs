using System;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using NebulaVideo.Core.Downloads;

namespace NebulaVideo.Bench;

/// <summary>
/// The micro part, with BenchmarkDotNet (--micro): the sora-2 base64 decoder on an in-memory envelope, time and
/// allocations per decode. In-process (no generated project to build), a short job, so it takes about a minute.
/// </summary>
[MemoryDiagnoser]
public class DecoderMicro
{
    private byte[] _envelope = Array.Empty<byte>();

    [Params(1, 16)]
    public int Megabytes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var video = new byte[Megabytes * 1024 * 1024];
        new Random(Megabytes).NextBytes(video);
        _envelope = Encoding.ASCII.GetBytes(
            $"{{\"success\": true, \"task_id\": \"video_bench\", \"format\": \"mp4\", \"size\": {video.Length}, \"base64\": \"{Convert.ToBase64String(video)}\"}}");
    }

    [Benchmark]
    public Task Decode() => Base64VideoReader.CopyAsync(new MemoryStream(_envelope, writable: false), Stream.Null, null, CancellationToken.None);

    public static void Run()
    {
        var config = ManualConfig.Create(DefaultConfig.Instance)
            .AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance))
            .WithOptions(ConfigOptions.DisableOptimizationsValidator | ConfigOptions.JoinSummary)
            // Its reports go to the temp folder, not into the checkout.
            .WithArtifactsPath(Path.Combine(Path.GetTempPath(), "nebulavideo-bench-artifacts"));
        BenchmarkRunner.Run<DecoderMicro>(config);
    }
}
