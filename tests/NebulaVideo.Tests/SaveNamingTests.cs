using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Xunit;

namespace NebulaVideo.Tests
{
    /// <summary>Where Save-NebulaVideo puts videos: templates, the folders of a recursive listing, and reruns that skip what is saved.</summary>
    [Collection(EngineCollection.Name)]
    public sealed class SaveNamingTests
    {
        private readonly EngineFixture _engine;

        public SaveNamingTests(EngineFixture engine) => _engine = engine;

        [Fact]
        public void A_recursive_listing_keeps_its_folders_so_images_of_one_name_never_meet_and_a_rerun_downloads_nothing()
        {
            using var scratch = new ScratchFolder(_engine.Stills);
            var shoot = scratch["shoot"];
            Directory.CreateDirectory(Path.Combine(shoot, "day1"));
            Directory.CreateDirectory(Path.Combine(shoot, "day2", "evening"));
            File.Copy(Path.Combine(scratch.Stills, "harbor.png"), Path.Combine(shoot, "day1", "cat.png"));
            File.Copy(Path.Combine(scratch.Stills, "tower.png"), Path.Combine(shoot, "day2", "evening", "cat.png"));
            const string save = "$tasks | Save-NebulaVideo -Path $videos -SourceRoot $shoot -NameTemplate '{image}-{model}'";
            // Both runs share one journal, as a runbook run twice on one machine does.
            var variables = new Dictionary<string, object?> { ["shoot"] = shoot, ["videos"] = scratch.Videos, ["NebulaVideoJournalPath"] = scratch["runs.journal"] };

            var first = _engine.Run(@"
                $tasks = Get-ChildItem $shoot -Recurse -Filter *.png | New-NebulaVideo -Prompt 'folders' | Wait-NebulaVideoTask -PollIntervalSec 0.1
                " + save, variables: variables);

            Assert.Empty(first.Errors);
            var expected = new[] { Path.Combine(scratch.Videos, "day1", "cat-wan2.5-i2v-preview.mp4"), Path.Combine(scratch.Videos, "day2", "evening", "cat-wan2.5-i2v-preview.mp4") };
            Assert.Equal(expected, first.Objects<FileInfo>().Select(f => f.FullName).OrderBy(n => n, StringComparer.Ordinal));
            Assert.Equal(expected, Directory.GetFiles(scratch.Videos, "*", SearchOption.AllDirectories).OrderBy(n => n, StringComparer.Ordinal));

            // The same tasks again, in the same journal: nothing is downloaded, the same files come out.
            var since = DateTimeOffset.UtcNow;
            var again = _engine.Run(@"
                $tasks = Get-NebulaVideoTask -FromJournal
                " + save + " -SkipSaved", variables: variables);

            Assert.Empty(again.Errors);
            Assert.Equal(expected, again.Objects<FileInfo>().Select(f => f.FullName).OrderBy(n => n, StringComparer.Ordinal));
            Assert.DoesNotContain(_engine.Emulator.Requests, r => r.Origin == "storage" && r.ReceivedAt >= since);
        }

        [Fact]
        public void A_template_that_cannot_tell_videos_apart_is_refused_before_any_download()
        {
            using var scratch = new ScratchFolder(_engine.Stills);
            var since = DateTimeOffset.UtcNow;
            var run = _engine.Run(@"
                Get-ChildItem $stills -Filter harbor.png | New-NebulaVideo -Prompt 'template' -Wait -PollIntervalSec 0.1 |
                    Save-NebulaVideo -Path $videos -NameTemplate '{model}'", variables: new Dictionary<string, object?> { ["stills"] = scratch.Stills, ["videos"] = scratch.Videos });

            var error = run.SingleError();
            Assert.Equal("NameTemplateInvalid,NebulaVideo.Commands.SaveNebulaVideoCommand", error.FullyQualifiedErrorId);
            Assert.Equal("{model}", error.TargetObject);
            Assert.DoesNotContain(_engine.Emulator.Requests, r => r.Origin == "storage" && r.ReceivedAt >= since);
            Assert.False(Directory.Exists(scratch.Videos) && Directory.EnumerateFileSystemEntries(scratch.Videos).Any());
        }

        [Fact]
        public void An_image_outside_the_source_root_is_that_tasks_error_and_the_others_are_saved()
        {
            using var scratch = new ScratchFolder(_engine.Stills);
            var run = _engine.Run(@"
                $inside = Get-ChildItem $stills -Filter harbor.png | New-NebulaVideo -Prompt 'inside' -Wait -PollIntervalSec 0.1
                $outside = New-NebulaVideo -Prompt 'outside' -Model sora-2 -Wait -PollIntervalSec 0.1
                $outside, $inside | Save-NebulaVideo -Path $videos -SourceRoot $stills",
                variables: new Dictionary<string, object?> { ["stills"] = scratch.Stills, ["videos"] = scratch.Videos });

            Assert.Equal("SourceRootMismatch,NebulaVideo.Commands.SaveNebulaVideoCommand", run.SingleError().FullyQualifiedErrorId);
            Assert.Equal(Path.Combine(scratch.Videos, "harbor.mp4"), Assert.Single(run.Objects<FileInfo>()).FullName);
        }
    }
}
