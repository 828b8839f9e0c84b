using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text.RegularExpressions;
using Xunit;

namespace NebulaVideo.Tests
{
    /// <summary>What a pipeline says besides its objects: progress, verbose HTTP lines, warnings, terminating errors.</summary>
    [Collection(EngineCollection.Name)]
    public sealed class StreamsTests
    {
        private readonly EngineFixture _engine;

        public StreamsTests(EngineFixture engine) => _engine = engine;

        private const string Pipeline = @"
            Get-ChildItem $stills -Filter *.png |
                New-NebulaVideo -Prompt 'streams' |
                Wait-NebulaVideoTask -PollIntervalSec 0.1 |
                Save-NebulaVideo -Path $videos";

        [Fact]
        public void Submissions_waits_and_downloads_report_progress_with_counts_percentages_and_time_left()
        {
            using var scratch = new ScratchFolder(_engine.Stills);
            var run = _engine.Run(Pipeline, variables: Variables(scratch));

            Assert.Empty(run.Errors);
            var progress = run.Host.Progress.ToList();
            var submitting = progress.Where(p => p.Activity == "Submitting NebulaVideo requests").ToList();
            Assert.Contains(submitting, p => p.StatusDescription.StartsWith("3 submitted", StringComparison.Ordinal) && p.RecordType == ProgressRecordType.Completed);

            var waiting = progress.Where(p => p.Activity == "Waiting for NebulaVideo tasks").ToList();
            Assert.Contains(waiting, p => p.StatusDescription.StartsWith("3 of 3 finished", StringComparison.Ordinal) && p.PercentComplete == 100);
            // Half-way (tasks take two phases), the time so far gives the time left.
            Assert.Contains(waiting, p => p.PercentComplete is > 0 and < 100 && p.SecondsRemaining > 0);
            Assert.Contains(waiting, p => p.RecordType == ProgressRecordType.Completed);

            foreach (var name in new[] { "harbor.mp4", "sunrise.mp4", "tower.mp4" })
            {
                var saving = progress.Where(p => p.Activity == "Saving " + name).ToList();
                Assert.Contains(saving, p => Regex.IsMatch(p.StatusDescription, @"^\d+ of \d+ KB$") && p.PercentComplete == 100 && p.SecondsRemaining == 0);
                Assert.Equal(ProgressRecordType.Completed, saving.Last().RecordType);
            }
        }

        [Fact]
        public void Progress_is_silent_when_the_preference_says_so()
        {
            using var scratch = new ScratchFolder(_engine.Stills);
            var run = _engine.Run("$ProgressPreference = 'SilentlyContinue'" + Pipeline, variables: Variables(scratch));

            Assert.Empty(run.Errors);
            Assert.Equal(3, run.Objects<FileInfo>().Count());
            Assert.Empty(run.Host.Progress);
        }

        [Fact]
        public void Verbose_says_each_http_call_with_its_status_and_time_and_never_the_key()
        {
            using var scratch = new ScratchFolder(_engine.Stills);
            var run = _engine.Run(Pipeline.Replace("New-NebulaVideo -Prompt 'streams'", "New-NebulaVideo -Prompt 'streams' -Verbose")
                .Replace("-PollIntervalSec 0.1", "-PollIntervalSec 0.1 -Verbose").Replace("-Path $videos", "-Path $videos -Verbose"), variables: Variables(scratch));

            Assert.Empty(run.Errors);
            var calls = run.Verbose.Where(v => Regex.IsMatch(v, @"^(GET|POST) http://127\.0\.0\.1:\d+/\S+: \d{3} \w[\w ]* in \d+ ms$")).ToList();
            Assert.Equal(3, calls.Count(v => v.StartsWith("POST ", StringComparison.Ordinal) && v.Contains("/v1/video/generations: 200 OK", StringComparison.Ordinal)));
            Assert.Contains(calls, v => v.StartsWith("GET ", StringComparison.Ordinal) && v.Contains("/v1/video/generations/", StringComparison.Ordinal));
            // The signed links' downloads are said without their query: the signature is a credential too.
            Assert.Equal(3, calls.Count(v => v.Contains(".mp4: 200 OK", StringComparison.Ordinal)));
            Assert.DoesNotContain(run.Verbose, v => v.Contains("Signature=", StringComparison.Ordinal) || v.Contains(EngineFixture.ApiKey, StringComparison.Ordinal));
        }

        [Fact]
        public void Error_action_stop_turns_a_gateway_failure_into_an_error_a_runbook_catches()
        {
            var run = _engine.Run(@"
                try {
                    Get-NebulaVideoTask -TaskId 'no-such-task' -ErrorAction Stop
                    'not reached'
                }
                catch { 'caught ' + $_.FullyQualifiedErrorId + ' ' + $_.CategoryInfo.Category }");

            Assert.Equal(new[] { "caught GatewayTaskNotFound,NebulaVideo.Commands.GetNebulaVideoTaskCommand ObjectNotFound" }, run.Objects<string>());
        }

        [Fact]
        public void A_batch_warns_once_of_a_costly_setting_and_of_a_model_the_gateway_retires()
        {
            using var scratch = new ScratchFolder(_engine.Stills);
            var catalog = scratch["models.json"];
            File.WriteAllText(catalog, @"{ ""models"": [ { ""name"": ""wan2.5-i2v-preview"", ""retires"": ""2099-03-31"", ""replacement"": ""wan2.6-image-to-video"" } ] }");
            PSRun run;
            using (new EnvironmentScope(("NEBULAVIDEO_MODELS", catalog)))
                run = _engine.Run(@"
                    Get-ChildItem $stills -Filter *.png | New-NebulaVideo -Prompt 'costly' -Duration 10 -Resolution 1080p -WhatIf -WarningVariable +said
                    New-NebulaVideo -Prompt 'usual' -Model sora-2 -WhatIf -WarningVariable +said
                    $said | ForEach-Object Message", variables: Variables(scratch));

            Assert.Empty(run.Errors);
            var warnings = run.Objects<string>().ToList();
            Assert.Equal(1, warnings.Count(w => w.StartsWith("wan2.5-i2v-preview retires on 2099-03-31, in ", StringComparison.Ordinal)
                && w.EndsWith(" Move to wan2.6-image-to-video before then.", StringComparison.Ordinal)));
            // 10 s at 1080p is $1.233 against $0.369 for the default 5 s at 720p: said once for the three images.
            Assert.Equal(1, warnings.Count(w => w.Contains("costs $1.233 USD a video, 3.3 times its usual $0.369 USD", StringComparison.Ordinal)));
            // sora-2 at its defaults costs the usual; the built-in catalog says its upstream was shut down.
            Assert.Equal(1, warnings.Count(w => w.StartsWith("sora-2 was retired on 2026-09-24: OpenAI shut", StringComparison.Ordinal)));
            Assert.Equal(3, warnings.Count);
        }

        private static Dictionary<string, object?> Variables(ScratchFolder scratch) =>
            new() { ["stills"] = scratch.Stills, ["videos"] = scratch.Videos };
    }
}
