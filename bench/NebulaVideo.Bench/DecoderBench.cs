using System;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using NebulaVideo.Core.Downloads;

namespace NebulaVideo.Bench;

/// <summary>
/// How the sora-2 download decoder behaves as videos grow: throughput, and the bytes it allocates and holds while a
/// video of N MB streams through it. A decoder that buffered the video would allocate and peak at several times N;
/// a streaming one stays flat.
/// </summary>
internal static class DecoderBench
{
    public static async Task RunAsync(int[] sizesMb)
    {
        Console.WriteLine("video MB | decode MB/s | allocated MB | peak managed MB");
        foreach (var megabytes in sizesMb)
        {
            var video = new byte[megabytes * 1024 * 1024];
            new Random(megabytes).NextBytes(video);
            var envelope = Encoding.ASCII.GetBytes(
                $"{{\"success\": true, \"task_id\": \"video_bench\", \"format\": \"mp4\", \"size\": {video.Length}, \"base64\": \"{Convert.ToBase64String(video)}\"}}");
            video = null!;

            GC.Collect();
            GC.WaitForPendingFinalizers();
            var baseline = GC.GetTotalMemory(forceFullCollection: true);
            var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            long peak = 0;
            using (var sampler = new Timer(_ => Interlocked.Exchange(ref peak, Math.Max(Interlocked.Read(ref peak), GC.GetTotalMemory(false) - baseline)), null, 0, 5))
            {
                var clock = Stopwatch.StartNew();
                await Base64VideoReader.CopyAsync(new MemoryStream(envelope, writable: false), Stream.Null, null, CancellationToken.None);
                clock.Stop();

                var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
                Console.WriteLine($"{megabytes,8} | {megabytes / clock.Elapsed.TotalSeconds,11:0} | {allocated / 1048576.0,12:0.0} | {Interlocked.Read(ref peak) / 1048576.0,15:0.0}");
            }
            envelope = null!;
        }
    }
}
