using System;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using NebulaVideo.Core.Downloads;
using Xunit;

namespace NebulaVideo.Core.Tests
{
    public sealed class Base64VideoReaderTests
    {
        private const string ElidedBase64 = "AAAAIGZ0eXBpc29tAAACAGlzb21pc28yYXZjMW1wNDEAAAAIZnJlZQAAB...";

        [Fact]
        public async Task The_documented_envelope_with_its_trailing_comma_decodes_in_tiny_chunks()
        {
            var video = new byte[300_000];
            new Random(7).NextBytes(video);
            // The seed's envelope exactly, with a real video where the document elides its base64.
            var json = Seed.Json("sora2-download").Replace(ElidedBase64, Convert.ToBase64String(video)).Replace("15728640", video.Length.ToString());
            var output = new MemoryStream();

            var envelope = await Base64VideoReader.CopyAsync(new TrickleStream(Encoding.ASCII.GetBytes(json)), output, null, CancellationToken.None);

            Assert.Equal(video, output.ToArray());
            Assert.True(envelope.Success);
            Assert.Equal(video.Length, envelope.Size);
            Assert.Equal("video_1234567890abcdef", envelope.TaskId);
            Assert.Equal(video.Length, envelope.BytesWritten);
        }

        [Fact]
        public async Task The_documents_elided_sample_is_refused_as_corrupt_rather_than_written()
        {
            var output = new MemoryStream();
            var ex = await Assert.ThrowsAsync<NebulaVideoException>(() =>
                Base64VideoReader.CopyAsync(new MemoryStream(Encoding.ASCII.GetBytes(Seed.Json("sora2-download"))), output, null, CancellationToken.None));
            Assert.Equal("DownloadCorrupt", ex.Id.Name);
        }

        [Fact]
        public async Task Escaped_slashes_and_any_key_order_are_understood()
        {
            var video = new byte[70_000];
            new Random(3).NextBytes(video);
            var base64 = Convert.ToBase64String(video).Replace("/", "\\/");
            var json = $"{{\"base64\":\"{base64}\",\"note\":\"a \\\"base64\\\" lookalike\",\"size\":{video.Length},\"success\":true}}";
            var output = new MemoryStream();

            var envelope = await Base64VideoReader.CopyAsync(new TrickleStream(Encoding.ASCII.GetBytes(json)), output, null, CancellationToken.None);

            Assert.Equal(video, output.ToArray());
            Assert.Equal(video.Length, envelope.Size);
        }

        [Fact]
        public async Task An_envelope_without_a_video_is_handed_back_whole_for_the_dialect_to_read_as_an_error()
        {
            var output = new MemoryStream();
            var envelope = await Base64VideoReader.CopyAsync(
                new MemoryStream(Encoding.ASCII.GetBytes("{\"success\":false,\"message\":\"not ready\"}")), output, null, CancellationToken.None);
            Assert.False(envelope.FoundVideo);
            Assert.Equal(0, output.Length);
            Assert.Contains("not ready", Gateways.Dialects.Nebula.ParseError(200, envelope.Skeleton).Message);
        }

        /// <summary>Hands out 1 to 7 bytes per read, as a slow network might.</summary>
        private sealed class TrickleStream : MemoryStream
        {
            private readonly Random _random = new Random(42);

            public TrickleStream(byte[] bytes) : base(bytes, writable: false) { }

            public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, _random.Next(1, 8)));

            public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
                Task.FromResult(Read(buffer, offset, count));
        }
    }
}
