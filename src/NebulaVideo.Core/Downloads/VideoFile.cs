using System;
using System.IO;
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
            directory.Create();
            // Same folder as the target, so the final rename never crosses volumes and is atomic.
            var temp = Path.Combine(directory.FullName, $".{target.Name}.{Guid.NewGuid():N}.partial");
            try
            {
                using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 81920, useAsync: true))
                {
                    await write(stream, cancellationToken).ConfigureAwait(false);
                    await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                    RequireMp4(stream, target.FullName);
                }
                if (File.Exists(target.FullName)) File.Replace(temp, target.FullName, null);
                else File.Move(temp, target.FullName);
            }
            catch
            {
                TryDelete(temp);
                throw;
            }
            target.Refresh();
            return target;
        }

        /// <summary>
        /// The file name a task's video gets by default: after its source image (cat.png gives cat.mp4),
        /// else its task id. <paramref name="withTaskId"/> adds the id, to keep two videos of one image apart.
        /// </summary>
        public static string DefaultName(VideoTask task, bool withTaskId = false)
        {
            var source = task.SourceImage;
            string? name = null;
            if (!string.IsNullOrEmpty(source) && !source!.StartsWith("(", StringComparison.Ordinal)) // "(data URI)" has no name
                name = Path.GetFileNameWithoutExtension(Uri.TryCreate(source, UriKind.Absolute, out var uri) && !uri.IsFile ? uri.AbsolutePath : source);
            name = string.IsNullOrWhiteSpace(name) ? task.TaskId : withTaskId ? $"{name}-{task.TaskId}" : name;
            foreach (var bad in Path.GetInvalidFileNameChars()) name = name!.Replace(bad, '_');
            return name + ".mp4";
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
