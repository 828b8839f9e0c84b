using System;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using NebulaVideo.Core.Http;

namespace NebulaVideo.Core.Downloads
{
    /// <summary>
    /// What the download envelope said besides the video itself. Without a video (<see cref="FoundVideo"/>
    /// false), <see cref="Skeleton"/> is the whole answer, for the dialect to read as an error.
    /// </summary>
    public sealed record DownloadEnvelope(bool Success, long? Size, string? TaskId, long BytesWritten, bool FoundVideo, string Skeleton);

    /// <summary>
    /// Streams the "base64" field of a download answer (sora-2's on the Nebula gateway) straight into a file while the answer is
    /// still arriving. A video of hundreds of megabytes is never held in memory, not even once: the JSON is
    /// scanned byte by byte, the base64 text decoded in fixed-size blocks, and everything else in the
    /// envelope kept as a small skeleton that is parsed afterwards.
    /// </summary>
    public static class Base64VideoReader
    {
        private const int ReadBufferSize = 64 * 1024;
        private const int CharBlock = 64 * 1024; // a multiple of 4, so every block decodes on its own

        public static async Task<DownloadEnvelope> CopyAsync(Stream json, Stream destination, Action<long>? onBytesWritten,
            CancellationToken cancellationToken)
        {
            var skeleton = new MemoryStream();
            // One block of base64 text and one of decoded video, reused to the end: a video of any size costs
            // these two buffers, not an allocation per block for the collector to catch up with.
            var chars = new byte[CharBlock];
            var decoded = new byte[CharBlock / 4 * 3];
            var charCount = 0;
            long written = 0;
            var buffer = new byte[ReadBufferSize];

            var depth = 0;
            var inString = false;
            var escaped = false;
            var streaming = false;     // inside the base64 value
            var lastKey = new StringBuilder();
            var keyComplete = string.Empty;
            var afterColon = false;    // next string at depth 1 is a value
            var readingKey = false;
            var foundVideo = false;

            int read;
            while ((read = await json.ReadAsync(buffer, 0, buffer.Length, cancellationToken).ConfigureAwait(false)) > 0)
            {
                for (var i = 0; i < read; i++)
                {
                    var b = buffer[i];
                    if (streaming)
                    {
                        if (escaped) { escaped = false; }                   // "\/" is a legal spelling of '/'
                        else if (b == (byte)'\\') { escaped = true; continue; }
                        else if (b == (byte)'"')
                        {
                            streaming = false;
                            inString = false;
                            skeleton.WriteByte(b);
                            continue;
                        }
                        if (b == (byte)'\r' || b == (byte)'\n' || b == (byte)' ') continue;
                        chars[charCount++] = b;
                        if (charCount == CharBlock)
                        {
                            written += await FlushAsync(chars, charCount, decoded, last: false, destination, cancellationToken).ConfigureAwait(false);
                            charCount = 0;
                            onBytesWritten?.Invoke(written);
                        }
                        continue;
                    }

                    skeleton.WriteByte(b);
                    if (inString)
                    {
                        if (escaped) escaped = false;
                        else if (b == (byte)'\\') escaped = true;
                        else if (b == (byte)'"')
                        {
                            inString = false;
                            if (readingKey) { keyComplete = lastKey.ToString(); readingKey = false; }
                        }
                        else if (readingKey && lastKey.Length < 64) lastKey.Append((char)b);
                        continue;
                    }

                    switch (b)
                    {
                        case (byte)'{': case (byte)'[': depth++; afterColon = false; break;
                        case (byte)'}': case (byte)']': depth--; afterColon = false; break;
                        case (byte)',': afterColon = false; break;
                        case (byte)':': afterColon = true; break;
                        case (byte)'"':
                            inString = true;
                            if (depth == 1 && !afterColon) { readingKey = true; lastKey.Clear(); }
                            else if (depth == 1 && afterColon && keyComplete == "base64")
                            {
                                streaming = true;
                                foundVideo = true;
                            }
                            break;
                    }
                }
            }

            if (charCount > 0) written += await FlushAsync(chars, charCount, decoded, last: true, destination, cancellationToken).ConfigureAwait(false);
            onBytesWritten?.Invoke(written);

            skeleton.Position = 0;
            var text = new StreamReader(skeleton, Encoding.UTF8).ReadToEnd();
            using var doc = Json.Parse(text);
            System.Text.Json.JsonElement? root = doc.RootElement;
            return new DownloadEnvelope(root.Bool("success") ?? foundVideo, root.Long("size"), root.Str("task_id"), written, foundVideo, text);
        }

        /// <summary>Decodes one block (a whole number of base64 quads, but for the last) into the reused buffer and writes it.</summary>
        private static async Task<long> FlushAsync(byte[] base64, int count, byte[] decoded, bool last, Stream destination, CancellationToken cancellationToken)
        {
            var status = System.Buffers.Text.Base64.DecodeFromUtf8(new ReadOnlySpan<byte>(base64, 0, count), decoded, out var consumed, out var produced, isFinalBlock: last);
            if (status != System.Buffers.OperationStatus.Done || consumed != count)
                throw new NebulaVideoException(ErrorIds.DownloadCorrupt,
                    "The gateway's download answer holds invalid base64 data.", null, "Try the download again.");
            await destination.WriteAsync(decoded, 0, produced, cancellationToken).ConfigureAwait(false);
            return produced;
        }
    }
}
