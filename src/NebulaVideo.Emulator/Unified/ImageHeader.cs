using System;
using System.Buffers.Binary;

namespace NebulaVideo.Emulator.Unified;

/// <summary>
/// What an image's first bytes say: its format by signature and its size from its header, without decoding a
/// pixel. The formats are the documents' own: jpeg, png, bmp and webp.
/// </summary>
internal sealed record ImageHeader(string Format, int Width, int Height, bool Alpha)
{
    /// <summary>The header, or null when the bytes are none of the four formats or their header is cut short.</summary>
    public static ImageHeader? Read(ReadOnlySpan<byte> bytes)
    {
        if (bytes.StartsWith(PngSignature)) return Png(bytes);
        if (bytes.StartsWith(JpegSignature)) return Jpeg(bytes);
        if (bytes.StartsWith("BM"u8)) return Bmp(bytes);
        if (bytes.StartsWith("RIFF"u8) && bytes.Length >= 12 && bytes.Slice(8, 4).SequenceEqual("WEBP"u8)) return WebP(bytes);
        return null;
    }

    private static ReadOnlySpan<byte> PngSignature => new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A };
    private static ReadOnlySpan<byte> JpegSignature => new byte[] { 0xFF, 0xD8, 0xFF };

    // IHDR comes first; the alpha is in its colour type (4 grey + alpha, 6 RGBA) or in a tRNS chunk before the pixels.
    private static ImageHeader? Png(ReadOnlySpan<byte> b)
    {
        if (b.Length < 26 || !b.Slice(12, 4).SequenceEqual("IHDR"u8)) return null;
        var width = BinaryPrimitives.ReadInt32BigEndian(b[16..]);
        var height = BinaryPrimitives.ReadInt32BigEndian(b[20..]);
        var alpha = b[25] is 4 or 6;
        for (long at = 8; !alpha && at + 8 <= b.Length;)
        {
            var type = b.Slice((int)at + 4, 4);
            if (type.SequenceEqual("IDAT"u8) || type.SequenceEqual("IEND"u8)) break;
            alpha = type.SequenceEqual("tRNS"u8);
            at += 12L + BinaryPrimitives.ReadUInt32BigEndian(b[(int)at..]); // length, type, data, CRC
        }
        return new ImageHeader("png", width, height, alpha);
    }

    // Segments up to the first start-of-frame marker (C0-CF but for C4 DHT, C8 JPG and CC DAC), which holds the size.
    private static ImageHeader? Jpeg(ReadOnlySpan<byte> b)
    {
        var at = 2;
        while (at < b.Length)
        {
            if (b[at] != 0xFF) return null;
            while (at < b.Length && b[at] == 0xFF) at++; // fill bytes
            if (at >= b.Length) return null;
            var marker = b[at++];
            if (marker is 0x01 or >= 0xD0 and <= 0xD7) continue; // markers without a length
            if (marker is 0xD9 or 0xDA || at + 2 > b.Length) return null; // the image ended or its data began without a frame
            var length = BinaryPrimitives.ReadUInt16BigEndian(b[at..]);
            if (marker is >= 0xC0 and <= 0xCF and not (0xC4 or 0xC8 or 0xCC))
            {
                if (at + 7 > b.Length) return null;
                return new ImageHeader("jpeg", BinaryPrimitives.ReadUInt16BigEndian(b[(at + 5)..]), BinaryPrimitives.ReadUInt16BigEndian(b[(at + 3)..]), Alpha: false);
            }
            if (length < 2) return null;
            at += length;
        }
        return null;
    }

    // The DIB header's size tells the old OS/2 header (16-bit sizes) from the Windows ones; a negative height is top-down.
    private static ImageHeader? Bmp(ReadOnlySpan<byte> b)
    {
        if (b.Length < 26) return null;
        if (BinaryPrimitives.ReadUInt32LittleEndian(b[14..]) == 12)
            return new ImageHeader("bmp", BinaryPrimitives.ReadUInt16LittleEndian(b[18..]), BinaryPrimitives.ReadUInt16LittleEndian(b[20..]), Alpha: false);
        var height = BinaryPrimitives.ReadInt32LittleEndian(b[22..]);
        return new ImageHeader("bmp", BinaryPrimitives.ReadInt32LittleEndian(b[18..]), height == int.MinValue ? 0 : Math.Abs(height), Alpha: false);
    }

    // The first chunk is VP8 (lossy), VP8L (lossless) or VP8X (extended, with a flag for alpha).
    private static ImageHeader? WebP(ReadOnlySpan<byte> b)
    {
        if (b.Length < 30) return null;
        var chunk = b.Slice(12, 4);
        if (chunk.SequenceEqual("VP8 "u8))
        {
            if (b[23] != 0x9D || b[24] != 0x01 || b[25] != 0x2A) return null;
            return new ImageHeader("webp", BinaryPrimitives.ReadUInt16LittleEndian(b[26..]) & 0x3FFF, BinaryPrimitives.ReadUInt16LittleEndian(b[28..]) & 0x3FFF, Alpha: false);
        }
        if (chunk.SequenceEqual("VP8L"u8))
        {
            if (b[20] != 0x2F) return null;
            var bits = BinaryPrimitives.ReadUInt32LittleEndian(b[21..]);
            return new ImageHeader("webp", (int)(bits & 0x3FFF) + 1, (int)((bits >> 14) & 0x3FFF) + 1, Alpha: (bits >> 28 & 1) == 1);
        }
        if (chunk.SequenceEqual("VP8X"u8))
            return new ImageHeader("webp", UInt24(b[24..]) + 1, UInt24(b[27..]) + 1, Alpha: (b[20] & 0x10) != 0);
        return null;
    }

    private static int UInt24(ReadOnlySpan<byte> b) => b[0] | b[1] << 8 | b[2] << 16;
}
