using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using NebulaVideo.Core;
using Xunit;

namespace NebulaVideo.Tests
{
    /// <summary>
    /// Local images for the models that take only URLs, staged through the user's own uploader (Connect-NebulaVideoStorage
    /// -ScriptBlock): here a script block that copies the file into a folder a loopback server serves, and answers its
    /// URL with a signature, which the emulator's unified gateway fetches as the real one does.
    /// </summary>
    [Collection(EngineCollection.Name)]
    public sealed class ImageStoreScriptTests : IDisposable
    {
        private readonly EngineFixture _engine;
        private readonly ScratchFolder _scratch;
        private readonly LoopbackFileServer _server;

        public ImageStoreScriptTests(EngineFixture engine)
        {
            _engine = engine;
            _scratch = new ScratchFolder(engine.Stills);
            _server = new LoopbackFileServer(_scratch["served"]);
        }

        // Counts its calls in $global:uploads, copies the file where the server serves it, and answers a signed URL.
        private const string Uploader = TwoGateways.Connect + @"
            $global:uploads = [System.Collections.Generic.List[string]]::new()
            Connect-NebulaVideoStorage -ScriptBlock {
                param($File)
                $global:uploads.Add($File.Name)
                Copy-Item -LiteralPath $File.FullName -Destination (Join-Path $served $File.Name)
                '{0}{1}?sig=uploader-secret' -f $base, $File.Name
            } | Out-Null
            ";

        private PSRun Run(string script) => _engine.Run(Uploader + script, apiKey: null, variables: TwoGateways.Variables(_engine,
            ("served", _server.Folder), ("base", _server.BaseUri.ToString()), ("stills", _scratch.Stills),
            ("harbor", Path.Combine(_scratch.Stills, "harbor.png")), ("tower", Path.Combine(_scratch.Stills, "tower.png"))));

        [Fact]
        public void Local_files_reach_a_url_only_model_through_the_uploader_once_per_content_and_keep_their_names()
        {
            var since = DateTimeOffset.UtcNow;
            var run = Run(@"
                Copy-Item $harbor (Join-Path $stills 'harbor-again.png')
                Get-ChildItem $stills -Filter *.png | Sort-Object Name |
                    Select-Object @{ Name = 'Path'; Expression = { $_.FullName } }, @{ Name = 'Prompt'; Expression = { 'staged ' + $_.BaseName } } |
                    New-NebulaVideo -Model wan2.6-image-to-video
                '---'
                $global:uploads");

            Assert.Empty(run.Errors);
            var tasks = run.Objects<VideoTask>().ToList();
            Assert.Equal(new[] { "harbor-again.png", "harbor.png", "sunrise.png", "tower.png" }, tasks.Select(t => Path.GetFileName(t.SourceImage)));
            // harbor-again.png has harbor.png's content: the uploader was asked once for it, though its rows are two requests.
            var uploads = run.Output.SkipWhile(o => !"---".Equals(o.BaseObject)).Skip(1).Select(o => (string)o.BaseObject).ToList();
            Assert.Equal(new[] { "harbor-again.png", "sunrise.png", "tower.png" }, uploads);
            foreach (var task in tasks)
            {
                // The task keeps the address without its signature; the gateway got the signed URL and fetched the file's bytes.
                Assert.DoesNotContain("?", task.StagedImage, StringComparison.Ordinal);
                var image = _engine.Emulator.ImageOf(task.TaskId)!;
                Assert.Equal(task.StagedImage + "?sig=uploader-secret", image.Url);
                Assert.Equal(Sha256(task.SourceImage!), image.Fetch!.Sha256);
            }
            Assert.Equal(4, _engine.PostsSince(since));
            Assert.Contains(run.Host.Progress, p => p.StatusDescription.StartsWith("Staging sunrise.png (0.05 MB)", StringComparison.Ordinal));
        }

        [Fact]
        public void WhatIf_says_what_would_be_staged_and_calls_no_uploader()
        {
            var since = DateTimeOffset.UtcNow;
            var run = Run(@"
                New-NebulaVideo -Model wan2.5-image-to-video -Prompt 'plan' -LiteralPath $harbor -WhatIf
                $global:uploads.Count");

            Assert.Empty(run.Errors);
            var line = Assert.Single(WhatIfLines(run));
            Assert.Contains("Stage harbor.png (0.02 MB) through the image store's script block, then submit video", line, StringComparison.Ordinal);
            Assert.Contains("then submit video", line, StringComparison.Ordinal);
            Assert.Equal(0, run.Output.Select(o => o.BaseObject).OfType<int>().Single());
            Assert.Equal(0, _engine.PostsSince(since));
        }

        [Theory]
        [InlineData("throw 'bucket is full'", "bucket is full")]
        [InlineData("'not a url'", "not an absolute http(s) URL")]
        [InlineData("$null", "returned nothing")]
        [InlineData("'http://example.com/cat.png'", "https addresses only")]
        public void An_uploader_that_fails_is_that_items_error_and_nothing_is_posted_for_it(string answer, string said)
        {
            var since = DateTimeOffset.UtcNow;
            var run = _engine.Run(TwoGateways.Connect + $@"
                Connect-NebulaVideoStorage -ScriptBlock {{ param($File) if ($File.Name -eq 'harbor.png') {{ {answer} }} else {{ '{_server.BaseUri}' + $File.Name; Copy-Item $File.FullName (Join-Path $served $File.Name) }} }} | Out-Null
                Get-Item $harbor, $tower | New-NebulaVideo -Model wan2.6-image-to-video -Prompt 'fails' -JournalPath $journal
                New-NebulaVideo -Model wan2.6-image-to-video -Prompt 'fails' -LiteralPath $harbor -JournalPath $journal -WhatIf",
                apiKey: null, variables: TwoGateways.Variables(_engine, ("served", _server.Folder), ("harbor", Path.Combine(_scratch.Stills, "harbor.png")),
                    ("tower", Path.Combine(_scratch.Stills, "tower.png")), ("journal", _scratch["journal.jsonl"])));

            var error = run.SingleError();
            Assert.StartsWith("StagingScriptFailed,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
            Assert.Equal(Path.Combine(_scratch.Stills, "harbor.png"), error.TargetObject);
            Assert.Contains(said, error.Exception.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("uploader-secret", error.Exception.Message, StringComparison.Ordinal);
            Assert.Equal("tower.png", Path.GetFileName(Assert.Single(run.Objects<VideoTask>()).SourceImage));
            Assert.Equal(1, _engine.PostsSince(since));
            // Nothing was posted for harbor.png, so the journal leaves it free to send: the rerun's -WhatIf offers to submit it.
            Assert.Contains(WhatIfLines(run), l => l.Contains("then submit video", StringComparison.Ordinal));
            // Staging comes before the journal's claim: a run killed while uploading leaves no Submitting record behind,
            // which the next run would have to take for a submission whose outcome is unknown.
            Assert.DoesNotContain(File.ReadAllLines(_scratch["journal.jsonl"]), l => l.Contains("harbor.png", StringComparison.Ordinal));
        }

        [Fact]
        public void A_rerun_resumes_from_the_journal_without_calling_the_uploader()
        {
            var script = @"
                New-NebulaVideo -Model wan2.6-image-to-video -Prompt 'rerun' -LiteralPath $harbor -JournalPath $journal
                $global:uploads.Count";
            var variables = ("journal", (object?)_scratch["journal.jsonl"]);
            var first = _engine.Run(Uploader + script, apiKey: null, variables: TwoGateways.Variables(_engine, ("served", _server.Folder),
                ("base", _server.BaseUri.ToString()), ("harbor", Path.Combine(_scratch.Stills, "harbor.png")), variables));
            var since = DateTimeOffset.UtcNow;
            var second = _engine.Run(Uploader + script, apiKey: null, variables: TwoGateways.Variables(_engine, ("served", _server.Folder),
                ("base", _server.BaseUri.ToString()), ("harbor", Path.Combine(_scratch.Stills, "harbor.png")), variables));

            Assert.Empty(first.Errors);
            Assert.Empty(second.Errors);
            var before = first.Objects<VideoTask>().Single();
            var after = second.Objects<VideoTask>().Single();
            Assert.Equal(before.TaskId, after.TaskId);
            Assert.True(after.Resumed);
            Assert.Equal(before.StagedImage, after.StagedImage);
            Assert.Equal(0, second.Output.Select(o => o.BaseObject).OfType<int>().Single());
            Assert.Equal(0, _engine.PostsSince(since));
            Assert.Contains("\"staged_image\":\"" + before.StagedImage + "\"", File.ReadAllText(_scratch["journal.jsonl"]), StringComparison.Ordinal);
        }

        [Fact]
        public void A_resumed_task_that_failed_is_staged_again_with_a_fresh_url_before_it_is_sent_again()
        {
            var script = TwoGateways.Connect + @"
                $global:uploads = 0
                Connect-NebulaVideoStorage -ScriptBlock {
                    param($File)
                    $global:uploads++
                    Copy-Item -LiteralPath $File.FullName -Destination (Join-Path $served $File.Name) -Force
                    '{0}{1}?sig={2}' -f $base, $File.Name, [guid]::NewGuid()
                } | Out-Null
                New-NebulaVideo -Model wan2.6-image-to-video -Prompt 'emulator:fail staged' -LiteralPath $harbor -JournalPath $journal |
                    Wait-NebulaVideoTask -PollIntervalSec 0.2
                $global:uploads";
            var variables = TwoGateways.Variables(_engine, ("served", _server.Folder), ("base", _server.BaseUri.ToString()),
                ("harbor", Path.Combine(_scratch.Stills, "harbor.png")), ("journal", _scratch["journal.jsonl"]));

            var first = _engine.Run(script, apiKey: null, variables: variables);
            var second = _engine.Run(script, apiKey: null, variables: variables);

            // Each run staged once: the second learned from the gateway that the journal's task had failed, so it had to
            // send the request again, and only then asked for the image's URL, a fresh one.
            Assert.Equal(1, first.Output.Select(o => o.BaseObject).OfType<int>().Single());
            Assert.Equal(1, second.Output.Select(o => o.BaseObject).OfType<int>().Single());
            var tasks = new[] { first, second }.Select(r => (VideoTask)r.Errors.Single(e => e.TargetObject is VideoTask).TargetObject).ToList();
            Assert.NotEqual(tasks[0].TaskId, tasks[1].TaskId);
            Assert.NotEqual(_engine.Emulator.ImageOf(tasks[0].TaskId)!.Url, _engine.Emulator.ImageOf(tasks[1].TaskId)!.Url);
            Assert.Equal(tasks[0].StagedImage, tasks[1].StagedImage);
        }

        [Fact]
        public void A_transparent_png_is_refused_before_the_uploader_is_called()
        {
            var rgba = Path.Combine(_scratch.Stills, "glass.png");
            File.WriteAllBytes(rgba, ImageStoreAzureTests.PngHeader(640, 480, colourType: 6));

            var run = Run(@"
                New-NebulaVideo -Model wan2.6-image-to-video -Prompt 'glass' -LiteralPath (Join-Path $stills glass.png)
                $global:uploads.Count");

            Assert.StartsWith("ImageTransparencyNotSupported,", run.SingleError().FullyQualifiedErrorId, StringComparison.Ordinal);
            Assert.Equal(0, run.Output.Select(o => o.BaseObject).OfType<int>().Single());
        }

        [Fact]
        public void The_store_is_shown_without_secrets_and_forgotten_and_without_one_the_error_says_how_to_register_it()
        {
            var run = Run(@"
                Get-NebulaVideoStorage
                Get-NebulaVideoStorage | Out-String -Width 80
                Disconnect-NebulaVideoStorage
                Get-NebulaVideoStorage
                New-NebulaVideo -Model wan2.6-image-to-video -Prompt 'none' -LiteralPath $harbor");

            var info = Assert.Single(run.Objects<Core.Storage.StorageInfo>());
            Assert.Equal(("ScriptBlock", "ScriptBlock"), (info.Kind, info.Credential));
            var table = run.Objects<string>().Single().Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0).ToList();
            Assert.Matches(@"^Account\s+Container\s+Credential\s+JournalTable\s+JournalCredential$", table[0]);
            Assert.Matches(@"^\s+ScriptBlock$", table[2]);
            var error = run.SingleError();
            Assert.StartsWith("ImageUrlRequired,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
            Assert.Contains("Connect-NebulaVideoStorage", error.ErrorDetails.RecommendedAction, StringComparison.Ordinal);
        }

        private static IEnumerable<string> WhatIfLines(PSRun run) =>
            run.Host.Text.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("What if:", StringComparison.Ordinal));

        private static string Sha256(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path))).ToLowerInvariant();

        public void Dispose()
        {
            _server.Dispose();
            _scratch.Dispose();
        }
    }
}
