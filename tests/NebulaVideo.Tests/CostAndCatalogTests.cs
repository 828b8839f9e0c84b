using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using NebulaVideo.Core.Catalog;
using Xunit;

namespace NebulaVideo.Tests
{
    [Collection(EngineCollection.Name)]
    public sealed class CostAndCatalogTests
    {
        private readonly EngineFixture _engine;

        public CostAndCatalogTests(EngineFixture engine) => _engine = engine;

        [Theory]
        [InlineData("wan2.5-i2v-preview", "480p", 5, "0.1845")]
        [InlineData("wan2.5-i2v-preview", "720p", 5, "0.369")]
        [InlineData("wan2.5-i2v-preview", "1080p", 5, "0.6165")]
        [InlineData("wan2.5-i2v-preview", "480p", 10, "0.369")]
        [InlineData("wan2.5-i2v-preview", "720p", 10, "0.738")]
        [InlineData("wan2.5-i2v-preview", "1080p", 10, "1.233")]
        [InlineData("sora-2", "720x1280", 4, "0.4")]
        [InlineData("sora-2", "1280x720", 12, "1.2")]
        public void The_cost_table_is_exactly_the_gateways(string model, string resolution, int duration, string usd)
        {
            var run = _engine.Run($"Measure-NebulaVideoCost -Model {model} -Resolution {resolution} -Duration {duration}", apiKey: null);
            Assert.Empty(run.Errors);
            var rows = run.Objects<CostEstimate>().ToList();
            Assert.Equal(2, rows.Count);
            Assert.Equal(decimal.Parse(usd, System.Globalization.CultureInfo.InvariantCulture), rows[0].EstimatedCostUsd);
            Assert.True(rows[1].IsTotal);
            Assert.Equal(rows[0].EstimatedCostUsd, rows[1].EstimatedCostUsd);
        }

        [Fact]
        public void Piped_requests_files_and_counts_are_grouped_and_totalled_with_the_group_ratio()
        {
            using var scratch = new ScratchFolder(_engine.Stills);
            var run = _engine.Run(@"
                $rows = 'Model,Resolution,Duration', 'wan2.5-i2v-preview,720p,5', 'wan2.5-i2v-preview,720p,5', 'sora-2,1280x720,8' | ConvertFrom-Csv
                $rows | Measure-NebulaVideoCost
                Get-ChildItem $stills -Filter *.png | Measure-NebulaVideoCost -Resolution 1080p -Duration 10 -GroupRatio 0.5
                Measure-NebulaVideoCost -Count 100",
                apiKey: null, variables: new Dictionary<string, object?> { ["stills"] = scratch.Stills });

            Assert.Empty(run.Errors);
            var rows = run.Objects<CostEstimate>().ToList();
            Assert.Equal(7, rows.Count);
            Assert.Equal((2, 0.738m), (rows[0].Count, rows[0].EstimatedCostUsd));
            Assert.Equal((1, 0.8m), (rows[1].Count, rows[1].EstimatedCostUsd));
            Assert.Equal((3, 1.538m, true), (rows[2].Count, rows[2].EstimatedCostUsd, rows[2].IsTotal));
            Assert.Equal((3, 1.8495m), (rows[3].Count, rows[3].EstimatedCostUsd));
            Assert.Equal((100, 36.9m), (rows[5].Count, rows[5].EstimatedCostUsd));
        }

        [Fact]
        public void Tasks_price_with_the_group_ratio_their_gateway_reported()
        {
            var run = _engine.Run("New-NebulaVideo -Prompt p -Model sora-2 -Duration 12 | Measure-NebulaVideoCost");
            Assert.Empty(run.Errors);
            var total = run.Objects<CostEstimate>().Single(r => r.IsTotal);
            Assert.Equal(1.2m, total.EstimatedCostUsd);
        }

        [Fact]
        public void The_model_catalog_lists_durations_resolutions_sizes_inputs_and_prices()
        {
            var run = _engine.Run("Get-NebulaVideoModel; Get-NebulaVideoModel sora*; Get-NebulaVideoModel nope", apiKey: null);
            var models = run.Objects<ModelInfo>().ToList();
            Assert.Equal(new[] { "wan2.5-i2v-preview", "sora-2", "wan2.5-image-to-video", "wan2.6-image-to-video", "sora-2" }, models.Select(m => m.Name));
            Assert.Equal(new[] { 5, 10 }, models[0].Durations);
            Assert.Equal(new[] { "480p", "720p", "1080p" }, models[0].Resolutions);
            Assert.Equal(ImageRequirement.Required, models[0].Image);
            Assert.Equal(0.1233m, models[0].PricePerSecondUsd!["1080p"]);
            Assert.Equal(new[] { "720x1280", "1280x720" }, models[1].Sizes);
            Assert.Null(models[2].PricePerSecondUsd);
            Assert.Equal(new[] { 5, 10, 15 }, models[3].Durations);
            Assert.StartsWith("UnknownModel,", run.SingleError().FullyQualifiedErrorId);
        }

        [Theory]
        [InlineData("New-NebulaVideo -Model ", "sora-2")]
        [InlineData("New-NebulaVideo -Model sora-2 -Size ", "1280x720")]
        [InlineData("New-NebulaVideo -Model wan2.5-i2v-preview -Resolution ", "1080p")]
        [InlineData("New-NebulaVideo -Model sora-2 -Duration ", "12")]
        [InlineData("Measure-NebulaVideoCost -Model ", "wan2.5-i2v-preview")]
        public void Tab_completion_offers_the_catalogs_values(string line, string expected)
        {
            var run = _engine.Run("(TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText",
                apiKey: null, variables: new Dictionary<string, object?> { ["line"] = line });
            Assert.Contains(expected, run.Output.Select(o => o.ToString()));
        }

        [Fact]
        public void The_manifest_exports_exactly_the_cmdlets_with_approved_verbs_and_output_types()
        {
            var run = _engine.Run(@"
                $module = Get-Module NebulaVideo
                $approved = (Get-Verb).Verb
                foreach ($command in Get-Command -Module NebulaVideo) {
                    [pscustomobject]@{ Name = $command.Name; Approved = $approved -contains $command.Verb; OutputTypes = @($command.OutputType).Count }
                }
                $module.Version.ToString()", apiKey: null);
            Assert.Empty(run.Errors);
            var commands = run.Output.Where(o => o.Properties["Name"] is not null).ToList();
            Assert.Equal(17, commands.Count);
            Assert.All(commands, c => Assert.True((bool)c.Properties["Approved"].Value, c.Properties["Name"].Value + " has an unapproved verb"));
            Assert.All(commands, c => Assert.True((int)c.Properties["OutputTypes"].Value > 0, c.Properties["Name"].Value + " lacks [OutputType]"));
            var manifest = File.ReadAllText(_engine.ModuleManifest);
            Assert.Contains($"ModuleVersion          = '{run.Output.Last()}'", manifest);
            Assert.DoesNotContain("'*'", manifest);
        }
    }
}
