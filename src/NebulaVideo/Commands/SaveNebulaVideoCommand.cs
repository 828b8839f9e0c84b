using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using NebulaVideo.Core;
using NebulaVideo.Core.Downloads;
using NebulaVideo.Core.Gateways;
using NebulaVideo.Core.Storage;

namespace NebulaVideo.Commands
{
    /// <summary>
    /// Downloads finished videos into files, or with -Container into blobs of the session's storage account. Each lands
    /// whole or not at all (a hidden temporary file renamed when complete and checked; a block blob committed when
    /// complete and checked), what exists is kept unless -Force, and one FileInfo (or VideoBlob) is emitted per video.
    /// </summary>
    [Cmdlet(VerbsData.Save, "NebulaVideo", SupportsShouldProcess = true, DefaultParameterSetName = TaskSets.ByTask)]
    [OutputType(typeof(FileInfo), typeof(VideoBlob))]
    public sealed class SaveNebulaVideoCommand : TaskCmdlet
    {
        private const int ProgressActivityId = 7302;
        private readonly HashSet<string> _written = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

        // A file -Path takes one task: the tasks are held until the input ends, so that three tasks save none, instead
        // of saving the first and refusing the rest after it was paid for and downloaded.
        private List<VideoTask>? _forOneFile;

        /// <summary>The connection to read bare task ids (or all given tasks) from, instead of the one each task names.</summary>
        [Parameter]
        [ArgumentCompleter(typeof(ConnectionCompleter))]
        [ValidateNotNullOrEmpty]
        public override string? Connection { get; set; }

        /// <summary>A folder (created if needed), or a file name ending in .mp4 when saving one task.</summary>
        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = ".";

        /// <summary>
        /// A blob container on the session's storage account (Connect-NebulaVideoStorage, or the runbook's connection string
        /// variable) to stream the videos into instead of files: no local copy is made. Instead of -Path.
        /// </summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Container { get; set; }

        /// <summary>How files (or blobs) are named: {image}, {id} and {model}; "{image}" by default.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string NameTemplate { get; set; } = VideoFile.DefaultNameTemplate;

        /// <summary>The folder the images were listed from (Get-ChildItem -Recurse): each video goes into the same relative folder under -Path.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? SourceRoot { get; set; }

        /// <summary>A task whose video is already saved (by name, or as the journal recorded it) is not downloaded again; the file is written out.</summary>
        [Parameter]
        public SwitchParameter SkipSaved { get; set; }

        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>
        /// The journal that records where each video went. When omitted, the one that recorded the task's submission
        /// (the task's JournalPath), else the session's or the user's default.
        /// </summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? JournalPath { get; set; }

        // -Path and -SourceRoot (and -JournalPath) as file system paths, resolved once: a bad one stops the command before any download.
        private string _path = string.Empty;
        private string? _sourceRoot;

        // -Container's store, opened once; null when saving to files.
        private AzureBlobVideoStore? _videos;

        protected override void BeginProcessing()
        {
            base.BeginProcessing();
            try
            {
                VideoFile.CheckNameTemplate(NameTemplate);
                if (Container is not null && MyInvocation.BoundParameters.ContainsKey(nameof(Path)))
                    throw new NebulaVideoException(ErrorIds.ParameterConflict, "-Path and -Container were both given: a video goes to a file or to a blob.", Path,
                        "Give -Path to save files, or -Container to save blobs in the session's storage account.");
                if (Container is not null) _videos = SessionStorage.VideoStore(Container);
                _path = FileSystemPath(Path, "-Path");
                _sourceRoot = SourceRoot is null ? null : FileSystemPath(SourceRoot, "-SourceRoot");
                if (JournalPath is not null) JournalPath = FileSystemPath(JournalPath, "-JournalPath");
                if (_videos is null && !Directory.Exists(_path) && !string.IsNullOrEmpty(System.IO.Path.GetExtension(_path))) _forOneFile = new List<VideoTask>();
            }
            catch (NebulaVideoException ex)
            {
                ThrowTerminatingError(ErrorRecords.From(ex));
            }
        }

        protected override void ProcessRecord()
        {
            foreach (var given in GivenTasks)
            {
                if (_forOneFile is not null) _forOneFile.Add(given);
                else ForEachItem(() => Save(given));
            }
        }

        protected override void EndProcessing()
        {
            if (_forOneFile is null) return;
            if (_forOneFile.Count == 1)
            {
                ForEachItem(() => Save(_forOneFile[0]));
                return;
            }
            foreach (var task in _forOneFile)
                ForEachItem(() => throw new NebulaVideoException(ErrorIds.PathTakesOneTask,
                    $"-Path '{Path}' names one file, but {_forOneFile.Count} tasks were given, so none was saved.", task,
                    "Give a folder as -Path to save several videos (they are named by -NameTemplate)."));
        }

        private void Save(VideoTask given)
        {
            var (known, client) = Route(given);
            // A bare id knows nothing yet: read the task first (sora-2 or link, status, source name).
            var task = known.IsFinished ? known : Run(ct => client.GetTaskAsync(known, ct));
            if (_videos is not null)
            {
                SaveToBlob(task, client, _videos);
                return;
            }
            var target = TargetFor(task);
            var recorded = SavedTo(task);
            // A rerun after a crash meets the videos it saved before: the journal says this very task wrote this very
            // file, so it is this save's result, not a clash. Anything else already there is kept (FileExists) unless -Force.
            var savedHere = recorded is not null && SamePath(recorded, target) && File.Exists(target) && !Force.IsPresent;
            var saved = savedHere ? target : SkipSaved.IsPresent ? (recorded is not null && File.Exists(recorded) ? recorded : File.Exists(target) ? target : null) : null;
            if (saved is not null)
            {
                WriteVerbose($"Task {task.TaskId}: already saved as {saved}; not downloaded again.");
                _written.Add(saved);
                WriteFile(saved, task);
                return;
            }
            if (!ShouldProcess(target, $"Save the video of task {task.TaskId}")) return;

            var file = Download(System.IO.Path.GetFileName(target), client, task,
                download => VideoFile.WriteAsync(target, Force.IsPresent, download, CancelToken), saved => saved.Length);
            _written.Add(file.FullName);
            NoteSaved(task, file.FullName);
            WriteFile(file.FullName, task);
        }

        /// <summary>
        /// A video into the blob <see cref="BlobNameFor"/> names. As with files, a blob that names this task is this save's
        /// result (a rerun, or a peer process on the same table), -SkipSaved keeps what the journal or the name finds, and
        /// any other blob in the way is kept (VideoBlobExists) unless -Force, before anything is downloaded.
        /// </summary>
        private void SaveToBlob(VideoTask task, GatewayClient client, AzureBlobVideoStore videos)
        {
            var name = BlobNameFor(task);
            var there = videos.Find(name, CancelToken);
            var recorded = videos.NameAt(SavedTo(task));
            var saved = !Force.IsPresent && there?.TaskId == task.TaskId ? there
                : SkipSaved.IsPresent ? (recorded is not null && recorded != name ? videos.Find(recorded, CancelToken) : null) ?? there : null;
            if (saved is not null)
            {
                WriteVerbose($"Task {task.TaskId}: already saved as {saved.Uri}; not downloaded again.");
                _written.Add(saved.Name);
                WriteObject(saved with { Model = task.Model, SourceImage = task.SourceImage });
                return;
            }
            if (!ShouldProcess(videos.UriOf(name).ToString(), $"Save the video of task {task.TaskId}")) return;
            if (there is not null && !Force.IsPresent) throw videos.Exists(name, there);
            var blob = Download(name, client, task, download => videos.WriteAsync(name, task.TaskId, Force.IsPresent, download, CancelToken), written => written.Length);
            _written.Add(name);
            NoteSaved(task, blob.Uri.ToString());
            WriteObject(blob with { Model = task.Model, SourceImage = task.SourceImage });
        }

        /// <summary>
        /// Downloads the task's video into what <paramref name="save"/> writes (a file, a blob), with a progress bar named
        /// after <paramref name="name"/> that ends full.
        /// </summary>
        private T Download<T>(string name, GatewayClient client, VideoTask task, Func<Func<Stream, CancellationToken, Task>, Task<T>> save, Func<T, long> length)
        {
            var activity = $"Saving {name}";
            var gate = new ProgressGate();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var saved = Run(_ => save((stream, token) => client.DownloadAsync(task, stream, (bytes, total) =>
            {
                if (gate.Pass()) Post(() => Report(activity, bytes, total, clock.Elapsed));
            }, token)));
            // The last read may have fallen between two updates: the bar ends full before it closes.
            Report(activity, length(saved), length(saved), clock.Elapsed);
            WriteProgress(new ProgressRecord(ProgressActivityId, activity, "Saved") { RecordType = ProgressRecordType.Completed });
            return saved;
        }

        /// <summary>
        /// The file through the provider, so it carries PSPath and friends and formats like Get-ChildItem's output, with
        /// the task it came from (TaskId, Model, SourceImage), so a runbook can join files to tasks without the journal.
        /// </summary>
        private void WriteFile(string path, VideoTask task)
        {
            foreach (var item in InvokeProvider.Item.Get(new[] { path }, force: true, literalPath: true))
            {
                item.Properties.Add(new PSNoteProperty(nameof(VideoTask.TaskId), task.TaskId));
                item.Properties.Add(new PSNoteProperty(nameof(VideoTask.Model), task.Model));
                item.Properties.Add(new PSNoteProperty(nameof(VideoTask.SourceImage), task.SourceImage));
                WriteObject(item);
            }
        }

        protected override string WithoutJournal => "saved videos are neither looked up nor recorded in it";

        // Where the journal says this task's video went, if it recorded it.
        private string? SavedTo(VideoTask task) => Journal.Use(journal => journal.SavedTo(task.TaskId), null, JournalOf(task));

        // File names compare as the file system does: without case on Windows, with it elsewhere.
        private static readonly StringComparison PathComparison =
            RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

        private static bool SamePath(string a, string b) =>
            string.Equals(System.IO.Path.GetFullPath(a), System.IO.Path.GetFullPath(b), PathComparison);

        // The video is on disk either way: a journal that cannot be used costs one warning, never a save.
        private void NoteSaved(VideoTask task, string path) => Journal.Use(journal => journal.RecordSaved(task, path), JournalOf(task));

        // -JournalPath, else the task's own journal where it is a journal file on this machine, else (null) the session's or the default.
        private string? JournalOf(VideoTask task) => JournalPath ?? JournalAccess.OwnJournalOf(task);

        private void Report(string activity, long bytes, long? total, TimeSpan elapsed) =>
            WriteProgress(new ProgressRecord(ProgressActivityId, activity, total is long t ? $"{bytes / 1024:N0} of {t / 1024:N0} KB" : $"{bytes / 1024:N0} KB")
            {
                PercentComplete = total is long all && all > 0 ? (int)(bytes * 100 / all) : -1,
                // At the rate so far; unknown (-1) without a length (the base64 download) or before the first bytes.
                SecondsRemaining = total is long size && bytes > 0 && elapsed > TimeSpan.Zero
                    ? (int)Math.Ceiling(elapsed.TotalSeconds * (size - bytes) / bytes) : -1,
            });

        /// <summary>
        /// -Path is a folder when it exists as one or has no extension; then the file is named by -NameTemplate
        /// (cat.png gives cat.mp4), in the image's folder relative to -SourceRoot when that is given. A file
        /// -Path takes exactly one task.
        /// </summary>
        private string TargetFor(VideoTask task)
        {
            var path = _path;
            if (_forOneFile is not null) return path;
            var folder = _sourceRoot is null ? path : System.IO.Path.Combine(path, RelativeFolder(task));
            var target = UniqueName(task, name => System.IO.Path.Combine(folder, name));
            // Names come from task ids and image names, which the gateway or a CSV chose: they stay in the folder.
            if (!string.Equals(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(target)), System.IO.Path.GetFullPath(folder).TrimEnd(System.IO.Path.DirectorySeparatorChar), StringComparison.Ordinal))
                throw new NebulaVideoException(ErrorIds.PathInvalid, $"The file name for task {task.TaskId} would leave the folder '{folder}'.", task,
                    "Save it under a name of your own: ... | Save-NebulaVideo -Path ./videos/name.mp4.");
            return target;
        }

        /// <summary>The blob name, as a file is named: by -NameTemplate, under the image's folder relative to -SourceRoot ("a/b/cat.mp4").</summary>
        private string BlobNameFor(VideoTask task)
        {
            var folder = _sourceRoot is null ? string.Empty : RelativeFolder(task).Replace('\\', '/');
            return UniqueName(task, name => folder.Length == 0 ? name : folder + "/" + name);
        }

        /// <summary>The name by -NameTemplate, placed by <paramref name="place"/>, that no other video of this command has.</summary>
        private string UniqueName(VideoTask task, Func<string, string> place)
        {
            // Two tasks from one image name (two prompts, or a file and a URL of one name) must not share a name: the
            // first of its command keeps the plain name, the others add their id (ImageOccurrence, so not by finishing
            // order). Under -SourceRoot, images of one name in different folders never meet, so the count does not
            // apply; tasks that still meet here (one image twice, or tasks of different commands): the later adds its id.
            var template = NameTemplate.Contains("{id}") || _sourceRoot is not null || !(task.ImageOccurrence > 1) ? NameTemplate : NameTemplate + "-{id}";
            var target = place(VideoFile.NameFor(task, template));
            return _written.Contains(target) && !template.Contains("{id}") ? place(VideoFile.NameFor(task, NameTemplate + "-{id}")) : target;
        }

        // The image's folder below -SourceRoot (a/b for <root>/a/b/cat.png); an image elsewhere, or a URL, is an error of its own.
        private string RelativeFolder(VideoTask task)
        {
            var root = _sourceRoot!.TrimEnd(System.IO.Path.DirectorySeparatorChar, System.IO.Path.AltDirectorySeparatorChar) + System.IO.Path.DirectorySeparatorChar;
            var source = task.SourceImage;
            if (string.IsNullOrEmpty(source) || !System.IO.Path.IsPathRooted(source) || !System.IO.Path.GetFullPath(source).StartsWith(root, PathComparison))
                throw new NebulaVideoException(ErrorIds.SourceRootMismatch,
                    $"Task {task.TaskId}'s image ({source ?? "none"}) is not under -SourceRoot '{SourceRoot}', so it has no relative folder there.", task,
                    "Give -SourceRoot the folder the images were listed from (Get-ChildItem <folder> -Recurse), or leave it out.");
            return System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(source).Substring(root.Length)) ?? string.Empty;
        }
    }
}
