using System;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
using NebulaVideo.Core.Catalog;
using NebulaVideo.Core.Images;
using NebulaVideo.Core.Gateways;
using NebulaVideo.Core.Gateways.Nebula;
using NebulaVideo.Core.Downloads;
using Xunit;

namespace NebulaVideo.Core.Tests
{
    public sealed class NebulaDialectTests
    {
        [Fact]
        public void Wan_submit_answer_is_queued_with_the_gateways_group_ratio()
        {
            var task = Dialects.Nebula.ParseTask(Seed.Json("wan25-submit"), new VideoTask());
            Assert.Equal("ae8eb420-8aa6-440a-8eb8-1d1afe8d5e97", task.TaskId);
            Assert.Equal(VideoStatus.Queued, task.Status);
            Assert.Equal("submitted/PENDING", task.ProviderStatus);
            Assert.Equal(0, task.Progress);
            Assert.Equal(5, task.Duration);
            Assert.Equal(1m, task.GroupRatio);
            Assert.Null(task.VideoUrl);
        }

        [Theory]
        [InlineData("wan25-in-progress-pending", VideoStatus.Queued, "in_progress/PENDING", 0)]
        [InlineData("wan25-in-progress-running", VideoStatus.Running, "in_progress/RUNNING", 50)]
        public void Wan_in_progress_answers_tell_queued_from_running(string fixture, VideoStatus status, string providerStatus, int progress)
        {
            var task = Dialects.Nebula.ParseTask(Seed.Json(fixture), new VideoTask());
            Assert.Equal(status, task.Status);
            Assert.Equal(providerStatus, task.ProviderStatus);
            Assert.Equal(progress, task.Progress);
            Assert.Null(task.CompletedAt);
        }

        [Fact]
        public void Wan_success_carries_the_signed_link_and_the_usage()
        {
            var task = Dialects.Nebula.ParseTask(Seed.Json("wan25-succeeded"), new VideoTask());
            Assert.Equal(VideoStatus.Succeeded, task.Status);
            Assert.Equal("succeeded", task.ProviderStatus); // inner and outer words agree, so one is kept
            Assert.Equal(100, task.Progress);
            Assert.Equal("https://dashscope-result-sh.oss-cn-shanghai.aliyuncs.com/.../video.mp4?Expires=...", task.VideoUrl!.OriginalString);
            Assert.Equal(5, task.Duration);
            Assert.Equal("720p", task.Resolution);
            Assert.NotNull(task.CompletedAt);
        }

        // seed 000's succeeded answer: submit_time "2025-11-04 19:15:11.819", end_time "2025-11-04 19:16:40.291", Beijing time.
        private static readonly DateTimeOffset SeedSubmitTime = new DateTimeOffset(2025, 11, 4, 19, 15, 11, 819, TimeSpan.FromHours(8));
        private static readonly DateTimeOffset SeedEndTime = new DateTimeOffset(2025, 11, 4, 19, 16, 40, 291, TimeSpan.FromHours(8));
        private const string WanTaskId = "ae8eb420-8aa6-440a-8eb8-1d1afe8d5e97";

        [Fact]
        public void Wan_success_read_twice_from_a_bare_id_gives_the_gateways_times_both_times()
        {
            var bare = new VideoTask { TaskId = WanTaskId, ProviderStatus = "unknown" };
            var first = Dialects.Nebula.ParseTask(Seed.Json("wan25-succeeded"), bare);
            var second = Dialects.Nebula.ParseTask(Seed.Json("wan25-succeeded"), bare);
            Assert.Equal(SeedEndTime, first.CompletedAt);
            Assert.Equal(SeedEndTime, second.CompletedAt);
            Assert.Equal(SeedSubmitTime, first.SubmittedAt);
            Assert.Equal(SeedEndTime, Dialects.Nebula.ParseTask(Seed.Json("wan25-succeeded"), first).CompletedAt);
        }

        [Fact]
        public void The_gateways_end_time_wins_over_the_moment_this_client_saw_the_end()
        {
            var running = Dialects.Nebula.ParseTask(Seed.Json("wan25-in-progress-running"), new VideoTask { TaskId = WanTaskId });
            Assert.Equal(SeedEndTime, Dialects.Nebula.ParseTask(Seed.Json("wan25-succeeded"), running).CompletedAt);
        }

        [Fact]
        public void A_known_submission_time_is_kept_over_the_gateways()
        {
            var submitted = new DateTimeOffset(2025, 11, 4, 11, 15, 10, TimeSpan.Zero);
            var task = Dialects.Nebula.ParseTask(Seed.Json("wan25-succeeded"), new VideoTask { TaskId = WanTaskId, SubmittedAt = submitted });
            Assert.Equal(submitted, task.SubmittedAt);
        }

        [Fact]
        public void Without_end_time_a_bare_read_of_a_finished_task_has_no_completion_time()
        {
            var bare = new VideoTask { TaskId = WanTaskId, ProviderStatus = "unknown" };
            Assert.Null(Dialects.Nebula.ParseTask(WanSucceededWithoutTimes(), bare).CompletedAt);
            Assert.Null(Dialects.Nebula.ParseTask(Seed.Json("wan25-failed"), bare).CompletedAt);
        }

        [Fact]
        public void Without_end_time_the_completion_is_when_this_client_saw_the_task_finish_and_it_stays()
        {
            var running = Dialects.Nebula.ParseTask(Seed.Json("wan25-in-progress-running"), new VideoTask { TaskId = WanTaskId });
            var before = DateTimeOffset.UtcNow;
            var done = Dialects.Nebula.ParseTask(WanSucceededWithoutTimes(), running);
            var after = DateTimeOffset.UtcNow;
            Assert.InRange(done.CompletedAt!.Value, before, after);
            Assert.Equal(done.CompletedAt, Dialects.Nebula.ParseTask(WanSucceededWithoutTimes(), done).CompletedAt);
        }

        // ---- What a bare id's answer tells: model, cost ----------------------------------------------------

        // The built-in catalog, so a user's own catalog file cannot change what these tests infer.
        private static readonly NebulaDialect BuiltInCatalogDialect = new NebulaDialect(() => ModelCatalog.BuiltIn);

        [Fact]
        public void A_bare_read_of_the_wan_success_names_the_model_its_price_belongs_to_and_the_cost()
        {
            var task = BuiltInCatalogDialect.ParseTask(Seed.Json("wan25-succeeded"), new VideoTask { TaskId = WanTaskId });
            Assert.Equal("wan2.5-i2v-preview", task.Model);
            Assert.Equal(0.369m, task.EstimatedCostUsd); // seed 000: $0.0738/s x 5 s x group ratio 1
            Assert.Equal(SeedSubmitTime, task.SubmittedAt);
        }

        [Fact]
        public void The_cost_is_the_gateways_price_times_the_billed_seconds_times_the_group_ratio()
        {
            var answer = JsonNode.Parse(Seed.Json("wan25-succeeded"))!;
            answer["metadata"]!["group_ratio"] = 2;
            answer["metadata"]!["usage"]!["duration"] = 10;
            Assert.Equal(1.476m, BuiltInCatalogDialect.ParseTask(answer.ToJsonString(), new VideoTask { TaskId = WanTaskId }).EstimatedCostUsd);
        }

        [Fact]
        public void Without_usage_the_cost_takes_the_requested_seconds_or_the_known_ones()
        {
            var bare = new VideoTask { TaskId = WanTaskId };
            Assert.Equal(0.369m, BuiltInCatalogDialect.ParseTask(Seed.Json("wan25-submit"), bare).EstimatedCostUsd);
            Assert.Equal(0.738m, BuiltInCatalogDialect.ParseTask(Seed.Json("wan25-in-progress-pending"), bare with { Duration = 10 }).EstimatedCostUsd);
            Assert.Null(BuiltInCatalogDialect.ParseTask(Seed.Json("wan25-in-progress-pending"), bare).EstimatedCostUsd);
        }

        [Fact]
        public void A_known_model_and_estimate_are_kept()
        {
            var known = new VideoTask { TaskId = WanTaskId, Model = "wan2.5-i2v-custom", EstimatedCostUsd = 0.4m };
            var task = BuiltInCatalogDialect.ParseTask(Seed.Json("wan25-succeeded"), known);
            Assert.Equal(("wan2.5-i2v-custom", 0.4m), (task.Model, task.EstimatedCostUsd));
        }

        [Fact]
        public void Two_catalog_models_at_the_answers_price_leave_the_model_empty()
        {
            var twin = ModelCatalog.BuiltIn.Get("wan2.5-i2v-preview") with { Name = "wan2.5-i2v-twin" };
            var dialect = new NebulaDialect(() => new ModelCatalog(ModelCatalog.BuiltIn.Models.Append(twin)));
            var task = dialect.ParseTask(Seed.Json("wan25-succeeded"), new VideoTask { TaskId = WanTaskId });
            Assert.Equal(string.Empty, task.Model);
            Assert.Equal(0.369m, task.EstimatedCostUsd);
        }

        [Theory]
        [InlineData(0.1)] // sora-2's flat price: a sora answer always names its model, so a wan-style answer is never sora-2
        [InlineData(0.05)] // no catalog price at all
        public void A_price_no_wan_style_model_has_leaves_the_model_empty(double price)
        {
            var answer = JsonNode.Parse(Seed.Json("wan25-succeeded"))!;
            answer["metadata"]!["model_price"] = (decimal)price;
            Assert.Equal(string.Empty, BuiltInCatalogDialect.ParseTask(answer.ToJsonString(), new VideoTask { TaskId = WanTaskId }).Model);
        }

        [Fact]
        public void An_answer_without_resolution_names_no_model()
        {
            var task = BuiltInCatalogDialect.ParseTask(Seed.Json("wan25-in-progress-pending"), new VideoTask { TaskId = WanTaskId });
            Assert.Equal(string.Empty, task.Model);
            var sized = BuiltInCatalogDialect.ParseTask(Seed.Json("wan25-in-progress-pending"), new VideoTask { TaskId = WanTaskId, Resolution = "720p" });
            Assert.Equal("wan2.5-i2v-preview", sized.Model);
        }

        [Fact]
        public void A_broken_user_catalog_leaves_the_model_empty_instead_of_failing_the_read()
        {
            var dialect = new NebulaDialect(() => throw new NebulaVideoException(ErrorIds.CatalogFileInvalid, "broken", "models.json"));
            var task = dialect.ParseTask(Seed.Json("wan25-succeeded"), new VideoTask { TaskId = WanTaskId });
            Assert.Equal((string.Empty, VideoStatus.Succeeded), (task.Model, task.Status));
        }

        // Seed 000's success as a gateway might send it without DashScope's times.
        private static string WanSucceededWithoutTimes()
        {
            var answer = JsonNode.Parse(Seed.Json("wan25-succeeded"))!;
            var output = answer["metadata"]!["output"]!.AsObject();
            output.Remove("submit_time");
            output.Remove("end_time");
            return answer.ToJsonString();
        }

        [Fact]
        public void Wan_failure_keeps_the_providers_code_and_message()
        {
            var task = Dialects.Nebula.ParseTask(Seed.Json("wan25-failed"), new VideoTask());
            Assert.Equal(VideoStatus.Failed, task.Status);
            Assert.Equal("InvalidParameter.ImageFormat", task.ErrorCode);
            Assert.Equal("Image format not supported or incorrect format", task.ErrorMessage);
            Assert.Null(task.VideoUrl);
        }

        [Fact]
        public void An_expired_link_makes_the_task_expired_not_a_url()
        {
            var json = Seed.Json("wan25-succeeded").Replace(
                "\"https://dashscope-result-sh.oss-cn-shanghai.aliyuncs.com/.../video.mp4?Expires=...\"", "\"expired\"");
            var task = Dialects.Nebula.ParseTask(json, new VideoTask());
            Assert.Equal(VideoStatus.Expired, task.Status);
            Assert.Null(task.VideoUrl);
        }

        [Fact]
        public void Sora_submit_answer_reads_the_task_from_its_metadata()
        {
            var task = Dialects.Nebula.ParseTask(Seed.Json("sora2-submit"), new VideoTask());
            Assert.Equal("video_69095b4ce0048190893a01510c0c98b0", task.TaskId);
            Assert.Equal("sora-2", task.Model);
            Assert.Equal(VideoStatus.Queued, task.Status);
            Assert.Equal("submitted/queued", task.ProviderStatus);
            Assert.Equal(4, task.Duration);
            Assert.Equal("1280x720", task.Resolution);
            Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1762220876), task.SubmittedAt);
        }

        [Theory]
        [InlineData("sora2-queued", VideoStatus.Queued, 0)]
        [InlineData("sora2-in-progress", VideoStatus.Running, 50)]
        [InlineData("sora2-succeeded", VideoStatus.Succeeded, 100)]
        [InlineData("sora2-failed", VideoStatus.Failed, 100)]
        public void Sora_answers_keep_the_gateways_progress(string fixture, VideoStatus status, int progress)
        {
            var task = Dialects.Nebula.ParseTask(Seed.Json(fixture), new VideoTask());
            Assert.Equal(status, task.Status);
            Assert.Equal(progress, task.Progress);
            Assert.Equal("video_1234567890abcdef", task.TaskId);
            Assert.Equal("sora-2", task.Model);
        }

        [Fact]
        public void Sora_answers_carry_the_prompt_seconds_and_size() =>
            Assert.Equal(("A cute kitten playing in the garden, sunny and warm atmosphere", 4, "720x1280"),
                Dialects.Nebula.ParseTask(Seed.Json("sora2-queued"), new VideoTask()) is var t ? (t.Prompt, t.Duration, t.Resolution) : default);

        [Fact]
        public void Sora_success_completes_at_the_gateways_time_and_failure_keeps_the_reason()
        {
            var done = Dialects.Nebula.ParseTask(Seed.Json("sora2-succeeded"), new VideoTask());
            Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1704067800), done.CompletedAt);
            Assert.Equal("720x1280", done.Resolution);
            Assert.Null(done.VideoUrl); // sora-2 downloads by task id

            var failed = Dialects.Nebula.ParseTask(Seed.Json("sora2-failed"), new VideoTask());
            Assert.Equal("content_policy_violation", failed.ErrorCode);
            Assert.Equal("Prompt contains inappropriate content", failed.ErrorMessage);
        }

        [Fact]
        public void A_refresh_keeps_what_only_the_submitter_knew()
        {
            var known = new VideoTask { TaskId = "ae8eb420-8aa6-440a-8eb8-1d1afe8d5e97", Model = "wan2.5-i2v-preview", Prompt = "kitten",
                SourceImage = "/stills/cat.png", EstimatedCostUsd = 0.369m, Gateway = new Uri("https://llm.ai-nebula.com/") };
            var task = Dialects.Nebula.ParseTask(Seed.Json("wan25-in-progress-running"), known);
            Assert.Equal(("wan2.5-i2v-preview", "kitten", "/stills/cat.png", 0.369m), (task.Model, task.Prompt, task.SourceImage, task.EstimatedCostUsd));
            Assert.Equal(known.Gateway, task.Gateway);
            Assert.Equal(Seed.Json("wan25-in-progress-running"), task.RawJson);
        }

        [Theory]
        [InlineData("submitted", VideoStatus.Queued)]
        [InlineData("queued", VideoStatus.Queued)]
        [InlineData("pending", VideoStatus.Queued)]
        [InlineData("in_progress", VideoStatus.Running)]
        [InlineData("processing", VideoStatus.Running)]
        [InlineData("succeeded", VideoStatus.Succeeded)]
        [InlineData("completed", VideoStatus.Succeeded)]
        [InlineData("failed", VideoStatus.Failed)]
        [InlineData("SUCCEEDED", VideoStatus.Succeeded)]
        public void Every_status_word_the_gateway_uses_is_normalized(string word, VideoStatus expected) =>
            Assert.Equal(expected, NebulaDialect.Normalize(null, word));

        [Fact]
        public void The_inner_provider_status_wins_over_the_outer_one() =>
            Assert.Equal(VideoStatus.Running, NebulaDialect.Normalize("RUNNING", "in_progress"));

        [Fact]
        public void The_first_error_shape_yields_the_providers_code_from_inside_its_message()
        {
            var error = Dialects.Nebula.ParseError(400, Seed.Json("wan25-error"));
            Assert.Equal(400, error.HttpStatus);
            Assert.Equal("InvalidParameter.ImageFormat", error.ProviderCode);
            Assert.Equal("Image format not supported or incorrect format", error.ProviderMessage);
            Assert.Equal("GatewayRejectedRequest", error.Id.Name);
        }

        [Fact]
        public void The_second_error_shape_yields_its_code_and_message()
        {
            var error = Dialects.Nebula.ParseError(401, Seed.Json("sora2-error"));
            Assert.Equal("invalid_api_key", error.ProviderCode);
            Assert.Equal("Invalid API key", error.ProviderMessage);
            Assert.Equal(ErrorKind.AuthenticationError, error.Kind);
        }

        [Fact]
        public void A_body_that_is_not_json_is_still_a_readable_error()
        {
            var error = Dialects.Nebula.ParseError(502, "<html>Bad Gateway</html>");
            Assert.Null(error.ProviderCode);
            Assert.Equal("<html>Bad Gateway</html>", error.ProviderMessage);
            Assert.True(error.IsTransient);
        }

        [Fact]
        public void A_wan_submission_uses_exactly_the_documented_field_names()
        {
            var image = ImageInput.FromUrl("https://example.com/cat.jpg", 5 << 20);
            var request = ModelCatalog.BuiltIn.Resolve(new VideoRequest
            {
                Prompt = "A kitten slowly opens its eyes", Image = image, Duration = 10, Resolution = "1080p",
                SmartRewrite = true, GenerateAudio = false, AudioUrl = "https://example.com/audio.mp3", Seed = 12345,
            });
            using var doc = JsonDocument.Parse(Seed.Body(request));
            var root = doc.RootElement;
            Assert.Equal(new[] { "model", "prompt", "image", "duration", "resolution", "smart_rewrite", "generate_audio", "audio_url", "seed" },
                Names(root));
            Assert.Equal("wan2.5-i2v-preview", root.GetProperty("model").GetString());
            Assert.Equal(10, root.GetProperty("duration").GetInt32());
            Assert.Equal(12345, root.GetProperty("seed").GetInt64());
            Assert.True(root.GetProperty("smart_rewrite").GetBoolean());
        }

        [Fact]
        public void A_sora_submission_uses_exactly_the_documented_field_names_and_omits_unset_options()
        {
            var full = ModelCatalog.BuiltIn.Resolve(new VideoRequest
            {
                Model = "sora-2", Prompt = "A cute kitten", Duration = 8, Size = "1280x720",
                Image = ImageInput.FromUrl("https://example.com/image.jpg", 5 << 20), User = "user-1234",
            });
            using (var doc = JsonDocument.Parse(Seed.Body(full)))
            {
                Assert.Equal(new[] { "model", "prompt", "seconds", "size", "input_reference", "user" }, Names(doc.RootElement));
                Assert.Equal("8", doc.RootElement.GetProperty("seconds").GetString());
            }

            var remix = ModelCatalog.BuiltIn.Resolve(new VideoRequest { Model = "sora-2", Prompt = "again", RemixFromVideoId = "video_12345" });
            using (var doc = JsonDocument.Parse(Seed.Body(remix)))
                Assert.Equal(new[] { "model", "prompt", "seconds", "size", "remix_from_video_id" }, Names(doc.RootElement));
        }

        private static string[] Names(JsonElement element)
        {
            var names = new System.Collections.Generic.List<string>();
            foreach (var property in element.EnumerateObject()) names.Add(property.Name);
            return names.ToArray();
        }
    }
}
