using System;
using System.IO;
using NebulaVideo.Core.Images;
using Xunit;

namespace NebulaVideo.Core.Tests
{
    public sealed class ImageTests : IDisposable
    {
        private readonly string _folder = Directory.CreateTempSubdirectory("nebulavideo-images-").FullName;

        public void Dispose() => Directory.Delete(_folder, recursive: true);

        // The sample stills are opaque RGB PNGs (colour type 2), as the unified gateway's models need them.
        [Theory]
        [InlineData("harbor.png", 1280, 720)]
        [InlineData("sunrise.png", 1280, 720)]
        [InlineData("tower.png", 720, 1280)]
        public void Png_dimensions_come_from_the_header(string file, int width, int height)
        {
            var info = ImageProbe.Probe(File.ReadAllBytes(Seed.RepoFile("samples", "stills", file)));
            Assert.Equal(new ImageInfo(ImageFormat.Png, width, height, HasAlpha: false), info);
        }

        // ---- PNG transparency: colour types 4 and 6, or a tRNS chunk before the image data --------------

        [Theory]
        [InlineData(0, false, false)]   // grey
        [InlineData(2, false, false)]   // RGB
        [InlineData(3, false, false)]   // palette
        [InlineData(4, false, true)]    // grey with alpha
        [InlineData(6, false, true)]    // RGB with alpha
        [InlineData(0, true, true)]     // grey with a transparent grey value
        [InlineData(2, true, true)]     // RGB with a transparent colour
        [InlineData(3, true, true)]     // palette with alpha for its entries
        public void A_png_declares_transparency_by_its_colour_type_or_a_trns_chunk(byte colourType, bool trns, bool hasAlpha)
        {
            var png = trns ? TestImages.Png(640, 480, colourType, TestImages.Transparency(colourType)) : TestImages.Png(640, 480, colourType);
            Assert.Equal(new ImageInfo(ImageFormat.Png, 640, 480, hasAlpha), ImageProbe.Probe(png));
        }

        [Fact]
        public void The_chunks_before_the_image_data_are_walked_to_find_trns()
        {
            var opaque = TestImages.Png(3, 2, 2, TestImages.Text("Title", "harbor"), TestImages.Text("Comment", new string('x', 300)));
            var keyed = TestImages.Png(3, 2, 2, TestImages.Text("Title", "harbor"), TestImages.Transparency(2));
            Assert.False(ImageProbe.Probe(opaque)!.HasAlpha);
            Assert.True(ImageProbe.Probe(keyed)!.HasAlpha);
        }

        [Fact]
        public void A_png_with_a_damaged_chunk_length_is_read_as_far_as_it_goes()
        {
            // A chunk claiming 2 GB after IHDR: the walk stops at the end of the bytes, without reading past them.
            var png = TestImages.Png(3, 2, 2, TestImages.Text("Title", "harbor"));
            png[33] = 0x7F;
            Assert.Equal(new ImageInfo(ImageFormat.Png, 3, 2), ImageProbe.Probe(png));
        }

        // ---- BMP ----------------------------------------------------------------------------------------

        [Theory]
        [InlineData(40, 24, TestImages.BiRgb, 0u, false)]
        [InlineData(40, 8, TestImages.BiRgb, 0u, false)]
        [InlineData(40, 32, TestImages.BiRgb, 0u, false)]                    // a plain 32-bit bitmap's fourth byte is unused
        [InlineData(40, 32, TestImages.BiBitFields, 0u, false)]              // three masks, none for alpha
        [InlineData(40, 32, TestImages.BiAlphaBitFields, 0xFF000000u, true)]
        [InlineData(40, 32, TestImages.BiAlphaBitFields, 0u, false)]
        [InlineData(56, 32, TestImages.BiBitFields, 0xFF000000u, true)]      // BITMAPV3INFOHEADER
        [InlineData(108, 32, TestImages.BiBitFields, 0xFF000000u, true)]     // BITMAPV4HEADER
        [InlineData(124, 32, TestImages.BiBitFields, 0xFF000000u, true)]     // BITMAPV5HEADER
        [InlineData(124, 32, TestImages.BiBitFields, 0u, false)]
        [InlineData(124, 32, TestImages.BiRgb, 0xFF000000u, false)]          // conservative: masks count only with bit fields
        [InlineData(124, 24, TestImages.BiRgb, 0u, false)]
        public void A_bmp_gives_its_size_and_declares_alpha_only_through_a_32_bit_alpha_mask(int headerSize, int bitsPerPixel, int compression, uint alphaMask, bool hasAlpha)
        {
            var bmp = TestImages.Bmp(401, 299, headerSize, bitsPerPixel, compression, alphaMask);
            var info = ImageProbe.Probe(bmp);
            Assert.Equal(new ImageInfo(ImageFormat.Bmp, 401, 299, hasAlpha), info);
            Assert.Equal("image/bmp", info!.MediaType);
        }

        [Fact]
        public void A_top_down_bmp_has_a_negative_height_and_is_as_tall_as_a_bottom_up_one()
        {
            Assert.Equal(new ImageInfo(ImageFormat.Bmp, 640, 480), ImageProbe.Probe(TestImages.Bmp(640, -480)));
            Assert.Equal(new ImageInfo(ImageFormat.Bmp, 640, 480, true),
                ImageProbe.Probe(TestImages.Bmp(640, -480, 124, 32, TestImages.BiBitFields, 0xFF000000u)));
        }

        [Fact]
        public void An_os2_bmp_gives_its_16_bit_size() =>
            Assert.Equal(new ImageInfo(ImageFormat.Bmp, 800, 600), ImageProbe.Probe(TestImages.CoreBmp(800, 600)));

        [Theory]
        [InlineData("BMW is a car, not a bitmap.")]
        [InlineData("BM")]
        public void Text_that_begins_with_bm_is_not_a_bitmap(string text) =>
            Assert.Null(ImageProbe.Probe(System.Text.Encoding.ASCII.GetBytes(text)));

        [Fact]
        public void A_bmp_without_a_width_or_height_is_not_an_image()
        {
            Assert.Null(ImageProbe.Probe(TestImages.Bmp(0, 480)));
            Assert.Null(ImageProbe.Probe(TestImages.Bmp(640, 0)));
            Assert.Null(ImageProbe.Probe(TestImages.Bmp(-640, 480)));
        }

        // ---- WebP ---------------------------------------------------------------------------------------

        [Fact]
        public void A_lossy_webp_gives_its_frame_size_and_no_alpha()
        {
            Assert.Equal(new ImageInfo(ImageFormat.WebP, 1280, 720), ImageProbe.Probe(TestImages.WebP(TestImages.Vp8(1280, 720))));
            Assert.Equal(new ImageInfo(ImageFormat.WebP, 16383, 1), ImageProbe.Probe(TestImages.WebP(TestImages.Vp8(16383, 1))));
        }

        [Fact]
        public void A_lossy_webp_frame_that_is_not_a_key_frame_or_lacks_the_start_code_is_not_read()
        {
            var interFrame = TestImages.WebP(TestImages.Vp8(640, 480));
            interFrame[20] |= 1;
            var noStartCode = TestImages.WebP(TestImages.Vp8(640, 480));
            noStartCode[23] = 0;
            Assert.Null(ImageProbe.Probe(interFrame));
            Assert.Null(ImageProbe.Probe(noStartCode));
        }

        [Theory]
        [InlineData(640, 480, false)]
        [InlineData(640, 480, true)]
        [InlineData(1, 16384, true)]
        public void A_lossless_webp_gives_its_size_and_its_alpha_hint(int width, int height, bool alpha) =>
            Assert.Equal(new ImageInfo(ImageFormat.WebP, width, height, alpha), ImageProbe.Probe(TestImages.WebP(TestImages.Vp8L(width, height, alpha))));

        [Fact]
        public void A_lossless_webp_of_an_unknown_version_or_signature_is_not_read()
        {
            var version = TestImages.WebP(TestImages.Vp8L(640, 480, false));
            version[24] |= 0x20;        // version 1, in the top 3 bits of the 32-bit field
            var signature = TestImages.WebP(TestImages.Vp8L(640, 480, false));
            signature[20] = 0x2E;
            Assert.Null(ImageProbe.Probe(version));
            Assert.Null(ImageProbe.Probe(signature));
        }

        [Theory]
        [InlineData(640, 480, false)]
        [InlineData(640, 480, true)]
        [InlineData(3000, 2000, true)]
        [InlineData(16777216, 1, false)]
        public void An_extended_webp_gives_its_canvas_size_and_its_alpha_flag(int width, int height, bool alpha)
        {
            // ICC, EXIF and XMP flags set beside it change nothing; the image chunks follow the header.
            var webp = TestImages.WebP(TestImages.Vp8X(width, height, alpha, 0x20 | 0x08 | 0x04), TestImages.Vp8(Math.Min(width, 16383), Math.Min(height, 16383)));
            var info = ImageProbe.Probe(webp);
            Assert.Equal(new ImageInfo(ImageFormat.WebP, width, height, alpha), info);
            Assert.Equal("image/webp", info!.MediaType);
        }

        [Fact]
        public void Real_webp_files_from_libwebp_are_read()
        {
            Assert.Equal(new ImageInfo(ImageFormat.WebP, 17, 13), ImageProbe.Probe(TestImages.RealLossy));
            Assert.Equal(new ImageInfo(ImageFormat.WebP, 17, 13, true), ImageProbe.Probe(TestImages.RealLossless));
            Assert.Equal(new ImageInfo(ImageFormat.WebP, 17, 13, true), ImageProbe.Probe(TestImages.RealLossyWithAlpha));
        }

        [Fact]
        public void A_riff_file_that_is_not_a_webp_with_an_image_header_is_not_read()
        {
            var wave = System.Text.Encoding.ASCII.GetBytes("RIFF\0\0\0\0WAVEfmt \0\0\0\0");
            var unknownChunk = TestImages.WebP(("ANIM", new byte[6]));
            var noChunk = TestImages.WebP();
            Assert.Null(ImageProbe.Probe(wave));
            Assert.Null(ImageProbe.Probe(unknownChunk));
            Assert.Null(ImageProbe.Probe(noChunk));
        }

        // ---- Any format: a cut-off header is not an image, and never an exception ----------------------

        [Fact]
        public void Every_prefix_of_every_format_is_probed_without_an_exception()
        {
            var jpeg = new byte[] { 0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0x01, 0x2C, 0x01, 0x90, 0x03, 0x01, 0x22, 0x00 };
            var images = new[]
            {
                TestImages.Png(3, 2, 6), TestImages.Png(3, 2, 3, TestImages.Transparency(3)), jpeg,
                TestImages.Bmp(3, 2), TestImages.Bmp(3, 2, 40, 32, TestImages.BiAlphaBitFields, 0xFF000000u),
                TestImages.Bmp(3, 2, 124, 32, TestImages.BiBitFields, 0xFF000000u), TestImages.CoreBmp(3, 2),
                TestImages.RealLossy, TestImages.RealLossless, TestImages.RealLossyWithAlpha,
            };
            foreach (var image in images)
            {
                Assert.NotNull(ImageProbe.Probe(image));
                for (var length = 0; length < image.Length; length++)
                    ImageProbe.Probe(image.AsSpan(0, length).ToArray());
            }
        }

        [Fact]
        public void Jpeg_dimensions_come_from_the_start_of_frame_after_other_segments()
        {
            // SOI, an APP0 segment, a DQT segment, then SOF0 with height 300 and width 400.
            var jpeg = new byte[]
            {
                0xFF, 0xD8,
                0xFF, 0xE0, 0x00, 0x06, 0x4A, 0x46, 0x49, 0x46,
                0xFF, 0xDB, 0x00, 0x04, 0x00, 0x01,
                0xFF, 0xC0, 0x00, 0x11, 0x08, 0x01, 0x2C, 0x01, 0x90, 0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01,
                0xFF, 0xD9,
            };
            Assert.Equal(new ImageInfo(ImageFormat.Jpeg, 400, 300), ImageProbe.Probe(jpeg));
        }

        [Fact]
        public void Anything_else_is_not_an_image() =>
            Assert.Null(ImageProbe.Probe(System.Text.Encoding.ASCII.GetBytes("GIF89a not supported")));

        [Fact]
        public void A_local_file_goes_on_the_wire_as_a_data_uri()
        {
            var image = ImageInput.FromFile(Seed.RepoFile("samples", "stills", "harbor.png"), 5 << 20);
            Assert.StartsWith("data:image/png;base64,iVBORw0KGgo", image.ToWireValue());
            Assert.Equal(ImageInputKind.File, image.Kind);
        }

        [Fact]
        public void A_missing_file_is_not_found() =>
            Assert.Equal("ImageNotFound", Assert.Throws<NebulaVideoException>(() => ImageInput.FromFile(Path.Combine(_folder, "none.png"), 5 << 20)).Id.Name);

        [Fact]
        public void A_file_over_the_limit_is_too_large()
        {
            var path = Path.Combine(_folder, "big.png");
            File.WriteAllBytes(path, new byte[(5 << 20) + 1]);
            var ex = Assert.Throws<NebulaVideoException>(() => ImageInput.FromFile(path, 5 << 20));
            Assert.Equal(("ImageTooLarge", ErrorKind.InvalidData, (object)path), (ex.Id.Name, ex.Kind, ex.Target));
        }

        [Fact]
        public void A_file_that_is_not_png_jpeg_bmp_or_webp_is_refused_naming_the_four()
        {
            var path = Path.Combine(_folder, "fake.png");
            File.WriteAllText(path, "GIF89a, say");
            var ex = Assert.Throws<NebulaVideoException>(() => ImageInput.FromFile(path, 5 << 20));
            Assert.Equal(("ImageFormatNotSupported", ErrorKind.InvalidData, (object)path), (ex.Id.Name, ex.Kind, ex.Target));
            Assert.Contains("not a PNG, JPEG, BMP or WebP file", ex.Message);
            Assert.Contains("PNG, JPEG, BMP or WebP", ex.RecommendedAction);
        }

        [Theory]
        [InlineData("still.bmp", "data:image/bmp;base64,Qk")]
        [InlineData("still.webp", "data:image/webp;base64,UklGR")]
        public void A_bmp_or_webp_file_is_read_and_goes_on_the_wire_with_its_media_type(string name, string wirePrefix)
        {
            var path = Path.Combine(_folder, name);
            File.WriteAllBytes(path, name.EndsWith(".bmp") ? TestImages.Bmp(640, 480) : TestImages.RealLossy);
            var image = ImageInput.FromFile(path, 10 << 20);
            Assert.StartsWith(wirePrefix, image.ToWireValue());
            Assert.False(image.Info!.HasAlpha);
        }

        [Theory]
        [InlineData("http://example.com/cat.jpg")]
        [InlineData("ftp://example.com/cat.jpg")]
        [InlineData("cat.jpg")]
        public void Only_https_urls_are_accepted(string url) =>
            Assert.Equal("ImageUrlInvalid", Assert.Throws<NebulaVideoException>(() => ImageInput.FromUrl(url, 5 << 20)).Id.Name);

        [Fact]
        public void A_data_uri_is_decoded_and_checked()
        {
            var png = File.ReadAllBytes(Seed.RepoFile("samples", "stills", "tower.png"));
            var image = ImageInput.FromUrl("data:image/png;base64," + Convert.ToBase64String(png), 5 << 20);
            Assert.Equal((ImageInputKind.DataUri, 720, 1280, "(data URI)"), (image.Kind, image.Info!.Width, image.Info.Height, image.DisplayName));
            Assert.Equal("ImageUrlInvalid", Assert.Throws<NebulaVideoException>(() => ImageInput.FromUrl("data:image/png;base64,@@@", 5 << 20)).Id.Name);
            Assert.Equal("ImageUrlInvalid", Assert.Throws<NebulaVideoException>(() => ImageInput.FromUrl("data:image/png,rawbytes", 5 << 20)).Id.Name);
        }
    }
}
