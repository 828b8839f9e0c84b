using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Text;

namespace NebulaVideo.Core.Tests
{
    /// <summary>
    /// Small images written byte by byte from the format specifications, so each test states the header it probes:
    /// whole PNG and BMP files a decoder opens, and WebP headers (a VP8 bitstream is more than a test should write; the
    /// real WebP files below were made by libwebp's cwebp).
    /// </summary>
    internal static class TestImages
    {
        // ---- PNG ----------------------------------------------------------------------------------------

        /// <summary>
        /// A PNG of 8-bit samples in the colour type given, every pixel zero, with the chunks given between IHDR and
        /// IDAT (a palette image gets a one-colour PLTE first): a file any PNG decoder opens.
        /// </summary>
        public static byte[] Png(int width, int height, byte colourType, params (string Type, byte[] Data)[] beforeData)
        {
            var png = new MemoryStream();
            png.Write(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A });
            var header = new byte[13];
            WriteBigEndian(header, 0, width);
            WriteBigEndian(header, 4, height);
            header[8] = 8;              // bit depth
            header[9] = colourType;     // compression, filter and interlace methods stay 0
            Chunk(png, "IHDR", header);
            if (colourType == 3) Chunk(png, "PLTE", new byte[3]);
            foreach (var (type, data) in beforeData) Chunk(png, type, data);

            var channels = colourType switch { 0 => 1, 2 => 3, 3 => 1, 4 => 2, 6 => 4, _ => throw new ArgumentOutOfRangeException(nameof(colourType)) };
            var rows = new byte[height * (1 + width * channels)];   // each row: filter type 0, then its samples
            var compressed = new MemoryStream();
            using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true)) zlib.Write(rows);
            Chunk(png, "IDAT", compressed.ToArray());
            Chunk(png, "IEND", Array.Empty<byte>());
            return png.ToArray();
        }

        /// <summary>A tRNS chunk: one transparent grey or RGB value, or alpha for the first palette entry.</summary>
        public static (string, byte[]) Transparency(byte colourType) =>
            ("tRNS", colourType switch { 0 => new byte[2], 2 => new byte[6], _ => new byte[] { 0 } });

        public static (string, byte[]) Text(string keyword, string text) =>
            ("tEXt", Encoding.ASCII.GetBytes(keyword + "\0" + text));

        private static void Chunk(Stream png, string type, byte[] data)
        {
            var length = new byte[4];
            WriteBigEndian(length, 0, data.Length);
            png.Write(length);
            var typeAndData = new byte[4 + data.Length];
            Encoding.ASCII.GetBytes(type, 0, 4, typeAndData, 0);
            data.CopyTo(typeAndData, 4);
            png.Write(typeAndData);
            var crc = new byte[4];
            WriteBigEndian(crc, 0, (int)Crc32(typeAndData));
            png.Write(crc);
        }

        /// <summary>The CRC-32 PNG chunks end with (ISO 3309, polynomial 0xEDB88320 reflected), bit by bit.</summary>
        private static uint Crc32(byte[] bytes)
        {
            var crc = 0xFFFFFFFFu;
            foreach (var b in bytes)
            {
                crc ^= b;
                for (var k = 0; k < 8; k++) crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
            }
            return crc ^ 0xFFFFFFFFu;
        }

        // ---- BMP ----------------------------------------------------------------------------------------

        public const int BiRgb = 0;
        public const int BiBitFields = 3;
        public const int BiAlphaBitFields = 6;

        /// <summary>
        /// A whole bitmap file: the 14-byte file header, a DIB header of <paramref name="headerSize"/> bytes (40
        /// BITMAPINFOHEADER, 56 V3, 108 V4, 124 V5) whose width and height are as given (a negative height is a top-down
        /// bitmap), the masks red 00FF0000, green 0000FF00, blue 000000FF and <paramref name="alphaMask"/> (inside a V3+
        /// header; after a 40-byte one for BI_BITFIELDS, three of them, or BI_ALPHABITFIELDS, four), then black pixels in
        /// rows padded to four bytes.
        /// </summary>
        public static byte[] Bmp(int width, int height, int headerSize = 40, int bitsPerPixel = 24, int compression = BiRgb, uint alphaMask = 0)
        {
            var masksAfterHeader = headerSize == 40 ? compression == BiBitFields ? 12 : compression == BiAlphaBitFields ? 16 : 0 : 0;
            var rowBytes = (Math.Abs(width) * bitsPerPixel + 31) / 32 * 4;
            var pixelOffset = 14 + headerSize + masksAfterHeader;
            var file = new byte[pixelOffset + rowBytes * Math.Abs(height)];
            file[0] = (byte)'B';
            file[1] = (byte)'M';
            WriteLittleEndian(file, 2, file.Length);
            WriteLittleEndian(file, 10, pixelOffset);
            WriteLittleEndian(file, 14, headerSize);
            WriteLittleEndian(file, 18, width);
            WriteLittleEndian(file, 22, height);
            file[26] = 1;                                   // planes
            file[28] = (byte)bitsPerPixel;
            WriteLittleEndian(file, 30, compression);
            WriteLittleEndian(file, 34, rowBytes * Math.Abs(height));
            WriteLittleEndian(file, 38, 2835);              // 72 dpi, in pixels per metre
            WriteLittleEndian(file, 42, 2835);
            if (headerSize >= 56 || masksAfterHeader > 0)
            {
                WriteLittleEndian(file, 54, 0x00FF0000);
                WriteLittleEndian(file, 58, 0x0000FF00);
                WriteLittleEndian(file, 62, 0x000000FF);
                if (headerSize >= 56 || masksAfterHeader == 16) WriteLittleEndian(file, 66, unchecked((int)alphaMask));
            }
            if (headerSize >= 108) WriteLittleEndian(file, 70, 0x73524742);   // V4+ colour space: LCS_sRGB ("sRGB")
            return file;
        }

        /// <summary>An OS/2 1.x bitmap: the 12-byte BITMAPCOREHEADER with 16-bit width and height, 24-bit pixels.</summary>
        public static byte[] CoreBmp(int width, int height)
        {
            var rowBytes = (width * 24 + 31) / 32 * 4;
            var file = new byte[14 + 12 + rowBytes * height];
            file[0] = (byte)'B';
            file[1] = (byte)'M';
            WriteLittleEndian(file, 2, file.Length);
            WriteLittleEndian(file, 10, 26);
            WriteLittleEndian(file, 14, 12);
            file[18] = (byte)width;
            file[19] = (byte)(width >> 8);
            file[20] = (byte)height;
            file[21] = (byte)(height >> 8);
            file[22] = 1;                                   // planes
            file[24] = 24;
            return file;
        }

        // ---- WebP ---------------------------------------------------------------------------------------

        /// <summary>A RIFF WEBP container around the chunks given (FourCC and data; odd sizes padded as RIFF asks).</summary>
        public static byte[] WebP(params (string FourCC, byte[] Data)[] chunks)
        {
            var body = new List<byte>(Encoding.ASCII.GetBytes("WEBP"));
            foreach (var (fourCC, data) in chunks)
            {
                body.AddRange(Encoding.ASCII.GetBytes(fourCC));
                var size = new byte[4];
                WriteLittleEndian(size, 0, data.Length);
                body.AddRange(size);
                body.AddRange(data);
                if (data.Length % 2 == 1) body.Add(0);
            }
            var file = new List<byte>(Encoding.ASCII.GetBytes("RIFF"));
            var riffSize = new byte[4];
            WriteLittleEndian(riffSize, 0, body.Count);
            file.AddRange(riffSize);
            file.AddRange(body);
            return file.ToArray();
        }

        /// <summary>
        /// The start of a lossy key frame: the frame tag (key frame, version 0, shown, first partition of 0x40 bytes),
        /// the start code 9D 01 2A, the 14-bit width and height (scale 0), then the partition's bytes, here zero.
        /// </summary>
        public static (string, byte[]) Vp8(int width, int height)
        {
            var data = new byte[10 + 0x40];
            const int tag = (0x40 << 5) | (1 << 4);     // partition size, show_frame; bit 0 clear: a key frame
            data[0] = tag & 0xFF;
            data[1] = (tag >> 8) & 0xFF;
            data[2] = (tag >> 16) & 0xFF;
            data[3] = 0x9D;
            data[4] = 0x01;
            data[5] = 0x2A;
            data[6] = (byte)width;
            data[7] = (byte)(width >> 8);
            data[8] = (byte)height;
            data[9] = (byte)(height >> 8);
            return ("VP8 ", data);
        }

        /// <summary>The start of a lossless bitstream: the signature 2F, then width - 1 and height - 1 in 14 bits each, the alpha_is_used hint and version 0.</summary>
        public static (string, byte[]) Vp8L(int width, int height, bool alphaIsUsed)
        {
            var bits = (uint)(width - 1) | ((uint)(height - 1) << 14) | (alphaIsUsed ? 1u << 28 : 0u);
            var data = new byte[5 + 8];
            data[0] = 0x2F;
            WriteLittleEndian(data, 1, unchecked((int)bits));
            return ("VP8L", data);
        }

        /// <summary>The extended header: the flags (alpha 0x10, and the others given), 3 reserved bytes, canvas width - 1 and height - 1 in 24 bits each.</summary>
        public static (string, byte[]) Vp8X(int width, int height, bool alpha, byte otherFlags = 0)
        {
            var data = new byte[10];
            data[0] = (byte)((alpha ? 0x10 : 0) | otherFlags);
            WriteUInt24(data, 4, width - 1);
            WriteUInt24(data, 7, height - 1);
            return ("VP8X", data);
        }

        // Real files, 17 x 13, made with libwebp 1.2.4's cwebp from samples/stills/harbor.png (RGBA with some pixels
        // not opaque), and opened again by its dwebp:
        //   cwebp -q 50 -noalpha -resize 17 13 harbor.png -o lossy.webp       simple lossy: RIFF, VP8
        //   cwebp -lossless -resize 17 13 harbor.png -o lossless.webp         lossless, alpha_is_used set: RIFF, VP8L
        //   cwebp -q 50 -resize 17 13 harbor.png -o alpha.webp                lossy with alpha: RIFF, VP8X (alpha flag), ALPH, VP8
        public static readonly byte[] RealLossy = Convert.FromBase64String(
            "UklGRjwAAABXRUJQVlA4IDAAAADwAgCdASoRAA0APtFUo0uoJKMhsAgBABoJZQCo9C0kAAD+6DifCxEJj0Z/xz4AAAA=");

        public static readonly byte[] RealLossless = Convert.FromBase64String(
            "UklGRu4AAABXRUJQVlA4TOEAAAAvEAADEJkKRPQ/NhHR/zA4aiNJkiIG7vB/Z+5RxaEbQdu2qc/s/DktDto2EqQ683d0nj+6c9C2kSAHJ767L8CfgPf//9Yve4Z3uRuedc9w6707vWf4jd3DduecZ9V3uSKAoCFAC1Jhu/+0OERbzyoBCprDxu0G4UuKCKxY0WnQdJAGSu4DiCswJt9Flyu2G+PDgwhEGqKgAcVE8RIxEqAOTcHGNIk8DARcwg5NF7abW3GAhBFHE6PDWHhx1UoAI2GkgRbvoxhOTT5ZYhTTwiMBAjvXyl2X7dYc4NoBmhjhtAEA");

        public static readonly byte[] RealLossyWithAlpha = Convert.FromBase64String(
            "UklGRqAAAABXRUJQVlA4WAoAAAAQAAAAEAAADAAAQUxQSEoAAAABmTJE9D/AIJIkJ/0B8Id/LbdkLERMwATsV5uPA0ADDa/loSFoHgr3DiBogIgPEDc+3cuviF+Fx6b51QXNQ8QLBDQ/gKApfIOIF1ZQOCAwAAAA8AIAnQEqEQANAD7RVKNLqCSjIbAIAQAaCWMAtOgtJAAA/ug4p45KebwdWKfQAAAA");

        // ---- Bytes --------------------------------------------------------------------------------------

        private static void WriteBigEndian(byte[] b, int offset, int value)
        {
            b[offset] = (byte)(value >> 24);
            b[offset + 1] = (byte)(value >> 16);
            b[offset + 2] = (byte)(value >> 8);
            b[offset + 3] = (byte)value;
        }

        private static void WriteLittleEndian(byte[] b, int offset, int value)
        {
            b[offset] = (byte)value;
            b[offset + 1] = (byte)(value >> 8);
            b[offset + 2] = (byte)(value >> 16);
            b[offset + 3] = (byte)(value >> 24);
        }

        private static void WriteUInt24(byte[] b, int offset, int value)
        {
            b[offset] = (byte)value;
            b[offset + 1] = (byte)(value >> 8);
            b[offset + 2] = (byte)(value >> 16);
        }
    }
}
