using System;
using System.IO;
using System.Linq;
using System.Text;
using NebulaVideo.Core.Catalog;
using NebulaVideo.Core.Gateways;
using Xunit;

namespace NebulaVideo.Core.Tests
{
    /// <summary>NEBULAVIDEO_MODELS is process-wide: the tests that set it (or read what it names) run alone.</summary>
    [CollectionDefinition(Name, DisableParallelization = true)]
    public sealed class CatalogEnvironmentCollection
    {
        public const string Name = "CatalogEnvironment";
    }

    /// <summary>The user's catalog document on top of the built-in models, and the catalog file NEBULAVIDEO_MODELS names.</summary>
    [Collection(CatalogEnvironmentCollection.Name)]
    public sealed class CatalogFileTests
    {
        private const string Wan26 = "wan2.6-image-to-video";

        private static ModelCatalog Apply(string json, string source = "user.json") =>
            ModelCatalog.BuiltIn.WithUserDocument(new MemoryStream(Encoding.UTF8.GetBytes(json)), source);

        private static NebulaVideoException AssertInvalid(string json, string source = "user.json")
        {
            var ex = Assert.ThrowsAny<NebulaVideoException>(() => Apply(json, source));
            Assert.Equal("CatalogFileInvalid", ex.Id.Name);
            Assert.Equal(ErrorKind.InvalidData, ex.Kind);
            Assert.Equal(source, ex.Target);
            Assert.Contains(ModelCatalog.UserFileVariable, ex.RecommendedAction);
            return ex;
        }

        // ---- User documents ----------------------------------------------------------------------------

        [Fact]
        public void An_entry_for_a_built_in_model_changes_only_the_fields_it_gives()
        {
            var before = ModelCatalog.BuiltIn.Get(Wan26);
            var catalog = Apply("{\"models\":[{\"name\":\"wan2.6-image-to-video\",\"pricePerSecondUsd\":{\"720p\":0.1,\"1080p\":0.2}}]}");
            var after = catalog.Get(Wan26);

            Assert.True(after.IsPriced);
            Assert.Equal(0.5m, after.EstimateCost("720p", 5));
            Assert.Equal(3m, after.EstimateCost("1080p", 15));
            Assert.Equal("user.json", after.Source);
            Assert.Equal(before with { PricePerSecondUsd = after.PricePerSecondUsd, Source = "user.json" }, after);
            Assert.Equal(new[] { 5, 10, 15 }, after.Durations);
            Assert.Equal(new[] { "720p", "1080p" }, after.Resolutions);
            Assert.Equal((1500, "Unified", 5, "720p"), (after.PromptMaxLength, after.Dialect, after.DefaultDuration, after.DefaultResolution));
            Assert.Equal(before.Options, after.Options);
        }

        [Fact]
        public void An_override_leaves_the_other_models_and_the_built_in_catalog_as_they_were()
        {
            var catalog = Apply("{\"models\":[{\"name\":\"WAN2.6-IMAGE-TO-VIDEO\",\"pricePerSecondUsd\":{\"720p\":0.1}}]}");
            Assert.Equal(ModelCatalog.BuiltIn.Models.Count, catalog.Models.Count);
            Assert.Equal(ModelCatalog.BuiltIn.Models.Select(m => m.Name), catalog.Models.Select(m => m.Name));
            Assert.Equal(ModelCatalog.BuiltIn.Get("wan2.5-i2v-preview"), catalog.Get("wan2.5-i2v-preview"));
            Assert.Equal("built-in", catalog.Get("sora-2").Source);
            Assert.Equal("user.json", catalog.UserFile);
            Assert.False(ModelCatalog.BuiltIn.Get(Wan26).IsPriced);
            Assert.Null(ModelCatalog.BuiltIn.Get(Wan26).EstimateCost("720p", 5));
        }

        [Fact]
        public void An_override_can_tighten_a_limit_the_rules_then_apply()
        {
            var catalog = Apply("{\"models\":[{\"name\":\"wan2.6-image-to-video\",\"durations\":[5],\"promptMaxLength\":10}]}");
            var model = catalog.Get(Wan26);
            var image = Images.ImageInput.FromUrl("https://example.com/image1.png");
            var ex = Assert.ThrowsAny<NebulaVideoException>(() => ModelCatalog.Resolve(new VideoRequest { Model = Wan26, Prompt = "p", Image = image, Duration = 10 }, model));
            Assert.Equal("DurationNotSupported", ex.Id.Name);
            ex = Assert.ThrowsAny<NebulaVideoException>(() => ModelCatalog.Resolve(new VideoRequest { Model = Wan26, Prompt = "12345678901", Image = image }, model));
            Assert.Equal("PromptTooLong", ex.Id.Name);
        }

        [Fact]
        public void An_unknown_price_makes_a_priced_built_in_model_unpriced()
        {
            var catalog = Apply("{\"models\":[{\"name\":\"wan2.5-i2v-preview\",\"pricePerSecondUsd\":\"unknown\"}]}");
            var model = catalog.Get("wan2.5-i2v-preview");
            Assert.False(model.IsPriced);
            Assert.Null(model.EstimateCost("720p", 5));
            Assert.Equal(0.369m, ModelCatalog.BuiltIn.Get("wan2.5-i2v-preview").EstimateCost("720p", 5));
        }

        // ---- Prices: an object merges per resolution -----------------------------------------------------

        private const string Wan25 = "wan2.5-i2v-preview";

        private static decimal? Price(ModelCatalog catalog, string model, string format) => catalog.Get(model).PricePerSecond(format);

        [Fact]
        public void A_price_object_changes_only_the_prices_it_gives()
        {
            var catalog = Apply("{\"models\":[{\"name\":\"wan2.5-i2v-preview\",\"pricePerSecondUsd\":{\"480p\":0.05}}]}");
            Assert.Equal(0.05m, Price(catalog, Wan25, "480p"));
            Assert.Equal(0.0738m, Price(catalog, Wan25, "720p"));
            Assert.Equal(0.1233m, Price(catalog, Wan25, "1080p"));
            Assert.Equal(0.6165m, catalog.Get(Wan25).EstimateCost("1080p", 5));
            Assert.Equal(0.369m, catalog.Get(Wan25).EstimateCost(null, null));
            Assert.Equal(0.0369m, Price(ModelCatalog.BuiltIn, Wan25, "480p"));
        }

        [Fact]
        public void A_price_given_as_unknown_or_null_removes_only_that_price()
        {
            var catalog = Apply("{\"models\":[{\"name\":\"wan2.5-i2v-preview\",\"pricePerSecondUsd\":{\"480p\":\"unknown\",\"1080P\":null,\"720p\":0.08}}]}");
            var model = catalog.Get(Wan25);
            Assert.True(model.IsPriced);
            Assert.Null(model.PricePerSecond("480p"));
            Assert.Null(model.EstimateCost("1080p", 5));
            Assert.Equal(0.4m, model.EstimateCost("720p", 5));
            Assert.Equal(new[] { "720p" }, model.PricePerSecondUsd!.Keys);
        }

        [Fact]
        public void Removing_every_price_one_by_one_leaves_the_model_unpriced()
        {
            var model = Apply("{\"models\":[{\"name\":\"wan2.5-i2v-preview\",\"pricePerSecondUsd\":{\"480p\":\"unknown\",\"720p\":\"Unknown\",\"1080p\":null}}]}").Get(Wan25);
            Assert.False(model.IsPriced);
            Assert.Null(model.PricePerSecondUsd);
        }

        [Theory]
        [InlineData("0.05")]
        [InlineData("{\"*\":0.05}")]
        public void A_bare_number_or_a_star_price_is_one_price_for_every_resolution(string price)
        {
            var model = Apply("{\"models\":[{\"name\":\"wan2.5-i2v-preview\",\"pricePerSecondUsd\":" + price + "}]}").Get(Wan25);
            Assert.Equal(new[] { "*" }, model.PricePerSecondUsd!.Keys);
            Assert.Equal(0.05m, model.PricePerSecond("480p"));
            Assert.Equal(0.05m, model.PricePerSecond("1080p"));
        }

        [Theory]
        [InlineData("\"unknown\"")]
        [InlineData("null")]
        [InlineData("{\"*\":\"unknown\"}")]
        [InlineData("{\"*\":null}")]
        public void Unknown_for_the_whole_table_or_for_star_removes_every_price(string price)
        {
            var model = Apply("{\"models\":[{\"name\":\"wan2.5-i2v-preview\",\"pricePerSecondUsd\":" + price + "}]}").Get(Wan25);
            Assert.False(model.IsPriced);
            Assert.Null(model.EstimateCost("720p", 5));
        }

        [Fact]
        public void A_price_for_one_size_of_a_flat_priced_model_keeps_the_flat_price_for_the_others()
        {
            var model = Apply("{\"models\":[{\"name\":\"sora-2\",\"pricePerSecondUsd\":{\"1280x720\":0.15}}]}").Get("sora-2");
            Assert.Equal(0.15m, model.PricePerSecond("1280x720"));
            Assert.Equal(0.1m, model.PricePerSecond("720x1280"));
            Assert.Equal(0.4m, model.EstimateCost(null, null));
        }

        [Fact]
        public void A_star_price_together_with_prices_by_resolution_is_refused()
        {
            var ex = AssertInvalid("{\"models\":[{\"name\":\"wan2.5-i2v-preview\",\"pricePerSecondUsd\":{\"*\":0.05,\"1080p\":0.1}}]}");
            Assert.Contains("wan2.5-i2v-preview", ex.Message);
            Assert.Contains("\"*\"", ex.Message);
            Assert.Contains("1080p", ex.Message);
        }

        [Fact]
        public void A_new_model_gets_exactly_the_prices_it_gives()
        {
            var catalog = Apply("{\"models\":[{\"name\":\"wan3-image-to-video\",\"dialect\":\"Unified\",\"durations\":[5],\"defaultDuration\":5," +
                "\"resolutions\":[\"480p\",\"720p\"],\"defaultResolution\":\"720p\",\"pricePerSecondUsd\":{\"720p\":0.2}}]}");
            var model = catalog.Get("wan3-image-to-video");
            Assert.Equal(new[] { "720p" }, model.PricePerSecondUsd!.Keys);
            Assert.Equal(1m, model.EstimateCost(null, null));
            Assert.Null(model.PricePerSecond("480p"));
        }

        [Fact]
        public void A_second_entry_for_the_same_model_merges_its_prices_over_the_first()
        {
            var model = Apply("{\"models\":[{\"name\":\"wan2.6-image-to-video\",\"pricePerSecondUsd\":{\"720p\":0.1}}," +
                "{\"name\":\"wan2.6-image-to-video\",\"pricePerSecondUsd\":{\"1080p\":0.2}}]}").Get(Wan26);
            Assert.Equal((0.1m, 0.2m), (model.PricePerSecond("720p"), model.PricePerSecond("1080p")));
        }

        [Fact]
        public void A_sized_model_priced_by_size_prices_its_default_size_when_asked_for_none()
        {
            var model = Apply("{\"models\":[{\"name\":\"sora-2\",\"pricePerSecondUsd\":{\"720x1280\":0.2,\"1280x720\":0.3}}]}").Get("sora-2");
            Assert.Equal(0.2m, model.PricePerSecond(null));
            Assert.Equal(0.8m, model.EstimateCost(null, null));
            Assert.Equal(1.2m, model.EstimateCost("1280x720", 4));
        }

        [Fact]
        public void A_new_model_with_a_dialect_is_added()
        {
            var catalog = Apply("{\"models\":[{\"name\":\"wan3-image-to-video\",\"dialect\":\"unified\",\"image\":\"Required\",\"durations\":[5],\"defaultDuration\":5}]}");
            var model = catalog.Get("wan3-image-to-video");
            Assert.Equal(("Unified", "user.json", false), (model.Dialect, model.Source, model.IsPassThrough));
            Assert.Equal(ModelCatalog.BuiltIn.Models.Count + 1, catalog.Models.Count);
            Assert.Null(model.EstimateCost(null, 5));
        }

        [Fact]
        public void A_new_model_without_a_dialect_is_refused_naming_the_file()
        {
            var ex = AssertInvalid("{\"models\":[{\"name\":\"veo-3\",\"durations\":[8]}]}", "C:/Users/me/models.json");
            Assert.Contains("veo-3", ex.Message);
            Assert.Contains("dialect", ex.Message);
        }

        [Fact]
        public void A_new_model_with_an_unknown_dialect_is_refused_naming_the_file()
        {
            var ex = AssertInvalid("{\"models\":[{\"name\":\"veo-3\",\"dialect\":\"Vertex\"}]}");
            Assert.Contains("Vertex", ex.Message);
        }

        [Theory]
        [InlineData("{\"models\":[")]
        [InlineData("not json")]
        [InlineData("")]
        public void A_document_that_is_not_json_is_refused(string json) => AssertInvalid(json);

        [Theory]
        [InlineData("{}")]
        [InlineData("{\"model\":[]}")]
        [InlineData("{\"models\":{\"name\":\"sora-2\"}}")]
        [InlineData("[]")]
        public void A_document_without_a_models_array_is_refused(string json) => AssertInvalid(json);

        [Theory]
        [InlineData("{\"models\":[{\"dialect\":\"Unified\"}]}")]
        [InlineData("{\"models\":[\"sora-2\"]}")]
        [InlineData("{\"models\":[{\"name\":\"sora-2\",\"durations\":\"four\"}]}")]
        [InlineData("{\"models\":[{\"name\":\"sora-2\",\"image\":\"Sometimes\"}]}")]
        [InlineData("{\"models\":[{\"name\":\"sora-2\",\"defaultDuration\":5}]}")]
        [InlineData("{\"models\":[{\"name\":\"sora-2\",\"pricePerSecondUsd\":{\"*\":\"cheap\"}}]}")]
        public void An_entry_that_cannot_be_read_is_refused_naming_the_file(string json) => AssertInvalid(json);

        // ---- Values that would cost money or fail late ---------------------------------------------------

        private static string Entry(string name, string fields) => "{\"models\":[{\"name\":\"" + name + "\"," + fields + "}]}";

        [Theory]
        [InlineData("wan2.5-i2v-preview", "\"pricePerSecondUsd\":{\"480p\":-1}", "'480p'")]
        [InlineData("wan2.5-i2v-preview", "\"pricePerSecondUsd\":-0.01", "'*'")]
        [InlineData("sora-2", "\"pricePerSecondUsd\":{\"*\":-1}", "'*'")]
        [InlineData("wan3-image-to-video", "\"dialect\":\"Unified\",\"resolutions\":[\"720p\"],\"pricePerSecondUsd\":{\"720p\":-1}", "'720p'")]
        public void A_negative_price_is_refused_naming_the_file_the_model_and_the_price(string model, string fields, string key)
        {
            var ex = AssertInvalid(Entry(model, fields), "C:/Users/me/models.json");
            Assert.Contains("C:/Users/me/models.json", ex.Message);
            Assert.Contains($"'{model}'", ex.Message);
            Assert.Contains(key, ex.Message);
            Assert.Contains("negative", ex.Message);
        }

        [Fact]
        public void A_price_of_zero_is_a_free_model_not_an_unknown_price()
        {
            var model = Apply(Entry(Wan25, "\"pricePerSecondUsd\":{\"480p\":0}")).Get(Wan25);
            Assert.Equal(0m, model.EstimateCost("480p", 10));
        }

        [Theory]
        [InlineData("wan2.5-i2v-preview", "\"durations\":[5,0],\"defaultDuration\":5", "durations", "0")]
        [InlineData("wan2.5-i2v-preview", "\"durations\":[-5,5]", "durations", "-5")]
        [InlineData("wan2.5-i2v-preview", "\"defaultDuration\":0", "defaultDuration", "0")]
        [InlineData("wan3-image-to-video", "\"dialect\":\"Unified\",\"defaultDuration\":-5", "defaultDuration", "-5")]
        [InlineData("wan2.5-i2v-preview", "\"maxImageBytes\":-1", "maxImageBytes", "-1")]
        [InlineData("wan2.5-i2v-preview", "\"maxImageBytes\":0", "maxImageBytes", "0")]
        [InlineData("wan2.5-image-to-video", "\"imageMaxPixels\":0", "imageMaxPixels", "0")]
        [InlineData("wan2.5-image-to-video", "\"imageMinPixels\":-1", "imageMinPixels", "-1")]
        [InlineData("wan2.5-image-to-video", "\"promptMaxLength\":0", "promptMaxLength", "0")]
        [InlineData("wan2.5-image-to-video", "\"imageMaxPixels\":3000000000", "imageMaxPixels", "3000000000")]
        public void A_duration_or_limit_of_zero_or_below_is_refused_naming_the_field_and_value(string model, string fields, string field, string value)
        {
            var ex = AssertInvalid(Entry(model, fields));
            Assert.Contains($"'{model}'", ex.Message);
            Assert.Contains(field, ex.Message);
            Assert.Contains(value, ex.Message);
        }

        [Theory]
        [InlineData("\"imageMinPixels\":3000", "3000", "2000")]
        [InlineData("\"imageMaxPixels\":300", "360", "300")]
        [InlineData("\"imageMinPixels\":500,\"imageMaxPixels\":400", "500", "400")]
        public void A_smallest_image_larger_than_the_largest_is_refused(string fields, string min, string max)
        {
            var ex = AssertInvalid(Entry("wan2.5-image-to-video", fields));
            Assert.Contains($"imageMinPixels {min}", ex.Message);
            Assert.Contains($"imageMaxPixels {max}", ex.Message);
        }

        [Fact]
        public void A_limit_set_to_null_is_removed()
        {
            var model = Apply(Entry("wan2.5-image-to-video", "\"maxImageBytes\":null,\"imageMaxPixels\":null")).Get("wan2.5-image-to-video");
            Assert.Equal((null, 360, (int?)null), (model.MaxImageBytes, model.ImageMinPixels, model.ImageMaxPixels));
        }

        [Theory]
        [InlineData("wan2.5-i2v-preview", "\"defaultResolution\":\"4k\"", "defaultResolution '4k'", "480p, 720p, 1080p")]
        [InlineData("wan2.5-i2v-preview", "\"resolutions\":[\"1080p\"]", "defaultResolution '720p'", "1080p")]
        [InlineData("sora-2", "\"defaultSize\":\"1024x1024\"", "defaultSize '1024x1024'", "720x1280, 1280x720")]
        [InlineData("sora-2", "\"sizes\":[\"1792x1024\"]", "defaultSize '720x1280'", "1792x1024")]
        [InlineData("wan3-image-to-video", "\"dialect\":\"Unified\",\"resolutions\":[\"720p\"],\"defaultResolution\":\"1080p\"", "defaultResolution '1080p'", "720p")]
        public void A_default_resolution_or_size_the_model_does_not_offer_is_refused_with_the_ones_it_does(string model, string fields, string what, string offered)
        {
            var ex = AssertInvalid(Entry(model, fields));
            Assert.Contains($"'{model}'", ex.Message);
            Assert.Contains(what, ex.Message);
            Assert.Contains(offered, ex.Message);
        }

        [Fact]
        public void A_default_resolution_in_other_letter_case_takes_the_spelling_of_the_resolutions()
        {
            var model = Apply(Entry(Wan25, "\"defaultResolution\":\"1080P\"")).Get(Wan25);
            Assert.Equal("1080p", model.DefaultResolution);
            Assert.Equal(0.6165m, model.EstimateCost(null, null));
        }

        // ---- Values of the wrong kind: refused naming the field, never read as "not given" -----------------

        [Theory]
        [InlineData("\"layout\":5", "\"layout\"", "5")]
        [InlineData("\"description\":[\"d\"]", "\"description\"", "[\"d\"]")]
        [InlineData("\"defaultResolution\":720", "\"defaultResolution\"", "720")]
        [InlineData("\"replacement\":true", "\"replacement\"", "true")]
        [InlineData("\"retires\":2027", "\"retires\"", "2027")]
        [InlineData("\"retires\":\"31/03/2027\"", "\"retires\"", "31/03/2027")]
        [InlineData("\"image\":\"1\"", "\"image\"", "\"1\"")]
        [InlineData("\"image\":\"Required, Optional\"", "\"image\"", "Required, Optional")]
        [InlineData("\"imageMatchesSize\":\"true\"", "\"imageMatchesSize\"", "\"true\"")]
        [InlineData("\"imageTransparency\":\"false\"", "\"imageTransparency\"", "\"false\"")]
        [InlineData("\"imageTransparency\":0", "\"imageTransparency\"", "0")]
        [InlineData("\"imageTransparency\":null", "\"imageTransparency\"", "null")]
        [InlineData("\"resolutions\":\"720p\"", "\"resolutions\"", "\"720p\"")]
        [InlineData("\"resolutions\":[\"720p\",1080]", "\"resolutions\"", "1080")]
        [InlineData("\"options\":null", "\"options\"", "null")]
        [InlineData("\"durations\":[5.5]", "\"durations\"", "5.5")]
        [InlineData("\"durations\":5", "\"durations\"", "5")]
        public void A_value_of_the_wrong_kind_is_refused_naming_the_field_and_the_value(string fields, string field, string value)
        {
            var ex = AssertInvalid(Entry(Wan25, fields));
            Assert.Contains($"'{Wan25}'", ex.Message);
            Assert.Contains(field, ex.Message);
            Assert.Contains(value, ex.Message);
        }

        [Fact]
        public void Null_clears_a_text_field_and_an_image_requirement_ignores_letter_case()
        {
            var model = Apply(Entry("sora-2", "\"layout\":null,\"remixIdPrefix\":null,\"image\":\"required\",\"retires\":\"2027-03-31\"")).Get("sora-2");
            Assert.Equal((null, null, ImageRequirement.Required), (model.Layout, model.RemixIdPrefix, model.Image));
            Assert.Equal(new DateTime(2027, 3, 31, 0, 0, 0, DateTimeKind.Utc), model.Retires);
        }

        // ---- Transparency: "imageTransparency" -------------------------------------------------------------

        [Fact]
        public void The_unified_wan_models_refuse_transparency_and_every_other_model_allows_it_unless_told()
        {
            Assert.Equal(new[] { "wan2.5-image-to-video", "wan2.6-image-to-video" },
                ModelCatalog.BuiltIn.Models.Where(m => !m.ImageTransparency).Select(m => m.Name));
            var added = Apply(Entry("wan3-image-to-video", "\"dialect\":\"Unified\",\"image\":\"Required\"")).Get("wan3-image-to-video");
            Assert.True(added.ImageTransparency);
            Assert.True(ModelCatalog.BuiltIn.Get("wan9-image-to-video", Dialects.Get("Unified")).ImageTransparency);   // sent unchecked
        }

        [Fact]
        public void An_entry_sets_and_clears_imageTransparency_changing_nothing_else()
        {
            var refused = Apply(Entry(Wan25, "\"imageTransparency\":false")).Get(Wan25);
            Assert.Equal(ModelCatalog.BuiltIn.Get(Wan25) with { ImageTransparency = false, Source = "user.json" }, refused);

            var allowed = Apply(Entry(Wan26, "\"ImageTransparency\":true")).Get(Wan26);
            Assert.True(allowed.ImageTransparency);
            Assert.Equal(ModelCatalog.BuiltIn.Get(Wan26) with { ImageTransparency = true, Source = "user.json" }, allowed);

            // An entry that does not give the field keeps the model's.
            Assert.False(Apply(Entry(Wan26, "\"promptMaxLength\":100")).Get(Wan26).ImageTransparency);
        }

        [Fact]
        public void Wan26_refuses_an_image_with_transparency_and_takes_an_opaque_one()
        {
            // The unified gateway takes images only by URL today (ImageUrlRequired for a local one, before anything is
            // read), so the check runs on wan2.6-image-to-video as the catalog has it but served by Nebula, which takes images inline.
            var wan26 = ModelCatalog.BuiltIn.Get(Wan26) with { Dialect = "Nebula" };
            var alpha = Image(TestImages.Png(640, 480, 6), "alpha.png");
            var keyed = Image(TestImages.Png(640, 480, 2, TestImages.Transparency(2)), "keyed.png");
            var webp = Image(TestImages.WebP(TestImages.Vp8X(640, 480, alpha: true), TestImages.Vp8(640, 480)), "alpha.webp");
            var bmp = Image(TestImages.Bmp(640, 480, 124, 32, TestImages.BiBitFields, 0xFF000000u), "alpha.bmp");
            foreach (var image in new[] { alpha, keyed, webp, bmp })
            {
                var ex = Assert.Throws<NebulaVideoException>(() => ModelCatalog.Resolve(new VideoRequest { Model = Wan26, Prompt = "p", Image = image }, wan26));
                Assert.Equal(("ImageTransparencyNotSupported", ErrorKind.InvalidData, (object)image.DisplayName), (ex.Id.Name, ex.Kind, ex.Target));
                Assert.Contains($"'{image.DisplayName}'", ex.Message);
                Assert.Contains(Wan26, ex.Message);
                Assert.Contains("Flatten", ex.RecommendedAction);
            }

            foreach (var opaque in new[]
            {
                Image(TestImages.Png(640, 480, 2), "opaque.png"), Image(TestImages.Bmp(640, 480), "opaque.bmp"),
                Image(TestImages.WebP(TestImages.Vp8(640, 480)), "opaque.webp"), Image(TestImages.WebP(TestImages.Vp8L(640, 480, false)), "lossless.webp"),
            })
            {
                var resolved = ModelCatalog.Resolve(new VideoRequest { Model = Wan26, Prompt = "p", Image = opaque }, wan26);
                Assert.Equal((Wan26, 5, "720p"), (resolved.Model, resolved.Duration, resolved.Resolution));
            }

            // A model that allows transparency (the default) takes the same alpha PNG.
            Assert.Equal(Wan25, ModelCatalog.Resolve(new VideoRequest { Model = Wan25, Prompt = "p", Image = alpha }, ModelCatalog.BuiltIn.Get(Wan25)).Model);
        }

        [Fact]
        public void A_user_model_with_imageTransparency_false_refuses_an_alpha_png_through_the_catalog()
        {
            var catalog = Apply(Entry("wan-local", "\"dialect\":\"Nebula\",\"image\":\"Required\",\"imageTransparency\":false"));
            var request = new VideoRequest { Model = "wan-local", Prompt = "p", Image = Image(TestImages.Png(640, 480, 4), "grey-alpha.png") };
            Assert.Equal("ImageTransparencyNotSupported", Assert.Throws<NebulaVideoException>(() => catalog.Resolve(request)).Id.Name);
            Assert.Equal("wan-local", catalog.Resolve(request with { Image = Image(TestImages.Png(640, 480, 0), "grey.png") }).Model);
        }

        [Fact]
        public void The_format_is_checked_before_transparency()
        {
            // wan2.5-i2v-preview takes PNG and JPEG: a transparent WebP is refused for its format, whatever the transparency rule.
            var model = ModelCatalog.BuiltIn.Get(Wan25) with { ImageTransparency = false };
            var webp = Image(TestImages.WebP(TestImages.Vp8L(640, 480, true)), "alpha.webp");
            var ex = Assert.Throws<NebulaVideoException>(() => ModelCatalog.Resolve(new VideoRequest { Model = Wan25, Prompt = "p", Image = webp }, model));
            Assert.Equal("ImageFormatNotSupported", ex.Id.Name);
            Assert.Contains("WebP", ex.Message);
        }

        private static Images.ImageInput Image(byte[] bytes, string name)
        {
            var path = Path.Combine(Path.GetTempPath(), $"nebulavideo-{Guid.NewGuid():N}-{name}");
            File.WriteAllBytes(path, bytes);
            try
            {
                return Images.ImageInput.FromFile(path, 10 << 20);
            }
            finally
            {
                File.Delete(path);
            }
        }

        // ---- Lifecycle: "retires", "lifecycleNote" and "replacement" -------------------------------------

        private static readonly DateTime BeforeTheDay = new DateTime(2027, 3, 30, 0, 0, 0, DateTimeKind.Utc);
        private static readonly DateTime TheDay = new DateTime(2027, 3, 31, 0, 0, 0, DateTimeKind.Utc);

        [Fact]
        public void An_entry_gives_a_model_a_retirement_day_a_note_and_a_replacement()
        {
            var model = Apply(Entry(Wan25, "\"retires\":\"2027-03-31\",\"lifecycleNote\":\"The preview ends.\",\"replacement\":\"wan2.6-image-to-video\"")).Get(Wan25);

            Assert.Equal(TheDay, model.Retires);
            Assert.Equal(("The preview ends.", Wan26), (model.LifecycleNote, model.Replacement));
            Assert.Equal(ModelLifecycle.Retiring, model.LifecycleOn(BeforeTheDay));
            Assert.Equal(ModelLifecycle.Retired, model.LifecycleOn(TheDay));
            Assert.Equal(ModelCatalog.BuiltIn.Get(Wan25) with { Retires = TheDay, LifecycleNote = "The preview ends.", Replacement = Wan26, Source = "user.json" }, model);
        }

        [Fact]
        public void Null_clears_the_built_in_lifecycle_so_the_model_is_active_again()
        {
            // A user whose gateway still serves sora-2 may say so; nothing else of the model changes.
            var builtIn = ModelCatalog.BuiltIn.Get("sora-2");
            var model = Apply(Entry("sora-2", "\"retires\":null,\"lifecycleNote\":null,\"replacement\":null")).Get("sora-2");

            Assert.Null(model.Retires);
            Assert.Null(model.LifecycleNote);
            Assert.Null(model.Replacement);
            Assert.Equal(ModelLifecycle.Active, model.Lifecycle);
            Assert.Null(model.LifecycleWarning());
            Assert.Equal(builtIn with { Retires = null, LifecycleNote = null, Replacement = null, Source = "user.json" }, model);
        }

        [Fact]
        public void An_entry_that_gives_only_a_note_keeps_the_built_in_retirement_day()
        {
            var model = Apply(Entry("sora-2", "\"lifecycleNote\":\"Our gateway still serves it.\"")).Get("sora-2");
            Assert.Equal(new DateTime(2026, 9, 24, 0, 0, 0, DateTimeKind.Utc), model.Retires);
            Assert.Equal("Our gateway still serves it.", model.LifecycleNote);
            Assert.Equal(ModelLifecycle.Retired, model.Lifecycle);
        }

        [Fact]
        public void A_new_model_is_active_until_its_entry_says_otherwise()
        {
            var catalog = Apply("{\"models\":[{\"name\":\"wan3-image-to-video\",\"dialect\":\"Unified\"}," +
                "{\"name\":\"wan2.1-image-to-video\",\"dialect\":\"Unified\",\"retires\":\"2025-06-30\",\"replacement\":\"wan3-image-to-video\"}]}");
            Assert.Equal(ModelLifecycle.Active, catalog.Get("wan3-image-to-video").Lifecycle);
            Assert.Equal(ModelLifecycle.Retired, catalog.Get("wan2.1-image-to-video").Lifecycle);
        }

        [Theory]
        [InlineData("\"retires\":\"2027-3-31\"", "\"retires\"", "2027-3-31")]
        [InlineData("\"retires\":\"2027-02-30\"", "\"retires\"", "2027-02-30")]
        [InlineData("\"retires\":\"2027-03-31T00:00:00Z\"", "\"retires\"", "2027-03-31T00:00:00Z")]
        [InlineData("\"lifecycleNote\":5", "\"lifecycleNote\"", "5")]
        [InlineData("\"lifecycleNote\":[\"gone\"]", "\"lifecycleNote\"", "[\"gone\"]")]
        [InlineData("\"lifecycleNote\":\"\"", "\"lifecycleNote\"", "\"\"")]
        [InlineData("\"lifecycleNote\":\"  \"", "\"lifecycleNote\"", "\"  \"")]
        [InlineData("\"replacement\":\"\"", "\"replacement\"", "\"\"")]
        [InlineData("\"replacement\":[\"wan2.6-image-to-video\"]", "\"replacement\"", "[\"wan2.6-image-to-video\"]")]
        public void A_lifecycle_value_that_says_nothing_usable_is_refused_naming_the_field_and_the_value(string fields, string field, string value)
        {
            var ex = AssertInvalid(Entry(Wan25, fields));
            Assert.Contains($"'{Wan25}'", ex.Message);
            Assert.Contains(field, ex.Message);
            Assert.Contains(value, ex.Message);
        }

        [Fact]
        public void A_model_cannot_be_its_own_replacement()
        {
            var ex = AssertInvalid(Entry(Wan25, "\"retires\":\"2027-03-31\",\"replacement\":\"WAN2.5-I2V-PREVIEW\""));
            Assert.Contains("is the model itself", ex.Message);
        }

        [Theory]
        [InlineData("lifecycleNotes")]
        [InlineData("lifecylceNote")]
        [InlineData("lifecycle")]
        public void A_misspelled_lifecycle_note_is_refused_suggesting_the_field(string misspelled)
        {
            var ex = AssertInvalid(Entry(Wan25, $"\"{misspelled}\":\"gone\""));
            Assert.Contains("did you mean \"lifecycleNote\"?", ex.Message);
        }

        // ---- Field names: an unknown one would be ignored, so it is refused -----------------------------

        [Theory]
        [InlineData("wan2.6-image-to-video", "\"duratoins\":[5]", "duratoins", "durations")]
        [InlineData("wan2.6-image-to-video", "\"pricePerSecond\":{\"720p\":0.1}", "pricePerSecond", "pricePerSecondUsd")]
        [InlineData("wan2.6-image-to-video", "\"price_per_second_usd\":{\"720p\":0.1}", "price_per_second_usd", "pricePerSecondUsd")]
        [InlineData("wan2.6-image-to-video", "\"price\":0.1", "price", "pricePerSecondUsd")]
        [InlineData("wan2.6-image-to-video", "\"resolution\":[\"720p\"]", "resolution", "resolutions")]
        [InlineData("wan2.6-image-to-video", "\"maxImagebyte\":1000", "maxImagebyte", "maxImageBytes")]
        [InlineData("wan2.6-image-to-video", "\"imageTransparancy\":true", "imageTransparancy", "imageTransparency")]
        [InlineData("wan2.6-image-to-video", "\"imageTransparent\":true", "imageTransparent", "imageTransparency")]
        [InlineData("wan3-image-to-video", "\"dialect\":\"Unified\",\"defaultDurtion\":5", "defaultDurtion", "defaultDuration")]
        public void An_unknown_field_is_refused_suggesting_the_closest_known_one(string model, string fields, string unknown, string suggested)
        {
            var ex = AssertInvalid(Entry(model, fields));
            Assert.Contains($"'{model}'", ex.Message);
            Assert.Contains($"\"{unknown}\" is not a catalog field", ex.Message);
            Assert.Contains($"did you mean \"{suggested}\"?", ex.Message);
        }

        [Fact]
        public void An_unknown_field_like_no_known_one_is_refused_listing_the_fields()
        {
            var ex = AssertInvalid(Entry(Wan26, "\"budget\":5"));
            Assert.Contains("\"budget\" is not a catalog field", ex.Message);
            Assert.DoesNotContain("did you mean", ex.Message);
            Assert.Contains("name, dialect, description", ex.Message);
            Assert.Contains("pricePerSecondUsd", ex.Message);
        }

        [Theory]
        [InlineData("wan2.6-image-to-video")]
        [InlineData("wan3-image-to-video")]
        public void A_field_name_in_other_letter_case_is_the_field_for_an_override_and_a_new_model_alike(string name)
        {
            var model = Apply(Entry(name, "\"Dialect\":\"Unified\",\"RESOLUTIONS\":[\"720p\",\"1080p\"],\"DefaultResolution\":\"720p\",\"pricePerSecondUSD\":{\"720p\":0.1}")).Get(name);
            Assert.Equal(0.1m, model.PricePerSecond("720p"));
            Assert.Null(model.PricePerSecond("1080p"));
        }

        [Theory]
        [InlineData("\"pricePerSecondUsd\":{\"720p\":0.1},\"pricePerSecondUSD\":{\"720p\":0.5}", "pricePerSecondUSD")]
        [InlineData("\"durations\":[5],\"durations\":[10]", "durations")]
        public void A_field_given_twice_is_refused(string fields, string second)
        {
            var ex = AssertInvalid(Entry(Wan26, fields));
            Assert.Contains($"\"{second}\"", ex.Message);
            Assert.Contains("twice", ex.Message);
        }

        [Fact]
        public void Every_field_the_readme_lists_is_a_catalog_field()
        {
            var catalog = Apply("{\"models\":[{\"name\":\"all-fields\",\"dialect\":\"Nebula\",\"description\":\"d\",\"layout\":\"sora\",\"image\":\"Optional\"," +
                "\"imageFormats\":[\"png\"],\"maxImageBytes\":1000,\"imageMinPixels\":10,\"imageMaxPixels\":20,\"imageMatchesSize\":true,\"imageTransparency\":false," +
                "\"promptMaxLength\":100," +
                "\"durations\":[4],\"defaultDuration\":4,\"resolutions\":[],\"defaultResolution\":null,\"sizes\":[\"10x20\"],\"defaultSize\":\"10x20\"," +
                "\"pricePerSecondUsd\":{\"10x20\":0.5},\"options\":[\"User\"],\"remixIdPrefix\":\"video_\",\"retires\":\"2027-03-31\",\"lifecycleNote\":\"n\",\"replacement\":\"sora-2\"}]}");
            Assert.Equal(2m, catalog.Get("all-fields").EstimateCost(null, null));
        }

        [Fact]
        public void An_unknown_field_beside_the_models_array_is_refused()
        {
            var ex = AssertInvalid("{\"models\":[],\"modles\":[{\"name\":\"sora-2\",\"pricePerSecondUsd\":0.2}]}");
            Assert.Contains("\"modles\"", ex.Message);
            Assert.Contains("did you mean \"models\"?", ex.Message);
        }

        [Fact]
        public void An_override_cannot_move_a_model_to_another_dialect()
        {
            var ex = AssertInvalid(Entry(Wan25, "\"dialect\":\"Unified\""));
            Assert.Contains("Nebula", ex.Message);
            Assert.Contains("Unified", ex.Message);
            Assert.Equal("Nebula", Apply(Entry(Wan25, "\"dialect\":\"nebula\"")).Get(Wan25).Dialect);
        }

        // ---- Price keys: each is one of the model's resolutions or sizes, or "*" ------------------------

        [Theory]
        [InlineData("wan2.6-image-to-video", "\"pricePerSecondUsd\":{\"7200p\":0.1}", "'7200p'", "(720p, 1080p)")]
        [InlineData("wan2.5-i2v-preview", "\"pricePerSecondUsd\":{\"480p\":0.05,\"4k\":\"unknown\"}", "'4k'", "480p, 720p, 1080p")]
        [InlineData("sora-2", "\"pricePerSecondUsd\":{\"1280x72\":0.2}", "'1280x72'", "720x1280, 1280x720")]
        [InlineData("wan2.5-i2v-preview", "\"resolutions\":[\"720p\",\"1080p\"]", "'480p'", "720p, 1080p")]
        [InlineData("wan3-image-to-video", "\"dialect\":\"Unified\",\"resolutions\":[\"720p\"],\"pricePerSecondUsd\":{\"720P\":0.1,\"1080p\":0.2}", "'1080p'", "720p")]
        public void A_price_for_a_resolution_the_model_does_not_list_is_refused_with_the_valid_keys(string model, string fields, string key, string valid)
        {
            var ex = AssertInvalid(Entry(model, fields));
            Assert.Contains($"'{model}'", ex.Message);
            Assert.Contains(key, ex.Message);
            Assert.Contains(valid, ex.Message);
            Assert.Contains("\"*\"", ex.Message);
        }

        [Fact]
        public void A_misspelled_price_key_is_refused_suggesting_the_resolution_it_likely_meant()
        {
            var ex = AssertInvalid(Entry(Wan26, "\"pricePerSecondUsd\":{\"720p\":0.1,\"1800p\":0.2}"));
            Assert.Contains("did you mean '1080p'?", ex.Message);
        }

        [Fact]
        public void A_price_by_resolution_for_a_model_that_lists_none_is_refused()
        {
            var ex = AssertInvalid(Entry("wan3-image-to-video", "\"dialect\":\"Unified\",\"pricePerSecondUsd\":{\"720p\":0.1}"));
            Assert.Contains("'720p'", ex.Message);
            Assert.Contains("no resolutions", ex.Message);
            Assert.Equal(0.1m, Apply(Entry("wan3-image-to-video", "\"dialect\":\"Unified\",\"pricePerSecondUsd\":0.1")).Get("wan3-image-to-video").PricePerSecond("720p"));
        }

        [Fact]
        public void Narrowing_the_resolutions_with_the_dropped_ones_prices_removed_is_accepted()
        {
            var model = Apply(Entry(Wan25, "\"resolutions\":[\"720p\",\"1080p\"],\"pricePerSecondUsd\":{\"480p\":\"unknown\"}")).Get(Wan25);
            Assert.Equal(new[] { "720p", "1080p" }, model.PricePerSecondUsd!.Keys.OrderBy(k => k.Length));
            Assert.Equal(0.369m, model.EstimateCost(null, null));
        }

        [Fact]
        public void An_empty_models_array_changes_nothing() =>
            Assert.Equal(ModelCatalog.BuiltIn.Models, Apply("{\"models\":[]}").Models);

        // ---- Unknown and pass-through models -----------------------------------------------------------

        [Fact]
        public void An_unknown_model_is_refused_with_the_way_to_add_or_allow_it()
        {
            var ex = Assert.ThrowsAny<NebulaVideoException>(() => ModelCatalog.BuiltIn.Get("nope"));
            Assert.Equal("UnknownModel", ex.Id.Name);
            Assert.Equal(ErrorKind.InvalidArgument, ex.Kind);
            Assert.Equal("nope", ex.Target);
            Assert.Contains("NEBULAVIDEO_MODELS", ex.RecommendedAction);
            Assert.Contains("-AllowUnknownModel", ex.RecommendedAction);
        }

        [Fact]
        public void An_unknown_model_passed_through_to_the_unified_gateway_is_sent_unchecked_and_unpriced()
        {
            var model = ModelCatalog.BuiltIn.Get("nope", Dialects.Unified);
            Assert.True(model.IsPassThrough);
            Assert.Equal(("nope", "Unified"), (model.Name, model.Dialect));
            Assert.Null(model.EstimateCost(null, null));
            Assert.Null(model.EstimateCost("720p", 5));
            Assert.False(model.IsPriced);

            var request = ModelCatalog.Resolve(new VideoRequest { Model = "nope", Prompt = "p", Image = Images.ImageInput.FromUrl("https://example.com/i.png"), Duration = 7 }, model);
            Assert.Equal(("nope", 7), (request.Model, request.Duration));
        }

        [Fact]
        public void A_known_model_is_found_even_when_pass_through_is_allowed() =>
            Assert.False(ModelCatalog.BuiltIn.Get("wan2.5-image-to-video", Dialects.Unified).IsPassThrough);

        // ---- NEBULAVIDEO_MODELS ------------------------------------------------------------------------

        [Fact]
        public void The_current_catalog_applies_the_file_the_variable_names_and_rereads_it_when_it_changes()
        {
            var path = Path.Combine(Path.GetTempPath(), $"nebulavideo-models-{Guid.NewGuid():N}.json");
            var saved = Environment.GetEnvironmentVariable(ModelCatalog.UserFileVariable);
            try
            {
                File.WriteAllText(path, "{\"models\":[{\"name\":\"wan2.6-image-to-video\",\"pricePerSecondUsd\":{\"720p\":0.1}}]}");
                File.SetLastWriteTimeUtc(path, new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc));
                Environment.SetEnvironmentVariable(ModelCatalog.UserFileVariable, path);

                Assert.Equal(Path.GetFullPath(path), ModelCatalog.UserFilePath);
                var first = ModelCatalog.Current;
                Assert.Equal(0.5m, first.Get(Wan26).EstimateCost("720p", 5));
                Assert.Equal(Path.GetFullPath(path), first.Get(Wan26).Source);
                Assert.Same(first, ModelCatalog.Current);

                File.WriteAllText(path, "{\"models\":[{\"name\":\"wan2.6-image-to-video\",\"pricePerSecondUsd\":{\"720p\":0.25}}]}");
                File.SetLastWriteTimeUtc(path, new DateTime(2026, 1, 1, 0, 1, 0, DateTimeKind.Utc));
                Assert.Equal(1.25m, ModelCatalog.Current.Get(Wan26).EstimateCost("720p", 5));
            }
            finally
            {
                Environment.SetEnvironmentVariable(ModelCatalog.UserFileVariable, saved);
                File.Delete(path);
            }
        }

        [Fact]
        public void A_broken_file_the_variable_names_is_refused_naming_it()
        {
            var path = Path.Combine(Path.GetTempPath(), $"nebulavideo-models-{Guid.NewGuid():N}.json");
            var saved = Environment.GetEnvironmentVariable(ModelCatalog.UserFileVariable);
            try
            {
                File.WriteAllText(path, "{\"models\":[{\"name\":\"veo-3\"}]}");
                Environment.SetEnvironmentVariable(ModelCatalog.UserFileVariable, path);
                var ex = Assert.ThrowsAny<NebulaVideoException>(() => ModelCatalog.Current);
                Assert.Equal("CatalogFileInvalid", ex.Id.Name);
                Assert.Equal(Path.GetFullPath(path), ex.Target);
            }
            finally
            {
                Environment.SetEnvironmentVariable(ModelCatalog.UserFileVariable, saved);
                File.Delete(path);
            }
        }

        [Fact]
        public void When_the_named_file_is_missing_the_current_catalog_is_the_built_in_one()
        {
            var path = Path.Combine(Path.GetTempPath(), $"nebulavideo-models-{Guid.NewGuid():N}.json");
            var saved = Environment.GetEnvironmentVariable(ModelCatalog.UserFileVariable);
            try
            {
                Environment.SetEnvironmentVariable(ModelCatalog.UserFileVariable, path);
                Assert.Same(ModelCatalog.BuiltIn, ModelCatalog.Current);
            }
            finally
            {
                Environment.SetEnvironmentVariable(ModelCatalog.UserFileVariable, saved);
            }
        }

        [Fact]
        public void The_unknown_model_advice_names_the_file_the_variable_points_at()
        {
            var path = Path.Combine(Path.GetTempPath(), $"nebulavideo-models-{Guid.NewGuid():N}.json");
            var saved = Environment.GetEnvironmentVariable(ModelCatalog.UserFileVariable);
            try
            {
                Environment.SetEnvironmentVariable(ModelCatalog.UserFileVariable, path);
                var ex = Assert.ThrowsAny<NebulaVideoException>(() => ModelCatalog.BuiltIn.Get("nope"));
                Assert.Contains(Path.GetFullPath(path), ex.RecommendedAction);
            }
            finally
            {
                Environment.SetEnvironmentVariable(ModelCatalog.UserFileVariable, saved);
            }
        }
    }
}
