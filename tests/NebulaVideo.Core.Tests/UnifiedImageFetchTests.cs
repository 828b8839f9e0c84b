using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NebulaVideo.Emulator;
using Xunit;

namespace NebulaVideo.Core.Tests
{
    /// <summary>
    /// The unified gateway downloads its first frame as the real one does ("directly viewable by the server"), but
    /// only from this machine: an image URL on loopback (plain http allowed there, as Azurite serves) is fetched at
    /// create and checked against the documents (jpeg/png/bmp/webp, at most 10MB, sides in [360, 2000]); any other
    /// host is never contacted, and plain http to it is refused as before. Every download is recorded for tests.
    /// </summary>
    public sealed class UnifiedImageFetchTests : IAsyncLifetime
    {
        private const string Create = "v1/videos/generations";
        private const string Sas = "sv=2025-05-05&se=2026-12-07T06%3A00%3A00Z&sr=b&sp=r&sig=c2lnbmF0dXJl";
        private const int TenMegabytes = 10 * 1024 * 1024;
        private static readonly HttpClient Http = new();
        private EmulatorServer _emulator = null!;
        private ImageHost _host = null!;

        public async Task InitializeAsync()
        {
            _emulator = await EmulatorServer.StartAsync(new EmulatorOptions { PhaseDuration = TimeSpan.FromMinutes(1), Clock = new ManualClock() });
            _host = await ImageHost.StartAsync(IPAddress.Loopback);
        }

        public async Task DisposeAsync()
        {
            await _emulator.DisposeAsync();
            await _host.DisposeAsync();
        }

        [Theory]
        [InlineData("harbor.png", 1280, 720)]
        [InlineData("tower.png", 720, 1280)]
        public async Task A_loopback_http_image_with_a_sas_is_fetched_once_and_recorded(string still, int width, int height)
        {
            var bytes = File.ReadAllBytes(Seed.RepoFile("samples", "stills", still));
            _host.Serve("/devstoreaccount1/images/" + still, 200, bytes, "image/png");
            var url = $"{_host.Uri}devstoreaccount1/images/{still}?{Sas}";

            var answer = await Post(url);

            Assert.Equal(200, answer.Status);
            var id = (string)JsonNode.Parse(answer.Body)!["id"]!;
            var image = _emulator.ImageOf(id)!;
            Assert.Equal(url, image.Url); // the SAS reached the gateway as given
            var fetch = Assert.Single(_emulator.ImageFetches);
            Assert.Equal(fetch, image.Fetch);
            Assert.True(fetch.Accepted);
            Assert.Equal(200, fetch.Status);
            Assert.Equal(bytes.Length, fetch.Length);
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), fetch.Sha256);
            Assert.Equal(("png", width, height), (fetch.Format, fetch.Width!.Value, fetch.Height!.Value));
            Assert.False(fetch.Alpha); // the samples are opaque, as the unified models need

            // The image host saw one plain GET, with the SAS and without any credential of the gateway's.
            var seen = Assert.Single(_host.Requests);
            Assert.Equal(new SeenRequest("GET", $"/devstoreaccount1/images/{still}?{Sas}", null), seen);
        }

        [Fact]
        public async Task Localhost_and_ipv6_loopback_are_loopback_too()
        {
            var bytes = File.ReadAllBytes(Seed.RepoFile("samples", "stills", "sunrise.png"));
            _host.Serve("/sunrise.png", 200, bytes, "image/png");
            await using var ipv6 = await ImageHost.StartAsync(IPAddress.IPv6Loopback);
            ipv6.Serve("/sunrise.png", 200, bytes, "image/png");

            Assert.Equal(200, (await Post($"http://localhost:{_host.Uri.Port}/sunrise.png")).Status);
            Assert.Equal(200, (await Post($"http://[::1]:{ipv6.Uri.Port}/sunrise.png")).Status);

            Assert.Equal(2, _emulator.ImageFetches.Count(fetch => fetch.Accepted && fetch.Length == bytes.Length));
            Assert.Single(ipv6.Requests);
        }

        [Fact]
        public async Task A_refused_sas_is_refused_with_the_gateways_400_and_creates_nothing()
        {
            // What Azurite answers a SAS past its expiry or with a wrong signature.
            _host.Serve("/devstoreaccount1/images/a.png", 403,
                Encoding.UTF8.GetBytes("<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>AuthenticationFailed</Code></Error>"), "application/xml");

            var answer = await Post($"{_host.Uri}devstoreaccount1/images/a.png?{Sas}");

            var error = AssertImageRefused(answer);
            Assert.Contains("403", (string)error["message"]!, StringComparison.Ordinal);
            var fetch = Assert.Single(_emulator.ImageFetches);
            Assert.Equal(((int?)403, 0L, (string?)null), (fetch.Status, fetch.Length, fetch.Sha256));
            Assert.Equal((string)error["message"]!, fetch.Problem);
        }

        [Fact]
        public async Task Bytes_that_are_no_image_are_refused()
        {
            var text = Encoding.UTF8.GetBytes("<html><body>Sign in to view this picture</body></html>");
            _host.Serve("/login.png", 200, text, "image/png"); // the name and the media type lie; the bytes do not

            var error = AssertImageRefused(await Post(_host.Uri + "login.png"));

            Assert.Contains("jpeg, png, bmp or webp", (string)error["message"]!, StringComparison.Ordinal);
            var fetch = Assert.Single(_emulator.ImageFetches);
            Assert.Equal(((int?)200, (long)text.Length, Convert.ToHexStringLower(SHA256.HashData(text)), (string?)null), (fetch.Status, fetch.Length, fetch.Sha256, fetch.Format));
        }

        [Fact]
        public async Task A_png_with_a_transparent_channel_is_refused_as_the_seeds_say()
        {
            _host.Serve("/rgba.png", 200, TestImages.Png(640, 480, colourType: 6), "image/png");

            var error = AssertImageRefused(await Post(_host.Uri + "rgba.png"));

            Assert.Contains("transparent channel", (string)error["message"]!, StringComparison.Ordinal);
            Assert.True(Assert.Single(_emulator.ImageFetches).Alpha);
        }

        [Theory]
        [InlineData(true)]
        [InlineData(false)] // chunked: no length to refuse by, so the cap stops the read
        public async Task More_than_10MB_is_refused_and_10MB_is_not(bool declaresLength)
        {
            var png = File.ReadAllBytes(Seed.RepoFile("samples", "stills", "harbor.png"));
            var exact = new byte[TenMegabytes]; // the sample with zeros after its end: still a png of 1280x720 by its header
            png.CopyTo(exact, 0);
            var over = new byte[TenMegabytes + 1];
            png.CopyTo(over, 0);
            _host.Serve("/exact.png", 200, exact, "image/png", declaresLength);
            _host.Serve("/over.png", 200, over, "image/png", declaresLength);

            Assert.Equal(200, (await Post(_host.Uri + "exact.png")).Status);
            var error = AssertImageRefused(await Post(_host.Uri + "over.png"), created: 1);

            Assert.Contains("10MB", (string)error["message"]!, StringComparison.Ordinal);
            Assert.Equal(TenMegabytes, _emulator.ImageFetches[0].Length);
            var refused = _emulator.ImageFetches[1];
            Assert.Equal(declaresLength ? 0 : TenMegabytes + 1, refused.Length);
            Assert.Null(refused.Sha256);
        }

        public static TheoryData<string, byte[], string, int, int> Headers() => new()
        {
            // name, bytes, the format and size its header states (refused when a side is outside [360, 2000])
            { "bmp, a whole image", Bmp(400, 360), "bmp", 400, 360 },
            { "bmp, top-down", Bmp(2000, -360), "bmp", 2000, 360 },
            { "bmp, too narrow", Bmp(359, 400), "bmp", 359, 400 },
            { "bmp, too tall", Bmp(400, 2001), "bmp", 400, 2001 },
            { "jpeg, frame after an APP0 segment", Jpeg(1920, 1080), "jpeg", 1920, 1080 },
            { "jpeg, too wide", Jpeg(2048, 1080), "jpeg", 2048, 1080 },
            { "webp VP8", WebP("VP8 ", 640, 480), "webp", 640, 480 },
            { "webp VP8L", WebP("VP8L", 800, 600), "webp", 800, 600 },
            { "webp VP8X", WebP("VP8X", 1000, 360), "webp", 1000, 360 },
            { "webp VP8X, too short", WebP("VP8X", 1000, 300), "webp", 1000, 300 },
        };

        [Theory]
        [MemberData(nameof(Headers))]
        public async Task Each_documented_format_is_told_by_its_signature_and_its_size_checked_from_its_header(string name, byte[] bytes, string format, int width, int height)
        {
            _host.Serve("/image", 200, bytes, "application/octet-stream");

            var answer = await Post(_host.Uri + "image");

            var fetch = Assert.Single(_emulator.ImageFetches);
            Assert.Equal((format, width, height), (fetch.Format, fetch.Width!.Value, fetch.Height!.Value));
            if (width is >= 360 and <= 2000 && height is >= 360 and <= 2000)
            {
                Assert.True(answer.Status == 200, $"{name}: {answer.Body}");
                return;
            }
            var error = AssertImageRefused(answer);
            Assert.Equal($"image_urls: image width and height must be in [360, 2000] pixels, not {width}x{height}", (string)error["message"]!);
        }

        [Fact]
        public async Task A_redirect_is_not_followed()
        {
            _host.Serve("/moved.png", 302, Array.Empty<byte>(), "text/plain", location: "http://example.com/image1.png");

            var error = AssertImageRefused(await Post(_host.Uri + "moved.png"));

            Assert.Contains("302", (string)error["message"]!, StringComparison.Ordinal);
            Assert.Single(_host.Requests);
        }

        [Fact]
        public async Task A_loopback_port_with_nobody_listening_is_refused()
        {
            var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();

            AssertImageRefused(await Post($"http://127.0.0.1:{port}/image1.png"));

            Assert.Null(Assert.Single(_emulator.ImageFetches).Status);
        }

        [Fact]
        public async Task A_create_refused_for_another_field_fetches_nothing()
        {
            var body = Body(_host.Uri + "image1.png");
            body["duration"] = 7;

            var answer = await Send(body, "sk-x");

            Assert.Equal(400, answer.Status);
            Assert.Equal("duration", (string)JsonNode.Parse(answer.Body)!["error"]!["param"]!);
            Assert.Equal(401, (await Send(Body(_host.Uri + "image1.png"), key: null)).Status);
            Assert.Empty(_host.Requests);
            Assert.Empty(_emulator.ImageFetches);
        }

        [Fact]
        public async Task Plain_http_to_any_other_host_is_refused_without_a_fetch()
        {
            var answer = await Post("http://example.com/x.png");

            Assert.Equal(400, answer.Status);
            var error = JsonNode.Parse(answer.Body)!["error"]!;
            Assert.Equal(("image_urls", "image_urls must hold an HTTPS URL"), ((string)error["param"]!, (string)error["message"]!));
            Assert.Empty(_emulator.ImageFetches);
            Assert.Equal(0, _emulator.SubmissionCount);
        }

        [Fact]
        public async Task Https_to_any_other_host_is_accepted_without_a_fetch()
        {
            var answer = await Post("https://example.com/x.png");

            Assert.Equal(200, answer.Status);
            var id = (string)JsonNode.Parse(answer.Body)!["id"]!;
            Assert.Equal(new SubmittedImage("https://example.com/x.png", null), _emulator.ImageOf(id));
            Assert.Empty(_emulator.ImageFetches);
        }

        /// <summary>The unified gateway's own 400 for image_urls, the request answered before any task was made.</summary>
        private JsonNode AssertImageRefused(Reply answer, int created = 0)
        {
            Assert.Equal(400, answer.Status);
            var error = JsonNode.Parse(answer.Body)!["error"]!;
            Assert.Equal(new[] { "code", "message", "type", "param" }, error.AsObject().Select(member => member.Key));
            Assert.Equal(400, (int)error["code"]!);
            Assert.Equal("invalid_request_error", (string)error["type"]!);
            Assert.Equal("image_urls", (string)error["param"]!);
            Assert.Equal(created, _emulator.SubmissionCount);
            Assert.False(_emulator.ImageFetches[^1].Accepted);
            return error;
        }

        private static JsonObject Body(string imageUrl)
        {
            var body = JsonNode.Parse(Seed.Json("unified-request-image-to-video"))!.AsObject();
            body["image_urls"] = new JsonArray(imageUrl);
            return body;
        }

        private Task<Reply> Post(string imageUrl) => Send(Body(imageUrl), "sk-x");

        private async Task<Reply> Send(JsonObject body, string? key)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_emulator.UnifiedUri, Create))
            {
                Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
            };
            if (key is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            using var response = await Http.SendAsync(request);
            return new Reply((int)response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        // A Windows BMP (BITMAPINFOHEADER, 24 bits) of the given size, pixels and all; a negative height is top-down.
        private static byte[] Bmp(int width, int height)
        {
            var row = (width * 3 + 3) / 4 * 4;
            var pixels = row * Math.Abs(height);
            var bmp = new byte[54 + pixels];
            "BM"u8.CopyTo(bmp);
            BitConverter.TryWriteBytes(bmp.AsSpan(2), bmp.Length);
            BitConverter.TryWriteBytes(bmp.AsSpan(10), 54);
            BitConverter.TryWriteBytes(bmp.AsSpan(14), 40);
            BitConverter.TryWriteBytes(bmp.AsSpan(18), width);
            BitConverter.TryWriteBytes(bmp.AsSpan(22), height);
            BitConverter.TryWriteBytes(bmp.AsSpan(26), (short)1);
            BitConverter.TryWriteBytes(bmp.AsSpan(28), (short)24);
            BitConverter.TryWriteBytes(bmp.AsSpan(34), pixels);
            return bmp;
        }

        // A JPEG's head as far as its size: SOI, an APP0 (JFIF) segment, then a baseline frame header.
        private static byte[] Jpeg(int width, int height) => new byte[]
        {
            0xFF, 0xD8,
            0xFF, 0xE0, 0x00, 0x10, (byte)'J', (byte)'F', (byte)'I', (byte)'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0,
            0xFF, 0xC0, 0x00, 0x11, 8, (byte)(height >> 8), (byte)height, (byte)(width >> 8), (byte)width, 3,
            1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1,
        };

        // A WebP's RIFF header and the start of its first chunk, as far as the size.
        private static byte[] WebP(string chunk, int width, int height)
        {
            var webp = new byte[40];
            "RIFF"u8.CopyTo(webp);
            BitConverter.TryWriteBytes(webp.AsSpan(4), webp.Length - 8);
            "WEBP"u8.CopyTo(webp.AsSpan(8));
            Encoding.ASCII.GetBytes(chunk).CopyTo(webp, 12);
            BitConverter.TryWriteBytes(webp.AsSpan(16), webp.Length - 20);
            switch (chunk)
            {
                case "VP8 ":
                    new byte[] { 0x9D, 0x01, 0x2A }.CopyTo(webp, 23);
                    BitConverter.TryWriteBytes(webp.AsSpan(26), (ushort)width);
                    BitConverter.TryWriteBytes(webp.AsSpan(28), (ushort)height);
                    break;
                case "VP8L":
                    webp[20] = 0x2F;
                    BitConverter.TryWriteBytes(webp.AsSpan(21), (uint)(width - 1) | (uint)(height - 1) << 14);
                    break;
                default:
                    BitConverter.TryWriteBytes(webp.AsSpan(24), width - 1); // 24 bits, then the height's 24 over the top byte
                    BitConverter.TryWriteBytes(webp.AsSpan(27), height - 1);
                    break;
            }
            return webp;
        }

        private sealed record Reply(int Status, string Body);

        /// <summary>One request the image host received.</summary>
        private sealed record SeenRequest(string Method, string PathAndQuery, string? Authorization);

        /// <summary>
        /// A stand-in for a storage account on a loopback port of its own: serves fixed answers by path and records
        /// every request (a path it was not told to serve is a 404).
        /// </summary>
        private sealed class ImageHost : IAsyncDisposable
        {
            private readonly WebApplication _app;
            private readonly ConcurrentDictionary<string, (int Status, byte[] Bytes, string MediaType, bool DeclaresLength, string? Location)> _answers = new();
            private readonly ConcurrentQueue<SeenRequest> _requests = new();

            private ImageHost(WebApplication app) => _app = app;

            public Uri Uri { get; private set; } = null!;

            public IReadOnlyList<SeenRequest> Requests => _requests.ToList();

            public static async Task<ImageHost> StartAsync(IPAddress address)
            {
                var builder = WebApplication.CreateSlimBuilder();
                builder.Logging.ClearProviders();
                builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(address, 0));
                var host = new ImageHost(builder.Build());
                host._app.Run(host.Answer);
                await host._app.StartAsync();
                var bound = host._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
                host.Uri = new Uri(bound.TrimEnd('/') + "/");
                return host;
            }

            public void Serve(string path, int status, byte[] bytes, string mediaType, bool declaresLength = true, string? location = null) =>
                _answers[path] = (status, bytes, mediaType, declaresLength, location);

            private async Task Answer(HttpContext context)
            {
                var request = context.Request;
                var authorization = request.Headers.Authorization;
                _requests.Enqueue(new SeenRequest(request.Method, request.Path + request.QueryString, authorization.Count == 0 ? null : authorization.ToString()));
                if (!_answers.TryGetValue(request.Path, out var answer))
                {
                    context.Response.StatusCode = 404;
                    return;
                }
                context.Response.StatusCode = answer.Status;
                context.Response.ContentType = answer.MediaType;
                if (answer.Location is not null) context.Response.Headers.Location = answer.Location;
                if (answer.DeclaresLength) context.Response.ContentLength = answer.Bytes.Length;
                await context.Response.Body.WriteAsync(answer.Bytes, context.RequestAborted);
            }

            public async ValueTask DisposeAsync()
            {
                await _app.StopAsync();
                await _app.DisposeAsync();
            }
        }
    }
}
