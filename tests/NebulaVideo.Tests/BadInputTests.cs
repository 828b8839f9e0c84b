using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using NebulaVideo.Core;
using Xunit;

namespace NebulaVideo.Tests
{
    /// <summary>
    /// Every bad input is refused before anything is posted, with a stable error id, the right category,
    /// the offending input as target and a recommended action.
    /// </summary>
    [Collection(EngineCollection.Name)]
    public sealed class BadInputTests
    {
        private readonly EngineFixture _engine;

        public BadInputTests(EngineFixture engine) => _engine = engine;

        [Theory]
        [InlineData("New-NebulaVideo -Prompt p -Path $harbor -Model veo-9", "UnknownModel", ErrorCategory.InvalidArgument, "veo-9")]
        [InlineData("New-NebulaVideo -Prompt p -Path $harbor -Duration 7", "DurationNotSupported", ErrorCategory.InvalidArgument, 7)]
        [InlineData("New-NebulaVideo -Prompt p -Model sora-2 -Duration 5", "DurationNotSupported", ErrorCategory.InvalidArgument, 5)]
        [InlineData("New-NebulaVideo -Prompt p -Path $harbor -Resolution 4k", "ResolutionNotSupported", ErrorCategory.InvalidArgument, "4k")]
        [InlineData("New-NebulaVideo -Prompt p -Model sora-2 -Size 1920x1080", "SizeNotSupported", ErrorCategory.InvalidArgument, "1920x1080")]
        [InlineData("New-NebulaVideo -Prompt p", "ImageRequired", ErrorCategory.InvalidArgument, "wan2.5-i2v-preview")]
        [InlineData("New-NebulaVideo -Prompt p -Path $missing", "ImageNotFound", ErrorCategory.ObjectNotFound, "$missing")]
        [InlineData("New-NebulaVideo -Prompt p -LiteralPath $missing", "ImageNotFound", ErrorCategory.ObjectNotFound, "$missing")]
        [InlineData("New-NebulaVideo -Prompt p -Path $notImage", "ImageFormatNotSupported", ErrorCategory.InvalidData, "$notImage")]
        [InlineData("New-NebulaVideo -Prompt p -Path $huge", "ImageTooLarge", ErrorCategory.InvalidData, "$huge")]
        [InlineData("New-NebulaVideo -Prompt p -Path $harbor -Model sora-2 -Size 720x1280", "ImageSizeMismatch", ErrorCategory.InvalidData, "$harbor")]
        [InlineData("New-NebulaVideo -Prompt p -Path $harbor -Seed -1", "SeedOutOfRange", ErrorCategory.InvalidArgument, -1L)]
        [InlineData("New-NebulaVideo -Prompt p -Path $harbor -Seed 2147483648", "SeedOutOfRange", ErrorCategory.InvalidArgument, 2147483648L)]
        [InlineData("New-NebulaVideo -Prompt p -Path $harbor -AudioUrl http://example.com/a.mp3", "AudioUrlInvalid", ErrorCategory.InvalidArgument, "http://example.com/a.mp3")]
        [InlineData("New-NebulaVideo -Prompt p -ImageUrl http://example.com/cat.jpg", "ImageUrlInvalid", ErrorCategory.InvalidArgument, "http://example.com/cat.jpg")]
        [InlineData("New-NebulaVideo -Prompt '' -Path $harbor", "PromptRequired", ErrorCategory.InvalidArgument, "$harbor")]
        [InlineData("New-NebulaVideo -Prompt '   ' -Path $harbor", "PromptRequired", ErrorCategory.InvalidArgument, "$harbor")]
        [InlineData("New-NebulaVideo -Prompt p -Path $harbor -Duration abc", "DurationInvalid", ErrorCategory.InvalidArgument, "abc")]
        [InlineData("New-NebulaVideo -Prompt p -Path $harbor -Seed abc", "SeedInvalid", ErrorCategory.InvalidArgument, "abc")]
        [InlineData("New-NebulaVideo -Prompt p -Path $harbor -Seed 99999999999999999999", "SeedOutOfRange", ErrorCategory.InvalidArgument, "99999999999999999999")]
        [InlineData("New-NebulaVideo -Prompt p -Path $nomatch", "ImageNotFound", ErrorCategory.ObjectNotFound, "$nomatch")]
        [InlineData("New-NebulaVideo -Prompt p -Model sora-2 -Seed 1", "ParameterNotSupported", ErrorCategory.InvalidArgument, 1L)]
        [InlineData("New-NebulaVideo -Prompt p -Model sora-2 -RemixFrom task-123", "RemixSourceInvalid", ErrorCategory.InvalidArgument, "task-123")]
        [InlineData("New-NebulaVideo -Prompt p -Path $harbor -ImageUrl https://example.com/cat.jpg", "ImageGivenTwice", ErrorCategory.InvalidArgument, "https://example.com/cat.jpg")]
        public void Bad_input_is_refused_before_anything_is_posted(string script, string errorId, ErrorCategory category, object target)
        {
            using var scratch = new ScratchFolder(_engine.Stills);
            var variables = BadFiles(scratch);
            var since = DateTimeOffset.UtcNow;

            var run = _engine.Run(script, variables: variables);

            var error = run.SingleError();
            Assert.Equal($"{errorId},NebulaVideo.Commands.NewNebulaVideoCommand", error.FullyQualifiedErrorId);
            Assert.Equal(category, error.CategoryInfo.Category);
            var expectedTarget = target is string s && s.StartsWith("$", StringComparison.Ordinal) ? variables[s.Substring(1)] : target;
            Assert.Equal(expectedTarget, error.TargetObject);
            Assert.False(string.IsNullOrWhiteSpace(error.ErrorDetails?.RecommendedAction), "The error should say what to do.");
            Assert.Empty(run.Output);
            Assert.Equal(0, _engine.PostsSince(since));
        }

        [Fact]
        public void Csv_cells_that_are_not_numbers_are_their_rows_errors_and_the_good_row_is_submitted()
        {
            using var scratch = new ScratchFolder(_engine.Stills);
            File.WriteAllText(scratch["jobs.csv"], string.Join("\n",
                "Prompt,Path,Duration,Seed",
                "bad duration,stills/harbor.png,abc,",
                "bad seed,stills/harbor.png,5,abc",
                "huge seed,stills/harbor.png,5,99999999999999999999",
                "no match,stills/nomatch*.png,5,",
                "good,stills/harbor.png,10,7"));
            var since = DateTimeOffset.UtcNow;

            var run = _engine.Run("Set-Location $folder; Import-Csv jobs.csv | New-NebulaVideo",
                variables: new Dictionary<string, object?> { ["folder"] = scratch.FullName });

            Assert.Equal(new[] { "DurationInvalid", "SeedInvalid", "SeedOutOfRange", "ImageNotFound" },
                run.Errors.Select(e => e.FullyQualifiedErrorId.Split(',')[0]));
            // Each error carries its row (so it can be found among hundreds, fixed and piped in again) and names it by
            // number and image; the exception still says which value was wrong.
            Assert.Equal(new[] { "bad duration", "bad seed", "huge seed", "no match" },
                run.Errors.Select(e => Assert.IsType<PSObject>(e.TargetObject).Properties["Prompt"].Value));
            Assert.Equal(new[] { "Item 1 (stills/harbor.png): ", "Item 2 (stills/harbor.png): ", "Item 3 (stills/harbor.png): ", "Item 4 (stills/nomatch*.png): " },
                run.Errors.Select(e => e.ErrorDetails.Message.Substring(0, e.ErrorDetails.Message.IndexOf(": ", StringComparison.Ordinal) + 2)));
            Assert.Equal(new[] { "abc", "abc", "99999999999999999999", "stills/nomatch*.png" }, run.Errors.Select(e => ((NebulaVideoException)e.Exception).Target));
            var task = Assert.Single(run.Objects<VideoTask>());
            Assert.Equal((10, "good"), (task.Duration!.Value, task.Prompt!));
            Assert.Equal(1, _engine.PostsSince(since));
        }

        [Fact]
        public void An_image_that_cannot_be_read_is_a_read_error()
        {
            using var scratch = new ScratchFolder(_engine.Stills);
            var path = Path.Combine(scratch.Stills, "harbor.png");
            var since = DateTimeOffset.UtcNow;
            // .NET locks files it opens exclusively, so this is unreadable even to root.
            using (new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
            {
                var run = _engine.Run("New-NebulaVideo -Prompt p -LiteralPath $image", variables: new Dictionary<string, object?> { ["image"] = path });
                var error = run.SingleError();
                Assert.StartsWith("ImageUnreadable,", error.FullyQualifiedErrorId);
                Assert.Equal(ErrorCategory.ReadError, error.CategoryInfo.Category);
                Assert.Equal(path, error.TargetObject);
            }
            Assert.Equal(0, _engine.PostsSince(since));
        }

        [Fact]
        public void No_api_key_is_an_authentication_error_before_any_request()
        {
            using var scratch = new ScratchFolder(_engine.Stills);
            var since = DateTimeOffset.UtcNow;
            var run = _engine.Run("New-NebulaVideo -Prompt p -Path $image", apiKey: null,
                variables: new Dictionary<string, object?> { ["image"] = Path.Combine(scratch.Stills, "harbor.png") });

            var error = run.SingleError();
            Assert.StartsWith("ApiKeyMissing,", error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.AuthenticationError, error.CategoryInfo.Category);
            Assert.Contains("NEBULA_API_KEY", error.ErrorDetails.RecommendedAction);
            Assert.DoesNotContain(_engine.Emulator.Requests, r => r.ReceivedAt >= since);
        }

        [Fact]
        public void A_plain_http_gateway_other_than_loopback_is_refused()
        {
            var run = _engine.Run("Connect-NebulaVideo -ApiKey $key -BaseUri http://gateway.example.invalid",
                apiKey: null, variables: new Dictionary<string, object?> { ["key"] = EngineFixture.Secure("sk-x") });
            var error = run.SingleError();
            Assert.StartsWith("BaseUriInsecure,", error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        }

        [Theory]
        [InlineData("not-an-sk-key", "wan2.5-i2v-preview", 401, "GatewayAuthenticationFailed", ErrorCategory.AuthenticationError)]
        [InlineData("bad-key", "sora-2", 401, "GatewayAuthenticationFailed", ErrorCategory.AuthenticationError)]
        [InlineData("sk-emulator-noquota", "wan2.5-i2v-preview", 403, "GatewayPermissionDenied", ErrorCategory.PermissionDenied)]
        [InlineData("sk-emulator-ratelimit", "wan2.5-i2v-preview", 429, "GatewayRateLimited", ErrorCategory.LimitsExceeded)]
        [InlineData("sk-emulator-error", "sora-2", 500, "GatewayServerError", ErrorCategory.ConnectionError)]
        public void Gateway_errors_surface_the_providers_code_and_message_and_only_a_throttled_create_is_sent_again(
            string key, string model, int status, string errorId, ErrorCategory category)
        {
            using var scratch = new ScratchFolder(_engine.Stills);
            var image = model == "sora-2" ? "" : "-Path $image";
            var since = DateTimeOffset.UtcNow;
            var run = _engine.Run($"New-NebulaVideo -Prompt p -Model {model} {image}", apiKey: key,
                variables: new Dictionary<string, object?> { ["image"] = Path.Combine(scratch.Stills, "harbor.png") });

            var error = run.SingleError();
            Assert.StartsWith(errorId + ",", error.FullyQualifiedErrorId);
            Assert.Equal(category, error.CategoryInfo.Category);
            var gateway = Assert.IsType<GatewayException>(error.Exception);
            Assert.Equal(status, gateway.HttpStatus);
            Assert.False(string.IsNullOrEmpty(gateway.ProviderCode));
            Assert.Contains(gateway.ProviderCode!, error.Exception.Message);
            // Only a 429 proves nothing was created, so only it is sent again (five times, a second apart as asked).
            Assert.Equal(status == 429 ? 6 : 1, _engine.PostsSince(since));
            if (key == "bad-key") Assert.Equal("invalid_api_key", gateway.ProviderCode);
            if (key == "sk-emulator-ratelimit") Assert.Equal("Throttling.RateLimit", gateway.ProviderCode);
        }

        private static Dictionary<string, object?> BadFiles(ScratchFolder scratch)
        {
            var notImage = Path.Combine(scratch.Stills, "notes.png");
            File.WriteAllText(notImage, "plain text, not a PNG");
            var huge = Path.Combine(scratch.Stills, "huge.png");
            var bytes = new byte[5 * 1024 * 1024 + 1];
            File.ReadAllBytes(Path.Combine(scratch.Stills, "harbor.png")).CopyTo(bytes, 0);
            File.WriteAllBytes(huge, bytes);
            return new Dictionary<string, object?>
            {
                ["harbor"] = Path.Combine(scratch.Stills, "harbor.png"),
                ["missing"] = Path.Combine(scratch.Stills, "missing.png"),
                ["notImage"] = notImage,
                ["huge"] = huge,
                ["stills"] = scratch.Stills,
                ["nomatch"] = Path.Combine(scratch.Stills, "nomatch*.png"),
            };
        }
    }
}
