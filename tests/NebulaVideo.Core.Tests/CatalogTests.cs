using System;
using System.IO;
using NebulaVideo.Core.Catalog;
using NebulaVideo.Core.Images;
using Xunit;

namespace NebulaVideo.Core.Tests
{
    public sealed class CatalogTests
    {
        private static readonly ModelCatalog Catalog = ModelCatalog.BuiltIn;
        private static readonly ImageInput Landscape = ImageInput.FromFile(Seed.RepoFile("samples", "stills", "harbor.png"), 5 << 20);
        private static readonly ImageInput Portrait = ImageInput.FromFile(Seed.RepoFile("samples", "stills", "tower.png"), 5 << 20);

        [Theory]
        [InlineData("480p", 5, "0.1845")]
        [InlineData("720p", 5, "0.369")]
        [InlineData("1080p", 5, "0.6165")]
        [InlineData("480p", 10, "0.369")]
        [InlineData("720p", 10, "0.738")]
        [InlineData("1080p", 10, "1.233")]
        public void Wan_prices_are_the_seed_table(string resolution, int seconds, string usd) =>
            Assert.Equal(decimal.Parse(usd, System.Globalization.CultureInfo.InvariantCulture), Catalog.Get("wan2.5-i2v-preview").EstimateCost(resolution, seconds));

        [Theory]
        [InlineData(4, "0.4")]
        [InlineData(8, "0.8")]
        [InlineData(12, "1.2")]
        public void Sora_costs_a_tenth_of_a_dollar_a_second(int seconds, string usd) =>
            Assert.Equal(decimal.Parse(usd, System.Globalization.CultureInfo.InvariantCulture), Catalog.Get("sora-2").EstimateCost("1280x720", seconds));

        [Fact]
        public void The_group_ratio_multiplies_the_price() =>
            Assert.Equal(0.5535m, Catalog.Get("wan2.5-i2v-preview").EstimateCost("720p", 5, 1.5m));

        [Fact]
        public void A_tally_groups_like_videos_and_totals_them()
        {
            var tally = new CostTally();
            var wan = Catalog.Get("wan2.5-i2v-preview");
            tally.Add(wan, "720p", 5, 1m, 2);
            tally.Add(Catalog.Get("sora-2"), "1280x720", 8, 1m, 1);
            tally.Add(wan, "720p", 5, 1m, 1);
            Assert.Equal(2, tally.Groups.Count);
            Assert.Equal((3, (decimal?)1.107m), (tally.Groups[0].Count, tally.Groups[0].EstimatedCostUsd));
            Assert.Equal((4, (decimal?)1.907m, true), (tally.Total.Count, tally.Total.EstimatedCostUsd, tally.Total.IsTotal));
        }

        [Fact]
        public void Defaults_are_filled_from_the_model()
        {
            var wan = Catalog.Resolve(new VideoRequest { Prompt = "p", Image = Landscape });
            Assert.Equal(("wan2.5-i2v-preview", 5, "720p"), (wan.Model, wan.Duration, wan.Resolution));
            var sora = Catalog.Resolve(new VideoRequest { Model = "SORA-2", Prompt = "p" });
            Assert.Equal(("sora-2", 4, "720x1280"), (sora.Model, sora.Duration, sora.Size));
        }

        [Fact]
        public void Sora_takes_its_frame_size_from_the_images_orientation()
        {
            Assert.Equal("1280x720", Catalog.Resolve(new VideoRequest { Model = "sora-2", Prompt = "p", Image = Landscape }).Size);
            Assert.Equal("720x1280", Catalog.Resolve(new VideoRequest { Model = "sora-2", Prompt = "p", Image = Portrait }).Size);
        }

        [Theory]
        [MemberData(nameof(BadRequests))]
        public void Each_bad_request_is_refused_with_its_stable_id(VideoRequest request, string errorId, object target)
        {
            var ex = Assert.ThrowsAny<NebulaVideoException>(() => Catalog.Resolve(request));
            Assert.Equal(errorId, ex.Id.Name);
            Assert.Equal(target, ex.Target);
            Assert.False(string.IsNullOrEmpty(ex.RecommendedAction));
        }

        public static TheoryData<VideoRequest, string, object> BadRequests() => new()
        {
            { new VideoRequest { Model = "veo-3", Prompt = "p" }, "UnknownModel", "veo-3" },
            { new VideoRequest { Prompt = "p", Image = Landscape, Duration = 7 }, "DurationNotSupported", 7 },
            { new VideoRequest { Prompt = "p", Image = Landscape, Resolution = "4k" }, "ResolutionNotSupported", "4k" },
            { new VideoRequest { Model = "sora-2", Prompt = "p", Size = "1920x1080" }, "SizeNotSupported", "1920x1080" },
            { new VideoRequest { Prompt = "p" }, "ImageRequired", "wan2.5-i2v-preview" },
            { new VideoRequest { Prompt = "p", Image = Landscape, Seed = -1 }, "SeedOutOfRange", -1L },
            { new VideoRequest { Prompt = "p", Image = Landscape, Seed = 2147483648 }, "SeedOutOfRange", 2147483648L },
            { new VideoRequest { Prompt = "p", Image = Landscape, AudioUrl = "http://example.com/a.mp3" }, "AudioUrlInvalid", "http://example.com/a.mp3" },
            // The item, not the empty prompt, is the target: it says which image's request it was.
            { new VideoRequest { Prompt = "", Image = Landscape }, "PromptRequired", Landscape.DisplayName },
            { new VideoRequest { Prompt = "  ", Image = Landscape }, "PromptRequired", Landscape.DisplayName },
            { new VideoRequest { Model = "sora-2", Prompt = " " }, "PromptRequired", " " },
            { new VideoRequest { Model = "sora-2", Prompt = "p", Seed = 1 }, "ParameterNotSupported", 1L },
            { new VideoRequest { Prompt = "p", Image = Landscape, Size = "1280x720" }, "ParameterNotSupported", "1280x720" },
            { new VideoRequest { Model = "sora-2", Prompt = "p", Image = Landscape, Size = "720x1280" }, "ImageSizeMismatch", Landscape.DisplayName },
            { new VideoRequest { Model = "sora-2", Prompt = "p", RemixFromVideoId = "task-1" }, "RemixSourceInvalid", "task-1" },
        };

        [Fact]
        public void The_seed_range_ends_are_accepted()
        {
            Assert.Equal(0, Catalog.Resolve(new VideoRequest { Prompt = "p", Image = Landscape, Seed = 0 }).Seed);
            Assert.Equal(int.MaxValue, Catalog.Resolve(new VideoRequest { Prompt = "p", Image = Landscape, Seed = int.MaxValue }).Seed);
        }

        // ---- Lifecycle ---------------------------------------------------------------------------------------

        private static readonly DateTime SoraShutDown = new DateTime(2026, 9, 24, 0, 0, 0, DateTimeKind.Utc);

        private static ModelInfo Retiring(string? note = null, string? replacement = null) =>
            new ModelInfo { Name = "wan2.5-i2v-preview", Retires = new DateTime(2027, 3, 31, 0, 0, 0, DateTimeKind.Utc), LifecycleNote = note, Replacement = replacement };

        [Fact]
        public void The_built_in_sora_2_is_retired_since_openai_shut_its_api_down_with_no_replacement()
        {
            var sora = Catalog.Get("sora-2");
            Assert.Equal(SoraShutDown, sora.Retires);
            Assert.Null(sora.Replacement);
            Assert.Contains("shut its Sora 2 video API down on 2026-09-24", sora.LifecycleNote);
            Assert.Contains("no direct replacement", sora.LifecycleNote);
            Assert.Contains("Nebula gateway may still answer", sora.LifecycleNote);
            Assert.Equal(ModelLifecycle.Retiring, sora.LifecycleOn(SoraShutDown.AddDays(-1)));
            Assert.Equal(ModelLifecycle.Retired, sora.LifecycleOn(SoraShutDown));
            Assert.Equal(ModelLifecycle.Retired, sora.Lifecycle);
            // Nothing replaces it, so listings keep it (marked Retired) rather than hide what only it does.
            Assert.False(sora.IsSupersededOn(SoraShutDown.AddYears(1)));
        }

        [Fact]
        public void The_built_in_sora_2_warning_gives_the_day_the_note_and_that_it_is_still_sent()
        {
            var warning = Catalog.Get("sora-2").LifecycleWarning(new DateTime(2026, 12, 7));
            Assert.StartsWith("sora-2 was retired on 2026-09-24: OpenAI shut its Sora 2 video API down on 2026-09-24", warning);
            Assert.Contains("NebulaVideo still sends it; the gateway may refuse it.", warning);
            Assert.DoesNotContain("Move to", warning);
        }

        [Theory]
        [InlineData("wan2.5-i2v-preview")]
        [InlineData("wan2.5-image-to-video")]
        [InlineData("wan2.6-image-to-video")]
        public void The_other_built_in_models_are_active_with_nothing_to_warn_of(string name)
        {
            var model = Catalog.Get(name);
            Assert.Equal(ModelLifecycle.Active, model.Lifecycle);
            Assert.Null(model.LifecycleWarning());
            Assert.Null(model.LifecycleNote);
        }

        [Fact]
        public void A_model_retires_on_its_day_in_utc_whatever_the_time_of_day()
        {
            var model = Retiring();
            Assert.Equal(ModelLifecycle.Retiring, model.LifecycleOn(new DateTime(2027, 3, 30, 23, 59, 59, DateTimeKind.Utc)));
            Assert.Equal(ModelLifecycle.Retired, model.LifecycleOn(new DateTime(2027, 3, 31, 0, 0, 0, DateTimeKind.Utc)));
            Assert.Equal(ModelLifecycle.Retired, model.LifecycleOn(new DateTime(2027, 3, 31, 23, 59, 59, DateTimeKind.Utc)));
            Assert.Equal(ModelLifecycle.Retired, model.LifecycleOn(new DateTime(2030, 1, 1)));
            Assert.Equal(ModelLifecycle.Active, (model with { Retires = null }).LifecycleOn(new DateTime(2030, 1, 1)));
        }

        [Fact]
        public void A_retiring_model_warns_of_its_day_the_days_left_its_note_and_its_replacement()
        {
            var warning = Retiring("The preview ends", "wan2.6-image-to-video").LifecycleWarning(new DateTime(2027, 3, 1));
            Assert.Equal("wan2.5-i2v-preview retires on 2027-03-31, in 30 days: The preview ends. Move to wan2.6-image-to-video before then.", warning);
            Assert.Equal("wan2.5-i2v-preview retires on 2027-03-31, in 1 day. No replacement is named.", Retiring().LifecycleWarning(new DateTime(2027, 3, 30)));
        }

        [Fact]
        public void A_retired_model_warns_that_it_is_still_sent()
        {
            var day = new DateTime(2027, 4, 1);
            Assert.Equal("wan2.5-i2v-preview was retired on 2027-03-31. Move to wan2.6-image-to-video. NebulaVideo still sends it; the gateway may refuse it.",
                Retiring(replacement: "wan2.6-image-to-video").LifecycleWarning(day));
            // The note speaks for a missing replacement; its own end punctuation is kept.
            Assert.Equal("wan2.5-i2v-preview was retired on 2027-03-31: Gone for good! NebulaVideo still sends it; the gateway may refuse it.",
                Retiring("Gone for good!").LifecycleWarning(day));
        }

        [Fact]
        public void An_active_model_has_no_warning_even_with_a_note_and_a_replacement()
        {
            var model = Retiring("Wan 3.0 is out", "wan3-image-to-video") with { Retires = null };
            Assert.Null(model.LifecycleWarning(new DateTime(2027, 3, 1)));
            Assert.False(model.IsSupersededOn(new DateTime(2030, 1, 1)));
        }

        [Fact]
        public void Only_a_retired_model_that_names_a_replacement_is_superseded()
        {
            var after = new DateTime(2027, 4, 1);
            Assert.True(Retiring(replacement: "wan2.6-image-to-video").IsSupersededOn(after));
            Assert.False(Retiring(replacement: "wan2.6-image-to-video").IsSupersededOn(new DateTime(2027, 3, 30)));
            Assert.False(Retiring().IsSupersededOn(after));
        }

        [Fact]
        public void A_catalog_document_in_the_models_json_layout_adds_a_model()
        {
            var json = "{\"models\":[{\"name\":\"m\",\"dialect\":\"Nebula\",\"image\":\"None\",\"durations\":[3],\"defaultDuration\":3,\"resolutions\":[\"x\"],\"defaultResolution\":\"x\",\"pricePerSecondUsd\":{\"x\":2}}]}";
            var catalog = ModelCatalog.BuiltIn.WithUserDocument(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json)), "test.json");
            Assert.Equal(6m, catalog.Get("m").EstimateCost(null, 3));
            Assert.Equal(5, catalog.Models.Count);
        }
    }
}
