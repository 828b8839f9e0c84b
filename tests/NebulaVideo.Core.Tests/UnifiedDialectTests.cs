using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using NebulaVideo.Core.Catalog;
using NebulaVideo.Core.Gateways;
using NebulaVideo.Core.Images;
using Xunit;

namespace NebulaVideo.Core.Tests
{
    /// <summary>
    /// The unified gateway's wire format (seeds 003 and 001, GATEWAY-NOTES) and the catalog's rules for its
    /// models. Answers come from the seed fixtures; the task detail, which the seeds show no example of, is
    /// the create shape plus what GATEWAY-NOTES describes.
    /// </summary>
    public sealed class UnifiedDialectTests
    {
        private const string TaskId = "task-unified-1757169743-7cvnl5zw";
        private const string Wan25 = "wan2.5-image-to-video";
        private const string Wan26 = "wan2.6-image-to-video";
        private const string ImageUrl = "https://example.com/image1.png";

        private static readonly IGatewayDialect Unified = Dialects.Unified;
        private static readonly ModelCatalog Catalog = ModelCatalog.BuiltIn;
        private static ImageInput Image => ImageInput.FromUrl(ImageUrl);

        // ---- Task answers ------------------------------------------------------------------------------

        [Fact]
        public void The_wan25_create_answer_is_a_queued_task_with_its_reserved_credits_and_estimate()
        {
            var task = Unified.ParseTask(Seed.Json("unified-wan25-create"), new VideoTask());
            Assert.Equal(TaskId, task.TaskId);
            Assert.Equal(Wan25, task.Model);
            Assert.Equal(VideoStatus.Queued, task.Status);
            Assert.Equal("pending", task.ProviderStatus);
            Assert.Equal(0, task.Progress);
            Assert.Equal(5m, task.CreditsReserved);
            Assert.Equal(120, task.EstimatedSecondsLeft);
            Assert.Equal("Unified", task.Dialect);
            Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1757169743), task.SubmittedAt);
            Assert.Null(task.VideoUrl);
            Assert.Null(task.CompletedAt);
            Assert.Null(task.ErrorCode);
            Assert.Equal(Seed.Json("unified-wan25-create"), task.RawJson);
        }

        [Fact]
        public void The_wan26_create_answer_is_a_queued_task_without_the_fields_it_does_not_carry()
        {
            var task = Unified.ParseTask(Seed.Json("unified-wan26-create"), new VideoTask());
            Assert.Equal(TaskId, task.TaskId);
            Assert.Equal(Wan26, task.Model);
            Assert.Equal(VideoStatus.Queued, task.Status);
            Assert.Equal("pending", task.ProviderStatus);
            Assert.Equal(0, task.Progress);
            Assert.Equal("Unified", task.Dialect);
            // Seed 001 lists no usage or task_info: nothing is invented for them.
            Assert.Null(task.CreditsReserved);
            Assert.Null(task.EstimatedSecondsLeft);
            Assert.Null(task.VideoUrl);
        }

        [Fact]
        public void The_wan26_create_answer_keeps_the_credits_an_earlier_answer_gave()
        {
            var known = Unified.ParseTask(Seed.Json("unified-wan25-create"), new VideoTask());
            var task = Unified.ParseTask(Seed.Json("unified-wan26-create"), known);
            Assert.Equal(5m, task.CreditsReserved);
        }

        [Fact]
        public void A_completed_detail_succeeds_with_the_first_result_as_its_video_link()
        {
            var task = Unified.ParseTask(Detail("completed", 100, ",\"results\":[\"https://cdn.example.com/v/1.mp4?sig=a\",\"https://cdn.example.com/v/2.mp4\"]"),
                new VideoTask());
            Assert.Equal(VideoStatus.Succeeded, task.Status);
            Assert.Equal("completed", task.ProviderStatus);
            Assert.Equal(100, task.Progress);
            Assert.Equal(new Uri("https://cdn.example.com/v/1.mp4?sig=a"), task.VideoUrl);
            Assert.Null(task.EstimatedSecondsLeft);
            Assert.Null(task.ErrorCode);
        }

        [Fact]
        public void A_refresh_keeps_what_only_the_submitter_knew()
        {
            var submitted = DateTimeOffset.FromUnixTimeSeconds(1757169700);
            var known = new VideoTask
            {
                TaskId = TaskId, Model = Wan25, Prompt = "A cat playing piano", SourceImage = ImageUrl, SubmittedAt = submitted,
                Gateway = new Uri("https://ai.odkkk.com/apiv1/"), Connection = "work",
            };
            var task = Unified.ParseTask(Detail("processing", 40, string.Empty), known);
            Assert.Equal(("A cat playing piano", ImageUrl, "work"), (task.Prompt, task.SourceImage, task.Connection));
            Assert.Equal(known.Gateway, task.Gateway);
            Assert.Equal(submitted, task.SubmittedAt);
            Assert.Equal(40, task.Progress);
        }

        [Theory]
        [InlineData("pending", VideoStatus.Queued)]
        [InlineData("processing", VideoStatus.Running)]
        [InlineData("completed", VideoStatus.Succeeded)]
        [InlineData("failed", VideoStatus.Failed)]
        public void Every_documented_status_word_is_normalized_and_kept(string word, VideoStatus expected)
        {
            var task = Unified.ParseTask(Seed.Json("unified-wan25-create").Replace("\"status\":\"pending\"", $"\"status\":\"{word}\""), new VideoTask());
            Assert.Equal(expected, task.Status);
            Assert.Equal(word, task.ProviderStatus);
        }

        [Fact]
        public void A_failed_task_keeps_the_providers_code_and_message()
        {
            var task = Unified.ParseTask(
                Detail("failed", 100, ",\"error\":{\"code\":\"content_policy_violation\",\"message\":\"The prompt was refused by the content policy\"}"),
                new VideoTask());
            Assert.Equal(VideoStatus.Failed, task.Status);
            Assert.Equal("content_policy_violation", task.ErrorCode);
            Assert.Equal("The prompt was refused by the content policy", task.ErrorMessage);
            Assert.Null(task.VideoUrl);
        }

        // ---- Completion time: the answer states none -------------------------------------------------------

        [Theory]
        [InlineData("completed")]
        [InlineData("failed")]
        public void A_bare_read_of_a_finished_task_has_no_completion_time_rather_than_the_time_of_the_read(string word)
        {
            var bare = new VideoTask { TaskId = TaskId, ProviderStatus = "unknown" };
            Assert.Null(Unified.ParseTask(Detail(word, 100, string.Empty), bare).CompletedAt);
            Assert.Null(Unified.ParseTask(Detail(word, 100, string.Empty), bare).CompletedAt);
        }

        [Fact]
        public void The_completion_is_when_this_client_saw_the_task_finish_and_later_reads_keep_it()
        {
            var processing = Unified.ParseTask(Detail("processing", 40, string.Empty), new VideoTask { TaskId = TaskId });
            var before = DateTimeOffset.UtcNow;
            var done = Unified.ParseTask(Detail("completed", 100, ",\"results\":[\"https://cdn.example.com/v/1.mp4\"]"), processing);
            var after = DateTimeOffset.UtcNow;
            Assert.InRange(done.CompletedAt!.Value, before, after);
            Assert.Equal(done.CompletedAt, Unified.ParseTask(Detail("completed", 100, string.Empty), done).CompletedAt);
        }

        [Fact]
        public void A_completion_time_known_from_earlier_is_kept()
        {
            var completed = DateTimeOffset.FromUnixTimeSeconds(1757169900);
            var known = new VideoTask { TaskId = TaskId, CompletedAt = completed };
            Assert.Equal(completed, Unified.ParseTask(Detail("completed", 100, string.Empty), known).CompletedAt);
        }

        // ---- Error answers -----------------------------------------------------------------------------

        [Theory]
        [InlineData(400, "GatewayRejectedRequest", ErrorKind.InvalidArgument, "Invalid request format", "invalid_request_error", "model", null)]
        [InlineData(401, "GatewayAuthenticationFailed", ErrorKind.AuthenticationError, "Invalid authentication credentials", "authentication_error", null, null)]
        [InlineData(403, "GatewayPermissionDenied", ErrorKind.PermissionDenied, "Access denied for this model", "permission_error", "model", null)]
        [InlineData(404, "GatewayTaskNotFound", ErrorKind.ObjectNotFound, "Specified model not found", "not_found_error", "model", "wan2.5-image-to-video")]
        [InlineData(429, "GatewayRateLimited", ErrorKind.LimitsExceeded, "Rate limit exceeded", "rate_limit_error", null, "retry after 60 seconds")]
        [InlineData(500, "GatewayServerError", ErrorKind.ConnectionError, "Internal server error", "internal_server_error", null, "try again later")]
        [InlineData(502, "GatewayServerError", ErrorKind.ConnectionError, "Bad gateway", "upstream_error", null, "try again later")]
        [InlineData(503, "GatewayServerError", ErrorKind.ConnectionError, "Service temporarily unavailable", "service_unavailable_error", null, "retry after 30 seconds")]
        public void Each_documented_error_answer_reads_with_its_id_type_parameter_and_suggestion(
            int status, string errorId, ErrorKind kind, string message, string type, string? parameter, string? fallback)
        {
            var error = Unified.ParseError(status, Seed.Json($"unified-error-{status}"));
            Assert.Equal(status, error.HttpStatus);
            Assert.Equal(errorId, error.Id.Name);
            Assert.Equal(kind, error.Kind);
            Assert.Equal(message, error.ProviderMessage);
            Assert.Equal(type, error.ProviderType);
            Assert.Equal(parameter, error.ProviderParameter);
            Assert.Equal(fallback, error.FallbackSuggestion);
            Assert.Equal(type, error.ProviderCode); // the create endpoint's code only repeats the HTTP number: the type is the word
            Assert.Contains(message, error.Message);
            Assert.False(string.IsNullOrWhiteSpace(error.RecommendedAction));
            if (fallback is not null) Assert.Contains(fallback, error.RecommendedAction);
        }

        [Fact]
        public void A_word_code_from_the_task_endpoint_becomes_the_provider_code()
        {
            var error = Unified.ParseError(400,
                "{\"error\":{\"code\":\"invalid_task_id\",\"message\":\"Task id must start with task-unified-\",\"type\":\"invalid_request_error\",\"param\":\"task_id\"}}");
            Assert.Equal("invalid_task_id", error.ProviderCode);
            Assert.Equal("Task id must start with task-unified-", error.ProviderMessage);
            Assert.Equal("task_id", error.ProviderParameter);
            Assert.Equal("GatewayRejectedRequest", error.Id.Name);
            Assert.Contains("invalid_task_id", error.Message);
        }

        [Theory]
        [InlineData("400")]
        [InlineData("\"400\"")]
        public void A_numeric_code_without_a_type_gives_no_provider_code(string code) =>
            Assert.Null(Unified.ParseError(400, $"{{\"error\":{{\"code\":{code},\"message\":\"Invalid request format\"}}}}").ProviderCode);

        [Fact]
        public void No_quota_is_a_402_whose_provider_code_is_its_type()
        {
            // GATEWAY-NOTES: 402 when the account's quota is insufficient, in the create endpoint's body (code = the HTTP number).
            var error = Unified.ParseError(402,
                "{\"error\":{\"code\":402,\"message\":\"Insufficient quota\",\"type\":\"insufficient_quota\",\"fallback_suggestion\":\"recharge your account\"}}");
            Assert.Equal(402, error.HttpStatus);
            Assert.Equal("insufficient_quota", error.ProviderCode);
            Assert.Equal("insufficient_quota", error.ProviderType);
            Assert.Equal("Insufficient quota", error.ProviderMessage);
            Assert.Equal("GatewayPermissionDenied", error.Id.Name);
            Assert.Contains("recharge your account", error.RecommendedAction);
        }

        [Fact]
        public void A_body_that_is_not_json_is_still_a_readable_error()
        {
            var error = Unified.ParseError(502, "<html>Bad Gateway</html>");
            Assert.Equal(502, error.HttpStatus);
            Assert.Equal("GatewayServerError", error.Id.Name);
            Assert.Null(error.ProviderCode);
            Assert.Equal("<html>Bad Gateway</html>", error.ProviderMessage);
            Assert.Contains("<html>Bad Gateway</html>", error.Message);
            Assert.True(error.IsTransient);
        }

        [Fact]
        public void An_empty_body_still_gives_a_message()
        {
            var error = Unified.ParseError(503, string.Empty);
            Assert.False(string.IsNullOrWhiteSpace(error.ProviderMessage));
            Assert.Equal("GatewayServerError", error.Id.Name);
        }

        [Fact]
        public void The_error_keeps_its_target_and_retry_after()
        {
            var error = Unified.ParseError(429, Seed.Json("unified-error-429"), TaskId, TimeSpan.FromSeconds(60));
            Assert.Equal(TaskId, error.Target);
            Assert.Equal(TimeSpan.FromSeconds(60), error.RetryAfter);
        }

        // ---- Submission bodies -------------------------------------------------------------------------

        [Fact]
        public void A_wan26_submission_uses_exactly_the_documented_field_names()
        {
            var request = Catalog.Resolve(new VideoRequest
            {
                Model = Wan26, Prompt = "A cat playing piano", Image = Image, Duration = 15, Resolution = "1080p", SmartRewrite = false,
                AudioUrl = "https://example.com/audio.mp3", CallbackUrl = "https://your-domain.com/webhooks/video-task-completed",
            });
            using var doc = JsonDocument.Parse(Seed.Body(request));
            var root = doc.RootElement;
            Assert.Equal(new[] { "model", "prompt", "duration", "quality", "image_urls", "prompt_extend", "audio_url", "callback_url" }, Names(root));
            Assert.Equal(Wan26, root.GetProperty("model").GetString());
            Assert.Equal("A cat playing piano", root.GetProperty("prompt").GetString());
            Assert.Equal(JsonValueKind.Number, root.GetProperty("duration").ValueKind);
            Assert.Equal(15, root.GetProperty("duration").GetInt32());
            Assert.Equal("1080p", root.GetProperty("quality").GetString());
            Assert.Equal(new[] { ImageUrl }, root.GetProperty("image_urls").EnumerateArray().Select(e => e.GetString()).ToArray());
            Assert.Equal(JsonValueKind.False, root.GetProperty("prompt_extend").ValueKind);
            Assert.Equal("https://example.com/audio.mp3", root.GetProperty("audio_url").GetString());
            Assert.Equal("https://your-domain.com/webhooks/video-task-completed", root.GetProperty("callback_url").GetString());
        }

        [Fact]
        public void A_minimal_submission_gets_the_models_defaults_and_no_unset_options()
        {
            var request = Catalog.Resolve(new VideoRequest { Model = Wan25, Prompt = "p", Image = Image });
            using var doc = JsonDocument.Parse(Seed.Body(request));
            var root = doc.RootElement;
            Assert.Equal(new[] { "model", "prompt", "duration", "quality", "image_urls" }, Names(root));
            Assert.Equal(5, root.GetProperty("duration").GetInt32());
            Assert.Equal("720p", root.GetProperty("quality").GetString());
        }

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void Prompt_extend_is_sent_as_the_smart_rewrite_switch_says(bool rewrite)
        {
            var request = Catalog.Resolve(new VideoRequest { Model = Wan25, Prompt = "p", Image = Image, SmartRewrite = rewrite });
            using var doc = JsonDocument.Parse(Seed.Body(request));
            Assert.Equal(rewrite, doc.RootElement.GetProperty("prompt_extend").GetBoolean());
        }

        [Fact]
        public void Extra_fields_follow_the_modules_own_with_their_json_types()
        {
            var request = Catalog.Resolve(new VideoRequest
            {
                Model = Wan25, Prompt = "p", Image = Image,
                ExtraFields = new Dictionary<string, object?>
                {
                    ["negative_prompt"] = "x", ["n"] = 2, ["tags"] = new[] { "a", "b" }, ["obj"] = new Dictionary<string, object?> { ["k"] = true },
                },
            });
            using var doc = JsonDocument.Parse(Seed.Body(request));
            var root = doc.RootElement;
            var names = Names(root);
            Assert.Equal(new[] { "model", "prompt", "duration", "quality", "image_urls" }, names.Take(5).ToArray());
            Assert.Equal(new[] { "n", "negative_prompt", "obj", "tags" }, names.Skip(5).OrderBy(n => n, StringComparer.Ordinal).ToArray());
            Assert.Equal("x", root.GetProperty("negative_prompt").GetString());
            Assert.Equal(JsonValueKind.Number, root.GetProperty("n").ValueKind);
            Assert.Equal(2, root.GetProperty("n").GetInt32());
            Assert.Equal(new[] { "a", "b" }, root.GetProperty("tags").EnumerateArray().Select(e => e.GetString()).ToArray());
            Assert.Equal(JsonValueKind.True, root.GetProperty("obj").GetProperty("k").ValueKind);
        }

        [Fact]
        public void The_seeds_request_example_is_part_of_what_the_module_sends()
        {
            using var example = JsonDocument.Parse(Seed.Json("unified-request-image-to-video"));
            var model = example.RootElement.GetProperty("model").GetString()!;
            var prompt = example.RootElement.GetProperty("prompt").GetString()!;
            var request = Catalog.Resolve(new VideoRequest { Model = model, Prompt = prompt, Image = Image });
            using var sent = JsonDocument.Parse(Seed.Body(request));
            foreach (var property in example.RootElement.EnumerateObject())
            {
                Assert.True(sent.RootElement.TryGetProperty(property.Name, out var value), $"The body lacks '{property.Name}'.");
                Assert.Equal(property.Value.GetRawText(), value.GetRawText());
            }
            Assert.Equal(new[] { ImageUrl }, sent.RootElement.GetProperty("image_urls").EnumerateArray().Select(e => e.GetString()).ToArray());
        }

        // ---- Paths and task ids ------------------------------------------------------------------------

        [Fact]
        public void Requests_go_to_the_documented_paths()
        {
            Assert.Equal("v1/videos/generations", Unified.SubmitPath);
            Assert.Equal("v1/tasks/" + TaskId, Unified.TaskPath(TaskId));
        }

        [Fact]
        public void The_task_path_escapes_the_id() =>
            Assert.Equal("v1/tasks/a%2Fb%20c%3Fd", Unified.TaskPath("a/b c?d"));

        [Fact]
        public void Relative_paths_keep_the_base_uris_path_prefix()
        {
            var root = new Uri("https://ai.odkkk.com/apiv1/");
            Assert.Equal("https://ai.odkkk.com/apiv1/v1/videos/generations", new Uri(root, Unified.SubmitPath).AbsoluteUri);
            Assert.Equal($"https://ai.odkkk.com/apiv1/v1/tasks/{TaskId}", new Uri(root, Unified.TaskPath(TaskId)).AbsoluteUri);
            Assert.Equal("https://ai.odkkk.com/apiv1/v1/videos/generations", new Uri(Unified.DefaultBaseUri, Unified.SubmitPath).AbsoluteUri);
        }

        [Fact]
        public void Unified_task_ids_are_told_apart_by_their_shape()
        {
            Assert.True(Unified.OwnsTaskId(TaskId));
            Assert.False(Unified.OwnsTaskId("ae8eb420-8aa6-440a-8eb8-1d1afe8d5e97"));
            Assert.False(Unified.OwnsTaskId("video_123"));
            Assert.Same(Dialects.Unified, Dialects.ForTaskId(TaskId));
            Assert.Same(Dialects.Nebula, Dialects.ForTaskId("ae8eb420-8aa6-440a-8eb8-1d1afe8d5e97"));
            Assert.Same(Dialects.Nebula, Dialects.ForTaskId("video_123"));
        }

        [Fact]
        public void The_unified_gateway_takes_images_only_by_url() => Assert.False(Unified.AcceptsInlineImages);

        // ---- Catalog rules for the unified models ------------------------------------------------------

        [Theory]
        [InlineData(Wan25, 2000)]
        [InlineData(Wan26, 1500)]
        public void A_prompt_up_to_the_models_limit_is_accepted_and_one_longer_refused(string model, int limit)
        {
            var fits = new string('a', limit);
            Assert.Equal(fits, Catalog.Resolve(new VideoRequest { Model = model, Prompt = fits, Image = Image }).Prompt);

            var tooLong = new string('a', limit + 1);
            AssertRefused(new VideoRequest { Model = model, Prompt = tooLong, Image = Image }, "PromptTooLong", ErrorKind.InvalidArgument, tooLong);
        }

        [Theory]
        [InlineData(Wan25, 5)]
        [InlineData(Wan25, 10)]
        [InlineData(Wan26, 5)]
        [InlineData(Wan26, 10)]
        [InlineData(Wan26, 15)]
        public void Documented_durations_are_accepted(string model, int seconds) =>
            Assert.Equal(seconds, Catalog.Resolve(new VideoRequest { Model = model, Prompt = "p", Image = Image, Duration = seconds }).Duration);

        [Theory]
        [InlineData(Wan25, 15)]
        [InlineData(Wan25, 7)]
        [InlineData(Wan26, 20)]
        public void Other_durations_are_refused(string model, int seconds) =>
            AssertRefused(new VideoRequest { Model = model, Prompt = "p", Image = Image, Duration = seconds }, "DurationNotSupported", ErrorKind.InvalidArgument, seconds);

        [Fact]
        public void Quality_480p_is_offered_by_wan25_only()
        {
            Assert.Equal("480p", Catalog.Resolve(new VideoRequest { Model = Wan25, Prompt = "p", Image = Image, Resolution = "480p" }).Resolution);
            AssertRefused(new VideoRequest { Model = Wan26, Prompt = "p", Image = Image, Resolution = "480p" }, "ResolutionNotSupported", ErrorKind.InvalidArgument, "480p");
        }

        [Fact]
        public void An_audio_url_is_refused_by_unified_wan25()
        {
            const string audio = "https://example.com/audio.mp3";
            AssertRefused(new VideoRequest { Model = Wan25, Prompt = "p", Image = Image, AudioUrl = audio }, "ParameterNotSupported", ErrorKind.InvalidArgument, audio);
            Assert.Equal(audio, Catalog.Resolve(new VideoRequest { Model = Wan26, Prompt = "p", Image = Image, AudioUrl = audio }).AudioUrl);
        }

        [Fact]
        public void An_http_audio_url_is_refused_by_wan26()
        {
            const string audio = "http://example.com/audio.mp3";
            AssertRefused(new VideoRequest { Model = Wan26, Prompt = "p", Image = Image, AudioUrl = audio }, "AudioUrlInvalid", ErrorKind.InvalidArgument, audio);
        }

        [Theory]
        [InlineData("http://example.com/hook")]
        [InlineData("not a url")]
        [InlineData("https://127.0.0.1/hook")]
        [InlineData("https://localhost/hook")]
        [InlineData("https://hooks.localhost/hook")]
        [InlineData("https://10.1.2.3/hook")]
        [InlineData("https://172.16.0.1/hook")]
        [InlineData("https://172.31.255.255/hook")]
        [InlineData("https://192.168.1.1/hook")]
        [InlineData("https://169.254.1.1/hook")]
        [InlineData("https://100.64.0.1/hook")]
        [InlineData("https://0.0.0.0/hook")]
        [InlineData("https://[::1]/hook")]
        [InlineData("https://[fd00::1]/hook")]
        [InlineData("https://[fe80::1]/hook")]
        [InlineData("https://[::ffff:10.0.0.1]/hook")]
        [InlineData("https://[::ffff:127.0.0.1]/hook")]
        [InlineData("https://[::]/hook")]
        [InlineData("https://2130706433/hook")]
        [InlineData("https://127.1/hook")]
        [InlineData("https://0x7f.0.0.1/hook")]
        [InlineData("https://localhost./hook")]
        [InlineData("https://LOCALHOST/hook")]
        public void A_callback_url_that_is_not_public_https_is_refused(string callback)
        {
            foreach (var model in new[] { Wan25, Wan26 })
                AssertRefused(new VideoRequest { Model = model, Prompt = "p", Image = Image, CallbackUrl = callback }, "CallbackUrlInvalid", ErrorKind.InvalidArgument, callback);
        }

        [Fact]
        public void A_callback_url_longer_than_2048_characters_is_refused_and_one_of_2048_accepted()
        {
            const string head = "https://example.com/";
            var longest = head + new string('a', 2048 - head.Length);
            Assert.Equal(longest, Catalog.Resolve(new VideoRequest { Model = Wan25, Prompt = "p", Image = Image, CallbackUrl = longest }).CallbackUrl);

            var tooLong = head + new string('a', 2049 - head.Length);
            AssertRefused(new VideoRequest { Model = Wan25, Prompt = "p", Image = Image, CallbackUrl = tooLong }, "CallbackUrlInvalid", ErrorKind.InvalidArgument, tooLong);
        }

        [Theory]
        [InlineData("https://172.32.0.1/hook")]
        [InlineData("https://172.15.255.255/hook")]
        [InlineData("https://example.com/hook")]
        [InlineData("https://your-domain.com/webhooks/video-task-completed")]
        public void A_public_https_callback_url_is_accepted(string callback) =>
            Assert.Equal(callback, Catalog.Resolve(new VideoRequest { Model = Wan25, Prompt = "p", Image = Image, CallbackUrl = callback }).CallbackUrl);

        [Fact]
        public void A_callback_url_is_refused_by_a_nebula_model() =>
            AssertRefused(new VideoRequest { Prompt = "p", Image = ImageInput.FromFile(Seed.RepoFile("samples", "stills", "harbor.png"), 5 << 20), CallbackUrl = "https://example.com/hook" },
                "ParameterNotSupported", ErrorKind.InvalidArgument, "https://example.com/hook");

        [Theory]
        [InlineData(Wan25)]
        [InlineData(Wan26)]
        public void A_local_file_is_refused_with_advice_to_pass_an_image_url(string model)
        {
            var file = ImageInput.FromFile(Seed.RepoFile("samples", "stills", "harbor.png"));
            var ex = AssertRefused(new VideoRequest { Model = model, Prompt = "p", Image = file }, "ImageUrlRequired", ErrorKind.InvalidArgument, file.DisplayName);
            Assert.Contains("-ImageUrl", ex.RecommendedAction);

            var direct = Assert.Throws<NebulaVideoException>(() => ModelCatalog.CheckImageSource(Catalog.Get(model), ImageInputKind.File, file.DisplayName));
            Assert.Equal(("ImageUrlRequired", ErrorKind.InvalidArgument, (object)file.DisplayName), (direct.Id.Name, direct.Kind, direct.Target));
            Assert.Contains("-ImageUrl", direct.RecommendedAction);
        }

        [Theory]
        [InlineData(Wan25)]
        [InlineData(Wan26)]
        public void A_data_uri_is_refused_with_advice_to_pass_an_image_url(string model)
        {
            var bytes = File.ReadAllBytes(Seed.RepoFile("samples", "stills", "harbor.png"));
            var inline = ImageInput.FromUrl("data:image/png;base64," + Convert.ToBase64String(bytes));
            Assert.Equal(ImageInputKind.DataUri, inline.Kind);
            var ex = AssertRefused(new VideoRequest { Model = model, Prompt = "p", Image = inline }, "ImageUrlRequired", ErrorKind.InvalidArgument, "(data URI)");
            Assert.Contains("-ImageUrl", ex.RecommendedAction);

            var direct = Assert.Throws<NebulaVideoException>(() => ModelCatalog.CheckImageSource(Catalog.Get(model), ImageInputKind.DataUri, "(data URI)"));
            Assert.Equal(("ImageUrlRequired", ErrorKind.InvalidArgument, (object)"(data URI)"), (direct.Id.Name, direct.Kind, direct.Target));
        }

        [Theory]
        [InlineData(Wan25)]
        [InlineData(Wan26)]
        public void An_https_image_url_is_accepted(string model)
        {
            Assert.Equal(ImageUrl, Catalog.Resolve(new VideoRequest { Model = model, Prompt = "p", Image = Image }).Image!.Value);
            ModelCatalog.CheckImageSource(Catalog.Get(model), ImageInputKind.Url, ImageUrl);
        }

        [Fact]
        public void A_nebula_model_still_takes_a_local_file() =>
            ModelCatalog.CheckImageSource(Catalog.Get("wan2.5-i2v-preview"), ImageInputKind.File, "harbor.png");

        [Theory]
        [InlineData(Wan25)]
        [InlineData(Wan26)]
        public void An_unified_model_without_an_image_is_refused(string model) =>
            AssertRefused(new VideoRequest { Model = model, Prompt = "p" }, "ImageRequired", ErrorKind.InvalidArgument, model);

        [Theory]
        [InlineData(Wan25, "quality")]
        [InlineData(Wan25, "prompt")]
        [InlineData(Wan25, "image_urls")]
        [InlineData(Wan26, "Quality")]
        [InlineData(Wan26, "callback_url")]
        [InlineData("wan2.5-i2v-preview", "seed")]
        [InlineData("wan2.5-i2v-preview", "image")]
        public void A_parameter_naming_a_field_the_module_sets_is_refused(string model, string field)
        {
            var image = model == "wan2.5-i2v-preview" ? ImageInput.FromFile(Seed.RepoFile("samples", "stills", "harbor.png"), 5 << 20) : Image;
            var request = new VideoRequest { Model = model, Prompt = "p", Image = image, ExtraFields = new Dictionary<string, object?> { [field] = "x" } };
            AssertRefused(request, "ParameterConflict", ErrorKind.InvalidArgument, field);
        }

        [Theory]
        [InlineData(Wan25)]
        [InlineData(Wan26)]
        public void A_parameter_naming_another_field_is_accepted(string model)
        {
            var request = Catalog.Resolve(new VideoRequest
            {
                Model = model, Prompt = "p", Image = Image, ExtraFields = new Dictionary<string, object?> { ["negative_prompt"] = "blur" },
            });
            Assert.Equal("blur", request.ExtraFields["negative_prompt"]);
        }

        [Theory]
        [InlineData(Wan25, "720p", 5)]
        [InlineData(Wan25, "480p", 10)]
        [InlineData(Wan26, "1080p", 15)]
        [InlineData(Wan26, null, null)]
        public void The_unified_models_have_no_price_so_their_estimate_is_unknown_not_zero(string model, string? quality, int? seconds)
        {
            var info = Catalog.Get(model);
            Assert.False(info.IsPriced);
            Assert.Null(info.EstimateCost(quality, seconds));
            Assert.Null(info.PricePerSecond(quality));
        }

        [Fact]
        public void A_tally_with_an_unpriced_model_has_an_unknown_total_and_the_priced_part()
        {
            var tally = new CostTally();
            tally.Add(Catalog.Get("wan2.5-i2v-preview"), "720p", 5, 1m, 1);
            tally.Add(Catalog.Get(Wan25), "720p", 5, 1m, 1);

            Assert.Equal(2, tally.Groups.Count);
            Assert.Equal(0.369m, tally.Groups[0].EstimatedCostUsd);
            Assert.Null(tally.Groups[1].EstimatedCostUsd);
            Assert.False(tally.Groups[1].IsPriceKnown);

            var total = tally.Total;
            Assert.True(total.IsTotal);
            Assert.Equal(2, total.Count);
            Assert.Null(total.EstimatedCostUsd);
            Assert.Equal(0.369m, total.PricedCostUsd);
            Assert.Equal(1, total.UnpricedCount);
        }

        // ---- Helpers -----------------------------------------------------------------------------------

        /// <summary>A task detail: the seed's create answer with the status, progress and fields GATEWAY-NOTES adds.</summary>
        private static string Detail(string status, int progress, string extra) =>
            $"{{\"created\":1757169743,\"id\":\"{TaskId}\",\"model\":\"{Wan25}\",\"object\":\"video.generation.task\",\"progress\":{progress}," +
            $"\"status\":\"{status}\",\"task_info\":{{\"can_cancel\":false}},\"type\":\"video\"{extra}}}";

        private static NebulaVideoException AssertRefused(VideoRequest request, string errorId, ErrorKind kind, object target)
        {
            var ex = Assert.ThrowsAny<NebulaVideoException>(() => Catalog.Resolve(request));
            Assert.Equal(errorId, ex.Id.Name);
            Assert.Equal(kind, ex.Kind);
            Assert.Equal(target, ex.Target);
            Assert.False(string.IsNullOrWhiteSpace(ex.RecommendedAction));
            return ex;
        }

        private static string[] Names(JsonElement element) => element.EnumerateObject().Select(p => p.Name).ToArray();
    }
}
