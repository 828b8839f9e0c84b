using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace NebulaVideo.Core.Downloads
{
    /// <summary>
    /// Writes a video so that the target path either holds a whole, checked MP4 or is left as it was:
    /// bytes go to a hidden temporary file beside the target, which is renamed only once complete.
    /// </summary>
    public static class VideoFile
    {
        public static async Task<FileInfo> WriteAsync(string targetPath, bool overwrite, Func<Stream, CancellationToken, Task> write,
            CancellationToken cancellationToken)
        {
            var target = new FileInfo(targetPath);
            if (target.Exists && !overwrite)
                throw new NebulaVideoException(ErrorIds.FileExists,
                    $"'{target.FullName}' already exists.", target.FullName, "Use -Force to overwrite it, or choose another -Path.");
            if (Directory.Exists(target.FullName))
                throw new NebulaVideoException(ErrorIds.PathIsDirectory,
                    $"'{target.FullName}' is a folder, not a file name.", target.FullName, "Give a file name ending in .mp4, or the folder as -Path.");

            var directory = target.Directory!;
            if (File.Exists(directory.FullName))
                throw new NebulaVideoException(ErrorIds.PathIsFile,
                    $"'{directory.FullName}' is a file, so videos cannot be saved in it as a folder.", directory.FullName,
                    "Give a folder (new or existing) as -Path, or a file name ending in .mp4 for one video.");
            OnFileSystem(directory.FullName, "create the folder", () => directory.Create());
            RemoveAbandonedPartials(directory, target.Name);
            // Same folder as the target, so the final rename never crosses volumes and is atomic.
            var temp = Path.Combine(directory.FullName, $"{PartialPrefix(target.Name)}{LocalProcess.Machine}-{LocalProcess.Id}-{Guid.NewGuid():N}{PartialSuffix}");
            try
            {
                var stream = OnFileSystem(directory.FullName, "write in the folder",
                    () => new FileStream(temp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 81920, useAsync: false));
                using (stream)
                {
                    await write(new WriteGuard(stream, target.FullName), cancellationToken).ConfigureAwait(false);
                    await OnFileSystem(target.FullName, "write the video", () => stream.FlushAsync(cancellationToken)).ConfigureAwait(false);
                    RequireMp4(stream, target.FullName);
                }
                OnFileSystem(target.FullName, "put the video in place", () =>
                {
                    if (File.Exists(target.FullName)) File.Replace(temp, target.FullName, null);
                    else File.Move(temp, target.FullName);
                });
            }
            catch
            {
                TryDelete(temp);
                throw;
            }
            target.Refresh();
            return target;
        }

        private const string PartialSuffix = ".partial";

        // A temporary file's writer is on another machine, or reuses a dead one's process id, at worst: one
        // untouched for a day that nobody holds open is abandoned whoever wrote it.
        private static readonly TimeSpan AbandonedAfter = TimeSpan.FromDays(1);

        private static string PartialPrefix(string targetName) => "." + targetName + ".";

        /// <summary>
        /// Removes the temporary files that earlier saves of this same target left behind when their process was
        /// killed (kill -9, a power cut: no finally block ran). Each is named after the machine and process that
        /// writes it (.cat.mp4.host-4242-guid.partial): one whose process on this machine has ended goes at once,
        /// one from elsewhere once untouched for a day; and never one that somebody holds open.
        /// </summary>
        private static void RemoveAbandonedPartials(DirectoryInfo directory, string targetName)
        {
            var prefix = PartialPrefix(targetName);
            FileInfo[] candidates;
            try
            {
                // Every .partial, filtered by name below: a target's name may hold characters a search pattern
                // takes for wildcards (* ? and, on Windows' rules, " < >).
                candidates = directory.GetFiles("*" + PartialSuffix);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                return; // nothing to tidy that could be seen; the save itself reports what matters
            }
            foreach (var file in candidates)
            {
                if (!file.Name.StartsWith(prefix, StringComparison.Ordinal) || !IsAbandoned(file, prefix)) continue;
                try
                {
                    using (new FileStream(file.FullName, FileMode.Open, FileAccess.ReadWrite, FileShare.None)) { }
                    file.Delete();
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    // Open in a save that is still running (or not ours to remove): left alone.
                }
            }
        }

        // "<machine>-<process id>-<32 hex digits>" between the prefix and .partial; anything else is not ours.
        private static bool IsAbandoned(FileInfo file, string prefix)
        {
            var middle = file.Name.Substring(prefix.Length, file.Name.Length - prefix.Length - PartialSuffix.Length);
            var last = middle.LastIndexOf('-');
            var beforeLast = last > 0 ? middle.LastIndexOf('-', last - 1) : -1;
            if (beforeLast <= 0 || middle.Length - last - 1 != 32 || !middle.Substring(last + 1).All(Uri.IsHexDigit)
                || !int.TryParse(middle.Substring(beforeLast + 1, last - beforeLast - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var processId))
                return false;
            var machine = middle.Substring(0, beforeLast);
            if (string.Equals(machine, LocalProcess.Machine, StringComparison.OrdinalIgnoreCase) && !LocalProcess.IsRunning(processId)) return true;
            return DateTime.UtcNow - file.LastWriteTimeUtc > AbandonedAfter;
        }

        private static T OnFileSystem<T>(string path, string what, Func<T> action)
        {
            try
            {
                return action();
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is System.Security.SecurityException)
            {
                throw WriteFailed(path, what, ex);
            }
        }

        private static void OnFileSystem(string path, string what, Action action) => OnFileSystem<object?>(path, what, () => { action(); return null; });

        internal static NebulaVideoException WriteFailed(string path, string what, Exception ex) =>
            new NebulaVideoException(ErrorIds.FileWriteFailed, $"Cannot {what} '{path}': {ex.Message}", path,
                "Check that the folder exists or can be created, that you may write in it and that the disk has room; then save again.", ex);

        /// <summary>
        /// The temporary file as the download sees it: a failed write (a full disk, a revoked permission) is a
        /// local fault with the path in it, never taken for a network fault and retried.
        /// </summary>
        private sealed class WriteGuard : Stream
        {
            private readonly Stream _inner;
            private readonly string _target;

            public WriteGuard(Stream inner, string target)
            {
                _inner = inner;
                _target = target;
            }

            public override async Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            {
                try
                {
                    await _inner.WriteAsync(buffer, offset, count, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    throw WriteFailed(_target, "write the video", ex);
                }
            }

            public override void Write(byte[] buffer, int offset, int count)
            {
                try
                {
                    _inner.Write(buffer, offset, count);
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    throw WriteFailed(_target, "write the video", ex);
                }
            }
            public override bool CanRead => false;
            public override bool CanSeek => true;
            public override bool CanWrite => true;
            public override long Length => _inner.Length;
            public override long Position { get => _inner.Position; set => _inner.Position = value; }
            public override void Flush() => _inner.Flush();
            public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);
            public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
            public override long Seek(long offset, SeekOrigin origin) => _inner.Seek(offset, origin);
            public override void SetLength(long value) => _inner.SetLength(value);
        }

        /// <summary>The name a video gets unless told otherwise: its source image's (cat.png gives cat.mp4).</summary>
        public const string DefaultNameTemplate = "{image}";

        private static readonly string[] NameTokens = { "{image}", "{id}", "{model}" };

        /// <summary>
        /// The file name of a task's video from a template: {image} is the source image's base name (the task
        /// id for a task without a named image), {id} the task id, {model} the model; ".mp4" is added. Only
        /// the task decides the name, never the order tasks finish in, so a rerun names every video alike.
        /// </summary>
        public static string NameFor(VideoTask task, string template = DefaultNameTemplate)
        {
            CheckNameTemplate(template);
            var image = ImageName(task.SourceImage);
            var name = template
                .Replace("{image}", string.IsNullOrWhiteSpace(image) ? task.TaskId : image)
                .Replace("{id}", task.TaskId)
                .Replace("{model}", task.Model);
            if (name.EndsWith(".mp4", StringComparison.OrdinalIgnoreCase)) name = name.Substring(0, name.Length - 4);
            // Task ids and image names come from outside: no separator (of any platform) and no name of dots survives.
            foreach (var bad in Path.GetInvalidFileNameChars()) name = name.Replace(bad, '_');
            name = name.Replace('/', '_').Replace('\\', '_');
            if (name.Trim('.', ' ').Length == 0) name = "video";
            return name + ".mp4";
        }

        /// <summary>The base name {image} stands for: cat for ./stills/cat.png or https://host/cat.png; null for inline data or no image.</summary>
        public static string? ImageName(string? source)
        {
            if (string.IsNullOrEmpty(source) || source!.StartsWith("(", StringComparison.Ordinal)) return null; // "(data URI)" has no name
            var name = Path.GetFileNameWithoutExtension(Uri.TryCreate(source, UriKind.Absolute, out var uri) && !uri.IsFile ? uri.AbsolutePath : source);
            return string.IsNullOrWhiteSpace(name) ? null : name;
        }

        /// <summary>A template must name something that tells videos apart, and only the tokens there are.</summary>
        public static void CheckNameTemplate(string template)
        {
            var unknown = System.Text.RegularExpressions.Regex.Matches(template ?? string.Empty, @"\{[^}]*\}")
                .Cast<System.Text.RegularExpressions.Match>().Select(m => m.Value).FirstOrDefault(t => Array.IndexOf(NameTokens, t.ToLowerInvariant()) < 0);
            if (string.IsNullOrWhiteSpace(template) || unknown is not null || !(template!.Contains("{image}") || template.Contains("{id}")))
                throw new NebulaVideoException(ErrorIds.NameTemplateInvalid,
                    unknown is not null ? $"The name template '{template}' has the unknown token {unknown}." : $"The name template '{template}' names no image or task, so every video would get one name.",
                    template, "Use {image} (the source image's name), {id} (the task id) and {model}, for example -NameTemplate '{image}-{model}'.");
        }

        /// <summary>An MP4 starts with an 'ftyp' box; anything else (an HTML error page, say) is not a video.</summary>
        private static void RequireMp4(Stream stream, string target)
        {
            var head = new byte[8];
            stream.Position = 0;
            var read = stream.Read(head, 0, head.Length);
            if (read < 8 || head[4] != (byte)'f' || head[5] != (byte)'t' || head[6] != (byte)'y' || head[7] != (byte)'p')
                throw new NebulaVideoException(ErrorIds.DownloadNotMp4,
                    "The downloaded data is not an MP4 video.", target, "Try again; if it persists, the gateway's answer has changed.");
        }

        private static void TryDelete(string path)
        {
            try
            {
                File.Delete(path);
            }
            catch (IOException)
            {
                // Best effort: a locked leftover is a hidden .partial file, never the target itself.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }
}
