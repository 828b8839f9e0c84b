using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using NebulaVideo.Core.Catalog;
using Xunit;

namespace NebulaVideo.Tests
{
    /// <summary>What Get-NebulaVideoModel says about models that retire: the lifecycle in its views, and which listings leave them out.</summary>
    [Collection(EngineCollection.Name)]
    public sealed class ModelLifecycleTests
    {
        private readonly EngineFixture _engine;

        public ModelLifecycleTests(EngineFixture engine) => _engine = engine;

        /// <summary>
        /// A retired model with a replacement (left out of listings), a model retiring long after any test runs,
        /// and the built-in sora-2, retired with no replacement (kept in listings).
        /// </summary>
        private const string Catalog = @"{ ""models"": [
            { ""name"": ""wan2.2-i2v-legacy"", ""dialect"": ""Nebula"", ""retires"": ""2025-06-30"", ""replacement"": ""wan2.5-i2v-preview"" },
            { ""name"": ""wan2.6-image-to-video"", ""retires"": ""2099-12-31"", ""lifecycleNote"": ""Wan 3.0 takes over."", ""replacement"": ""wan3-image-to-video"" }
        ] }";

        [Fact]
        public void The_table_shows_each_models_lifecycle_within_80_columns_and_the_list_its_day_note_and_replacement()
        {
            var run = _engine.Run(@"
                Get-NebulaVideoModel | Out-String -Width 80 -Stream | Where-Object { $_.Trim() } | ForEach-Object { 'table|' + $_ }
                Get-NebulaVideoModel sora-2 | Format-List | Out-String -Width 80 | ForEach-Object { 'list|' + $_ }
                Get-NebulaVideoModel sora-2", apiKey: null);

            Assert.Empty(run.Errors);
            var lines = run.Objects<string>().ToList();
            var table = lines.Where(l => l.StartsWith("table|", StringComparison.Ordinal)).Select(l => l.Substring("table|".Length).TrimEnd()).ToList();
            Assert.All(table, l => Assert.True(l.Length <= 80, $"'{l}' is {l.Length} columns"));
            Assert.Equal(6, table.Count);    // header, rule, four models: no row wrapped
            Assert.Matches(@"^Name\s+Dialect\s+Lifecycle\s", table[0]);
            Assert.Matches(@"^sora-2\s+Nebula\s+Retired\s", table.Single(l => l.StartsWith("sora-2 ", StringComparison.Ordinal)));
            Assert.Equal(3, table.Count(l => Regex.IsMatch(l, @"^wan\S+\s+\S+\s+Active\s")));

            var list = lines.Single(l => l.StartsWith("list|", StringComparison.Ordinal));
            Assert.Matches(@"Lifecycle\s+: Retired on 2026-09-24", list);
            Assert.Matches(@"LifecycleNote\s+: OpenAI shut its Sora 2 video API down on 2026-09-24", list);
            Assert.Matches(@"Replacement\s+: none named", list);

            var sora = Assert.Single(run.Objects<ModelInfo>());
            Assert.Equal(ModelLifecycle.Retired, sora.Lifecycle);
            Assert.Equal(new DateTime(2026, 9, 24), sora.Retires!.Value.Date);
        }

        [Fact]
        public void An_active_model_has_no_lifecycle_lines_in_its_list_but_its_state()
        {
            var run = _engine.Run("Get-NebulaVideoModel wan2.5-i2v-preview | Format-List | Out-String -Width 80", apiKey: null);
            var list = Assert.Single(run.Objects<string>());
            Assert.Matches(@"Lifecycle\s+: Active", list);
            Assert.DoesNotContain("LifecycleNote", list, StringComparison.Ordinal);
            Assert.DoesNotContain("Replacement", list, StringComparison.Ordinal);
        }

        [Fact]
        public void A_retired_model_with_a_replacement_is_left_out_of_listings_unless_IncludeRetired_or_asked_for_by_name()
        {
            using var scratch = new ScratchFolder(_engine.Stills);
            var catalog = scratch["models.json"];
            File.WriteAllText(catalog, Catalog);
            PSRun run;
            using (new EnvironmentScope(("NEBULAVIDEO_MODELS", catalog)))
                run = _engine.Run(@"
                    'default=' + ((Get-NebulaVideoModel -Verbose).Name -join ',')
                    'included=' + ((Get-NebulaVideoModel -IncludeRetired).Name -join ',')
                    'wildcard=' + ((Get-NebulaVideoModel wan2.2*).Name -join ',')
                    'wildcard included=' + ((Get-NebulaVideoModel wan2.2* -IncludeRetired).Name -join ',')
                    'by name=' + (Get-NebulaVideoModel wan2.2-i2v-legacy).Name
                    'by property=' + ([pscustomobject]@{ Model = 'wan2.2-i2v-legacy' } | Get-NebulaVideoModel).Name
                    'lifecycles=' + ((Get-NebulaVideoModel -IncludeRetired | ForEach-Object { '{0}:{1}' -f $_.Name, $_.Lifecycle }) -join ',')",
                    apiKey: null);

            Assert.Empty(run.Errors);
            Assert.Equal(new[]
            {
                // sora-2 is retired too, but nothing replaces it: it stays listed, marked Retired.
                "default=wan2.5-i2v-preview,sora-2,wan2.5-image-to-video,wan2.6-image-to-video",
                "included=wan2.5-i2v-preview,sora-2,wan2.5-image-to-video,wan2.6-image-to-video,wan2.2-i2v-legacy",
                "wildcard=",
                "wildcard included=wan2.2-i2v-legacy",
                "by name=wan2.2-i2v-legacy",
                "by property=wan2.2-i2v-legacy",
                "lifecycles=wan2.5-i2v-preview:Active,sora-2:Retired,wan2.5-image-to-video:Active,wan2.6-image-to-video:Retiring,wan2.2-i2v-legacy:Retired",
            }, run.Objects<string>());
            // Left out, but said: a model missing from the list would otherwise look unknown.
            var said = Assert.Single(run.Verbose, v => v.Contains("wan2.2-i2v-legacy", StringComparison.Ordinal));
            Assert.Contains("-IncludeRetired", said, StringComparison.Ordinal);
        }

        [Fact]
        public void Sora_2_is_shown_retired_upstream_by_the_model_list_and_by_WhatIf_and_is_still_sendable()
        {
            var run = _engine.Run(@"
                (Get-NebulaVideoModel sora-2 | Format-List | Out-String -Width 80)
                New-NebulaVideo -Prompt 'a paper boat' -Model sora-2 -WhatIf -WarningVariable said
                $said | ForEach-Object Message
                (New-NebulaVideo -Prompt 'a paper boat' -Model sora-2 -WarningAction SilentlyContinue).TaskId", apiKey: EngineFixture.ApiKey);

            Assert.Empty(run.Errors);
            var text = string.Join("\n", run.Objects<string>());
            Assert.Matches(@"Lifecycle\s+: Retired on 2026-09-24", text);
            Assert.Contains("What if: Performing the operation \"Submit video to sora-2, retired on 2026-09-24, estimated cost $0.4 USD", run.Host.Text, StringComparison.Ordinal);
            Assert.Single(run.Objects<string>(), w => w.StartsWith("sora-2 was retired on 2026-09-24: OpenAI shut its Sora 2 video API down", StringComparison.Ordinal));
            // Never refused: the gateway may still serve it.
            Assert.StartsWith("video_", run.Objects<string>().Last(), StringComparison.Ordinal);
        }
    }
}
