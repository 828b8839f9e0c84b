using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using System.Runtime.InteropServices;
using NebulaVideo.Core;
using NebulaVideo.Core.Downloads;

namespace NebulaVideo.Commands
{
    /// <summary>
    /// Downloads finished videos. Each lands whole or not at all (written to a hidden temporary file and
    /// renamed when complete and checked), existing files are kept unless -Force, and one FileInfo is
    /// emitted per saved video.
    /// </summary>
    [Cmdlet(VerbsData.Save, "NebulaVideo", SupportsShouldProcess = true, DefaultParameterSetName = TaskSets.ByTask)]
    [OutputType(typeof(FileInfo))]
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

        /// <summary>How files are named in a folder -Path: {image}, {id} and {model}; "{image}" by default.</summary>
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

        protected override void BeginProcessing()
        {
            base.BeginProcessing();
            try
            {
                VideoFile.CheckNameTemplate(NameTemplate);
                _path = FileSystemPath(Path, "-Path");
                _sourceRoot = SourceRoot is null ? null : FileSystemPath(SourceRoot, "-SourceRoot");
                if (JournalPath is not null) JournalPath = FileSystemPath(JournalPath, "-JournalPath");
                if (!Directory.Exists(_path) && !string.IsNullOrEmpty(System.IO.Path.GetExtension(_path))) _forOneFile = new List<VideoTask>();
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

            var activity = $"Saving {System.IO.Path.GetFileName(target)}";
            var gate = new ProgressGate();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var file = Run(ct => VideoFile.WriteAsync(target, Force.IsPresent,
                (stream, token) => client.DownloadAsync(task, stream, (bytes, total) =>
                {
                    if (gate.Pass()) Post(() => Report(activity, bytes, total, clock.Elapsed));
                }, token), ct));
            // The last read may have fallen between two updates: the bar ends full before it closes.
            Report(activity, file.Length, file.Length, clock.Elapsed);
            WriteProgress(new ProgressRecord(ProgressActivityId, activity, "Saved") { RecordType = ProgressRecordType.Completed });
            _written.Add(file.FullName);
            NoteSaved(task, file.FullName);
            WriteFile(file.FullName, task);
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
            // Two tasks from one image name (two prompts, or a file and a URL of one name) must not share a file: the
            // first of its command keeps the plain name, the others add their id (ImageOccurrence, so not by finishing
            // order). Under -SourceRoot, images of one name in different folders never meet, so the count does not
            // apply; tasks that still meet here (one image twice, or tasks of different commands): the later adds its id.
            var template = NameTemplate.Contains("{id}") || _sourceRoot is not null || !(task.ImageOccurrence > 1) ? NameTemplate : NameTemplate + "-{id}";
            var target = System.IO.Path.Combine(folder, VideoFile.NameFor(task, template));
            if (_written.Contains(target) && !template.Contains("{id}"))
                target = System.IO.Path.Combine(folder, VideoFile.NameFor(task, NameTemplate + "-{id}"));
            // Names come from task ids and image names, which the gateway or a CSV chose: they stay in the folder.
            if (!string.Equals(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(target)), System.IO.Path.GetFullPath(folder).TrimEnd(System.IO.Path.DirectorySeparatorChar), StringComparison.Ordinal))
                throw new NebulaVideoException(ErrorIds.PathInvalid, $"The file name for task {task.TaskId} would leave the folder '{folder}'.", task,
                    "Save it under a name of your own: ... | Save-NebulaVideo -Path ./videos/name.mp4.");
            return target;
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
