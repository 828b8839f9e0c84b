using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using NebulaVideo.Core.Downloads;
using NebulaVideo.Core.Tasks;
using Xunit;

namespace NebulaVideo.Core.Tests
{
    public sealed class VideoFileTests : IDisposable
    {
        private static readonly byte[] Mp4Head = { 0, 0, 0, 0x18, (byte)'f', (byte)'t', (byte)'y', (byte)'p', (byte)'i', (byte)'s', (byte)'o', (byte)'m' };
        private readonly string _folder = Directory.CreateTempSubdirectory("nebulavideo-files-").FullName;

        public void Dispose() => Directory.Delete(_folder, recursive: true);

        [Fact]
        public async Task A_complete_mp4_lands_under_its_name_and_nothing_else_remains()
        {
            var target = Path.Combine(_folder, "sub", "cat.mp4");
            var file = await VideoFile.WriteAsync(target, overwrite: false, (s, ct) => s.WriteAsync(Mp4Head, 0, Mp4Head.Length, ct), CancellationToken.None);
            Assert.Equal(Mp4Head, File.ReadAllBytes(file.FullName));
            Assert.Single(Directory.GetFiles(Path.Combine(_folder, "sub")));
        }

        [Fact]
        public async Task Saving_a_target_again_removes_what_a_killed_save_of_it_left_but_not_a_save_in_progress()
        {
            using var self = System.Diagnostics.Process.GetCurrentProcess();
            string Partial(string target, string machine, int processId) =>
                Path.Combine(_folder, $".{target}.{machine}-{processId}-{Guid.NewGuid():N}.partial");
            // What kill -9 leaves: the temporary file of a save whose process (on this machine) is gone.
            // No process has the id int.MaxValue on any system .NET runs on.
            var killed = Partial("cat.mp4", Environment.MachineName, int.MaxValue);
            // A save of the same target still running here, in the instant between closing its file and renaming it.
            var closing = Partial("cat.mp4", Environment.MachineName, self.Id);
            // Another machine's save on a shared folder: its process cannot be checked, so only its age counts.
            var elsewhereFresh = Partial("cat.mp4", "another-host", 4242);
            var elsewhereOld = Partial("cat.mp4", "another-host", 4343);
            // Another target's, and a name this class does not make: none of its business.
            var otherTarget = Partial("dog.mp4", Environment.MachineName, int.MaxValue);
            var notOurs = Path.Combine(_folder, ".cat.mp4.notes.partial");
            foreach (var path in new[] { killed, closing, elsewhereFresh, elsewhereOld, otherTarget, notOurs }) File.WriteAllBytes(path, Mp4Head);
            File.SetLastWriteTimeUtc(elsewhereOld, DateTime.UtcNow.AddDays(-2));
            // A killed save's file that something still holds open (a virus scanner, a stuck handle) stays too.
            var held = Partial("cat.mp4", Environment.MachineName, int.MaxValue);
            using var holder = new FileStream(held, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None);

            var file = await VideoFile.WriteAsync(Path.Combine(_folder, "cat.mp4"), overwrite: false,
                (s, ct) => s.WriteAsync(Mp4Head, 0, Mp4Head.Length, ct), CancellationToken.None);

            Assert.Equal(Mp4Head, File.ReadAllBytes(file.FullName));
            Assert.False(File.Exists(killed), "The killed save's leftover should be gone.");
            Assert.False(File.Exists(elsewhereOld), "A day-old leftover from another machine should be gone.");
            Assert.True(File.Exists(closing), "A save still running here must keep its file.");
            Assert.True(File.Exists(elsewhereFresh), "A fresh file of another machine's save must stay.");
            Assert.True(File.Exists(held), "A file somebody holds open must stay.");
            Assert.True(File.Exists(otherTarget));
            Assert.True(File.Exists(notOurs));
        }

        [Fact]
        public async Task A_save_names_its_temporary_file_after_this_machine_and_process()
        {
            using var self = System.Diagnostics.Process.GetCurrentProcess();
            string? seen = null;
            await VideoFile.WriteAsync(Path.Combine(_folder, "cat.mp4"), overwrite: false, (s, ct) =>
            {
                seen = Path.GetFileName(Assert.Single(Directory.GetFiles(_folder, "*.partial")));
                return s.WriteAsync(Mp4Head, 0, Mp4Head.Length, ct);
            }, CancellationToken.None);

            Assert.Matches($"^\\.cat\\.mp4\\.{System.Text.RegularExpressions.Regex.Escape(Environment.MachineName)}-{self.Id}-[0-9a-f]{{32}}\\.partial$", seen);
        }

        [Fact]
        public async Task A_download_that_fails_halfway_leaves_nothing_on_disk()
        {
            var target = Path.Combine(_folder, "cat.mp4");
            await Assert.ThrowsAsync<IOException>(() => VideoFile.WriteAsync(target, false, async (s, ct) =>
            {
                await s.WriteAsync(Mp4Head, 0, Mp4Head.Length, ct);
                throw new IOException("connection reset");
            }, CancellationToken.None));
            Assert.Empty(Directory.GetFileSystemEntries(_folder));
        }

        [Fact]
        public async Task Bytes_that_are_not_an_mp4_are_refused_and_removed()
        {
            var target = Path.Combine(_folder, "cat.mp4");
            var ex = await Assert.ThrowsAsync<NebulaVideoException>(() => VideoFile.WriteAsync(target, false,
                (s, ct) => s.WriteAsync(new byte[] { (byte)'<', (byte)'h', (byte)'t', (byte)'m', (byte)'l', (byte)'>', 0, 0 }, 0, 8, ct), CancellationToken.None));
            Assert.Equal("DownloadNotMp4", ex.Id.Name);
            Assert.Empty(Directory.GetFileSystemEntries(_folder));
        }

        [Fact]
        public async Task An_existing_file_is_kept_unless_overwrite_is_asked_for()
        {
            var target = Path.Combine(_folder, "cat.mp4");
            File.WriteAllText(target, "keep me");
            var ex = await Assert.ThrowsAsync<NebulaVideoException>(() => VideoFile.WriteAsync(target, false, (s, ct) => s.WriteAsync(Mp4Head, 0, Mp4Head.Length, ct), CancellationToken.None));
            Assert.Equal(("FileExists", ErrorKind.ResourceExists), (ex.Id.Name, ex.Kind));
            Assert.Equal("keep me", File.ReadAllText(target));

            await VideoFile.WriteAsync(target, true, (s, ct) => s.WriteAsync(Mp4Head, 0, Mp4Head.Length, ct), CancellationToken.None);
            Assert.Equal(Mp4Head, File.ReadAllBytes(target));
            Assert.Single(Directory.GetFileSystemEntries(_folder));
        }

        [Theory]
        [InlineData("/stills/cat.png", "{image}", "cat.mp4")]
        [InlineData("https://example.com/images/dog.jpeg?x=1", "{image}", "dog.mp4")]
        [InlineData("(data URI)", "{image}", "video_abc.mp4")]
        [InlineData(null, "{image}", "video_abc.mp4")]
        [InlineData("/stills/cat.png", "{image}-{id}", "cat-video_abc.mp4")]
        [InlineData("/stills/cat.png", "{model}_{image}.mp4", "sora-2_cat.mp4")]
        [InlineData("/stills/cat.png", "../{id}", ".._video_abc.mp4")]
        public void A_video_is_named_by_its_template_from_the_task_alone(string? source, string template, string expected) =>
            Assert.Equal(expected, VideoFile.NameFor(new VideoTask { TaskId = "video_abc", Model = "sora-2", SourceImage = source }, template));

        [Theory]
        [InlineData("{image}-{size}")]
        [InlineData("{model}")]
        [InlineData("  ")]
        public void A_template_with_an_unknown_token_or_nothing_to_tell_videos_apart_is_refused(string template)
        {
            var ex = Assert.Throws<NebulaVideoException>(() => VideoFile.NameFor(new VideoTask { TaskId = "t" }, template));
            Assert.Equal(("NameTemplateInvalid", ErrorKind.InvalidArgument, (object)template), (ex.Id.Name, ex.Kind, ex.Target));
        }
    }
}
