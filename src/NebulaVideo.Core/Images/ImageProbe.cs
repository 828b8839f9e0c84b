using System;
using System.IO;

namespace NebulaVideo.Core.Images
{
    /// <summary>What the first bytes of an image say about it.</summary>
    public sealed record ImageInfo(ImageFormat Format, int Width, int Height)
    {
        public string MediaType => Format == ImageFormat.Png ? "image/png" : "image/jpeg";
        public bool IsLandscape => Width > Height;
    }

    /// <summary>
    /// Reads an image's format and dimensions from its header, without decoding pixels or taking a
    /// dependency on an imaging library (which would not load the same way in Windows PowerShell 5.1).
    /// </summary>
    public static class ImageProbe
    {
        private static readonly byte[] PngSignature = { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A };

        /// <summary>Returns null when the bytes are neither a PNG nor a JPEG with a readable size.</summary>
        public static ImageInfo? Probe(byte[] bytes)
        {
            if (bytes is null) throw new ArgumentNullException(nameof(bytes));
            if (StartsWith(bytes, PngSignature)) return ProbePng(bytes);
            if (bytes.Length > 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF) return ProbeJpeg(bytes);
            return null;
        }

        private static ImageInfo? ProbePng(byte[] b)
        {
            // The IHDR chunk always comes first: length(4) "IHDR"(4) width(4) height(4).
            if (b.Length < 24 || b[12] != (byte)'I' || b[13] != (byte)'H' || b[14] != (byte)'D' || b[15] != (byte)'R') return null;
            return new ImageInfo(ImageFormat.Png, ReadInt32BigEndian(b, 16), ReadInt32BigEndian(b, 20));
        }

        private static ImageInfo? ProbeJpeg(byte[] b)
        {
            // Walk the marker segments until a start-of-frame, which carries height then width.
            var i = 2;
            while (i + 9 < b.Length)
            {
                if (b[i] != 0xFF) return null;
                var marker = b[i + 1];
                if (marker == 0xFF) { i++; continue; }                      // fill byte
                if (marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7)) { i += 2; continue; }
                var length = (b[i + 2] << 8) | b[i + 3];
                if (IsStartOfFrame(marker))
                {
                    var height = (b[i + 5] << 8) | b[i + 6];
                    var width = (b[i + 7] << 8) | b[i + 8];
                    return new ImageInfo(ImageFormat.Jpeg, width, height);
                }
                if (length < 2) return null;
                i += 2 + length;
            }
            return null;
        }

        // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC), which share the range.
        private static bool IsStartOfFrame(byte marker) =>
            marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;

        private static bool StartsWith(byte[] bytes, byte[] prefix)
        {
            if (bytes.Length < prefix.Length) return false;
            for (var i = 0; i < prefix.Length; i++)
                if (bytes[i] != prefix[i]) return false;
            return true;
        }

        private static int ReadInt32BigEndian(byte[] b, int offset) =>
            (b[offset] << 24) | (b[offset + 1] << 16) | (b[offset + 2] << 8) | b[offset + 3];
    }
}
