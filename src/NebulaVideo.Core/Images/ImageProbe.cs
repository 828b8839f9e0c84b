using System;

namespace NebulaVideo.Core.Images
{
    /// <summary>What the first bytes of an image say about it.</summary>
    /// <param name="Format">PNG, JPEG, BMP or WebP.</param>
    /// <param name="Width">Width in pixels (a WebP's canvas).</param>
    /// <param name="Height">Height in pixels, positive also for a top-down BMP.</param>
    /// <param name="HasAlpha">
    /// The header declares an alpha (transparency) channel or a transparent colour: a PNG of colour type 4 or 6 or with
    /// a tRNS chunk, a WebP whose VP8X alpha flag or VP8L alpha hint is set, a 32-bit BMP with bit fields and a non-zero
    /// alpha mask. It says what the file can hold, not whether a pixel is actually transparent. Never true for a JPEG.
    /// </param>
    public sealed record ImageInfo(ImageFormat Format, int Width, int Height, bool HasAlpha = false)
    {
        public string MediaType => Format switch
        {
            ImageFormat.Png => "image/png",
            ImageFormat.Bmp => "image/bmp",
            ImageFormat.WebP => "image/webp",
            _ => "image/jpeg",
        };

        public bool IsLandscape => Width > Height;
    }

    /// <summary>
    /// Reads an image's format, dimensions and whether it declares transparency from its header, without decoding
    /// pixels or taking a dependency on an imaging library (which would not load the same way in Windows PowerShell 5.1).
    /// PNG, JPEG, BMP and WebP; anything else, or a header too damaged to give a size, is null.
    /// </summary>
    public static class ImageProbe
    {
        /// <summary>The formats read, as messages name them.</summary>
        public const string FormatNames = "PNG, JPEG, BMP or WebP";

        private static readonly byte[] PngSignature = { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A };

        /// <summary>Returns null when the bytes are not a PNG, JPEG, BMP or WebP with a readable size.</summary>
        public static ImageInfo? Probe(byte[] bytes)
        {
            if (bytes is null) throw new ArgumentNullException(nameof(bytes));
            if (StartsWith(bytes, PngSignature)) return ProbePng(bytes);
            if (bytes.Length > 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF) return ProbeJpeg(bytes);
            if (bytes.Length > 2 && bytes[0] == (byte)'B' && bytes[1] == (byte)'M') return ProbeBmp(bytes);
            if (bytes.Length >= 12 && IsFourCC(bytes, 0, "RIFF") && IsFourCC(bytes, 8, "WEBP")) return ProbeWebP(bytes);
            return null;
        }

        // ---- PNG ----------------------------------------------------------------------------------------

        private static ImageInfo? ProbePng(byte[] b)
        {
            // The IHDR chunk always comes first: length(4) "IHDR"(4) width(4) height(4) bit depth(1) colour type(1).
            if (b.Length < 26 || !IsFourCC(b, 12, "IHDR")) return null;
            var width = ReadInt32BigEndian(b, 16);
            var height = ReadInt32BigEndian(b, 20);
            if (width <= 0 || height <= 0) return null;
            var colourType = b[25];
            // 4 is grey with alpha, 6 is RGB with alpha; any other type is transparent only through a tRNS chunk.
            var hasAlpha = colourType == 4 || colourType == 6 || PngHasTransparencyChunk(b);
            return new ImageInfo(ImageFormat.Png, width, height, hasAlpha);
        }

        /// <summary>A tRNS chunk among the chunks before the image data (where the format puts it).</summary>
        private static bool PngHasTransparencyChunk(byte[] b)
        {
            // Chunks, from IHDR on: length(4) type(4) data(length) CRC(4).
            long i = 8;
            while (i + 8 <= b.Length)
            {
                var length = (uint)ReadInt32BigEndian(b, (int)i);
                if (IsFourCC(b, (int)i + 4, "tRNS")) return true;
                if (IsFourCC(b, (int)i + 4, "IDAT") || IsFourCC(b, (int)i + 4, "IEND")) return false;
                i += 12L + length;
            }
            return false;
        }

        // ---- JPEG ---------------------------------------------------------------------------------------

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

        // ---- BMP ----------------------------------------------------------------------------------------

        private const int BmpFileHeaderSize = 14;
        private const int BmpCoreHeaderSize = 12;       // BITMAPCOREHEADER (OS/2 1.x): 16-bit width and height
        private const int BmpInfoHeaderSize = 40;       // BITMAPINFOHEADER
        private const int BmpV3HeaderSize = 56;         // BITMAPV3INFOHEADER: the first header with an alpha mask
        private const int BmpV4HeaderSize = 108;        // BITMAPV4HEADER
        private const int BmpV5HeaderSize = 124;        // BITMAPV5HEADER
        private const int BmpBitFields = 3;             // BI_BITFIELDS
        private const int BmpAlphaBitFields = 6;        // BI_ALPHABITFIELDS

        // BITMAPINFOHEADER 40, V2 52, V3 56, V4 108, V5 124; OS/2 2.x 16 or 64.
        private static readonly int[] BmpInfoHeaderSizes = { 16, BmpInfoHeaderSize, 52, BmpV3HeaderSize, 64, BmpV4HeaderSize, BmpV5HeaderSize };

        private static ImageInfo? ProbeBmp(byte[] b)
        {
            // File header: "BM" size(4) reserved(4) pixel offset(4); then the DIB header, which starts with its own size.
            const int d = BmpFileHeaderSize;
            if (b.Length < d + 4) return null;
            var headerSize = ReadInt32LittleEndian(b, d);
            if (headerSize == BmpCoreHeaderSize)
            {
                // size(4) width(2) height(2) planes(2, always 1) bits per pixel(2).
                if (b.Length < d + BmpCoreHeaderSize || ReadUInt16LittleEndian(b, d + 8) != 1) return null;
                int coreWidth = ReadUInt16LittleEndian(b, d + 4), coreHeight = ReadUInt16LittleEndian(b, d + 6);
                return coreWidth == 0 || coreHeight == 0 ? null : new ImageInfo(ImageFormat.Bmp, coreWidth, coreHeight);
            }
            // BITMAPINFOHEADER and every later header begin alike: size(4) width(4) height(4) planes(2, always 1)
            // bits per pixel(2) [compression(4) ...]. Only the sizes the format defines: text that happens to begin
            // with "BM" is not a bitmap.
            if (Array.IndexOf(BmpInfoHeaderSizes, headerSize) < 0 || b.Length < d + 16 || ReadUInt16LittleEndian(b, d + 12) != 1) return null;
            var width = ReadInt32LittleEndian(b, d + 4);
            var height = ReadInt32LittleEndian(b, d + 8);   // negative for a top-down bitmap
            if (width <= 0 || height == 0 || height == int.MinValue) return null;
            return new ImageInfo(ImageFormat.Bmp, width, Math.Abs(height), BmpHasAlpha(b, headerSize));
        }

        /// <summary>
        /// Conservative: only a 32-bit bitmap whose bit fields give a non-zero alpha mask, in a V3 or later header or in
        /// the BI_ALPHABITFIELDS masks after a BITMAPINFOHEADER. A plain 32-bit BI_RGB bitmap's fourth byte is unused.
        /// </summary>
        private static bool BmpHasAlpha(byte[] b, int headerSize)
        {
            const int d = BmpFileHeaderSize;
            if (headerSize < BmpInfoHeaderSize || b.Length < d + 20) return false;
            var bitsPerPixel = ReadUInt16LittleEndian(b, d + 14);
            var compression = ReadInt32LittleEndian(b, d + 16);
            if (bitsPerPixel != 32 || (compression != BmpBitFields && compression != BmpAlphaBitFields)) return false;
            // The masks are red, green, blue, alpha, right after the 40 bytes of BITMAPINFOHEADER's fields, either inside
            // a V3+ header or (BI_ALPHABITFIELDS with a 40-byte header) just after it.
            // (OS/2's 64-byte header has other fields there, and its compression 3 is Huffman coding.)
            var hasAlphaMask = headerSize == BmpV3HeaderSize || headerSize == BmpV4HeaderSize || headerSize == BmpV5HeaderSize
                || (headerSize == BmpInfoHeaderSize && compression == BmpAlphaBitFields);
            var alphaMask = d + BmpInfoHeaderSize + 12;
            return hasAlphaMask && b.Length >= alphaMask + 4 && ReadInt32LittleEndian(b, alphaMask) != 0;
        }

        // ---- WebP ---------------------------------------------------------------------------------------

        private static ImageInfo? ProbeWebP(byte[] b)
        {
            // "RIFF" size(4) "WEBP", then the first chunk: FourCC(4) size(4) data.
            if (b.Length < 20) return null;
            const int data = 20;
            if (IsFourCC(b, 12, "VP8 "))
            {
                // Lossy: a 3-byte frame tag (bit 0 clear on a key frame), the start code 9D 01 2A, then 14-bit width and
                // height, each with 2 bits of scaling above them.
                if (b.Length < data + 10 || (b[data] & 1) != 0 || b[data + 3] != 0x9D || b[data + 4] != 0x01 || b[data + 5] != 0x2A) return null;
                var width = ReadUInt16LittleEndian(b, data + 6) & 0x3FFF;
                var height = ReadUInt16LittleEndian(b, data + 8) & 0x3FFF;
                return width == 0 || height == 0 ? null : new ImageInfo(ImageFormat.WebP, width, height);
            }
            if (IsFourCC(b, 12, "VP8L"))
            {
                // Lossless: the signature 0x2F, then 14 bits width - 1, 14 bits height - 1, 1 bit alpha_is_used, 3 bits version (0).
                if (b.Length < data + 5 || b[data] != 0x2F) return null;
                var bits = (uint)ReadInt32LittleEndian(b, data + 1);
                if (bits >> 29 != 0) return null;
                return new ImageInfo(ImageFormat.WebP, (int)(bits & 0x3FFF) + 1, (int)((bits >> 14) & 0x3FFF) + 1, ((bits >> 28) & 1) != 0);
            }
            if (IsFourCC(b, 12, "VP8X"))
            {
                // Extended: flags(1: reserved 2 bits, ICC, Alpha, EXIF, XMP, Animation, reserved) reserved(3), then the
                // canvas width - 1 and height - 1 as 24-bit numbers.
                if (b.Length < data + 10) return null;
                var hasAlpha = (b[data] & 0x10) != 0;
                var width = ReadUInt24LittleEndian(b, data + 4) + 1;
                var height = ReadUInt24LittleEndian(b, data + 7) + 1;
                return new ImageInfo(ImageFormat.WebP, width, height, hasAlpha);
            }
            return null;
        }

        // ---- Bytes --------------------------------------------------------------------------------------

        private static bool StartsWith(byte[] bytes, byte[] prefix)
        {
            if (bytes.Length < prefix.Length) return false;
            for (var i = 0; i < prefix.Length; i++)
                if (bytes[i] != prefix[i]) return false;
            return true;
        }

        private static bool IsFourCC(byte[] b, int offset, string code)
        {
            if (offset < 0 || offset + 4 > b.Length) return false;
            for (var i = 0; i < 4; i++)
                if (b[offset + i] != (byte)code[i]) return false;
            return true;
        }

        private static int ReadInt32BigEndian(byte[] b, int offset) =>
            (b[offset] << 24) | (b[offset + 1] << 16) | (b[offset + 2] << 8) | b[offset + 3];

        private static int ReadInt32LittleEndian(byte[] b, int offset) =>
            b[offset] | (b[offset + 1] << 8) | (b[offset + 2] << 16) | (b[offset + 3] << 24);

        private static int ReadUInt24LittleEndian(byte[] b, int offset) =>
            b[offset] | (b[offset + 1] << 8) | (b[offset + 2] << 16);

        private static int ReadUInt16LittleEndian(byte[] b, int offset) =>
            b[offset] | (b[offset + 1] << 8);
    }
}
