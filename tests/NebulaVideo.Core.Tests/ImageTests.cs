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

        [Theory]
        [InlineData("harbor.png", 1280, 720)]
        [InlineData("sunrise.png", 1280, 720)]
        [InlineData("tower.png", 720, 1280)]
        public void Png_dimensions_come_from_the_header(string file, int width, int height)
        {
            var info = ImageProbe.Probe(File.ReadAllBytes(Seed.RepoFile("samples", "stills", file)));
            Assert.Equal(new ImageInfo(ImageFormat.Png, width, height), info);
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
        public void A_file_that_is_not_png_or_jpeg_is_refused()
        {
            var path = Path.Combine(_folder, "fake.png");
            File.WriteAllText(path, "hello");
            Assert.Equal("ImageFormatNotSupported", Assert.Throws<NebulaVideoException>(() => ImageInput.FromFile(path, 5 << 20)).Id.Name);
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
