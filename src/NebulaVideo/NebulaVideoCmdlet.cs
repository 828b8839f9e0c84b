using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using NebulaVideo.Core;
using NebulaVideo.Core.Connections;
using NebulaVideo.Core.Tasks;

namespace NebulaVideo
{
    /// <summary>
    /// What every NebulaVideo cmdlet shares: Ctrl+C cancellation, running Core's async work while keeping
    /// every Write* call on the pipeline thread, the session's connections, and error records.
    /// </summary>
    public abstract class NebulaVideoCmdlet : PSCmdlet
    {
        private readonly CancellationTokenSource _stopping = new CancellationTokenSource();
        private readonly BlockingCollection<Action> _posted = new BlockingCollection<Action>();

        /// <summary>Cancelled the moment the user presses Ctrl+C (or the host stops the pipeline).</summary>
        protected internal CancellationToken CancelToken => _stopping.Token;

        protected override void StopProcessing() => _stopping.Cancel();

        /// <summary>
        /// Runs Core's async work and blocks until it is done, meanwhile executing on this thread whatever
        /// the work posted (progress, verbose lines). Ctrl+C cancels the work and stops the pipeline.
        /// </summary>
        protected T Run<T>(Func<CancellationToken, Task<T>> work)
        {
            var task = Task.Run(() => work(CancelToken));
            task.ContinueWith(_ => _posted.Add(() => { }), TaskScheduler.Default); // wakes the loop below
            while (!task.IsCompleted || _posted.Count > 0)
            {
                if (_posted.TryTake(out var action, Timeout.Infinite)) action();
            }
            try
            {
                return task.GetAwaiter().GetResult();
            }
            catch (OperationCanceledException) when (CancelToken.IsCancellationRequested)
            {
                throw new PipelineStoppedException();
            }
        }

        /// <summary>Queues work for the pipeline thread; used by callbacks that run on other threads.</summary>
        protected internal void Post(Action action) => _posted.Add(action);

        /// <summary>Executes queued actions, without waiting for more.</summary>
        protected internal void DrainPosted()
        {
            while (_posted.TryTake(out var action)) action();
        }


        /// <summary>
        /// A path as PowerShell means it: relative to the session's current location (not the process's working
        /// folder, which Set-Location never moves), on any file system drive (Temp:, a New-PSDrive). A path on
        /// another provider's drive (Env:, HKLM:, a relative path while the location is Env:) is refused: taken as a
        /// plain string it would land in the process's working folder, where a rerun would never look for it.
        /// </summary>
        protected internal string FileSystemPath(string path, string parameter)
        {
            var (resolved, provider) = Resolve(path, p => (SessionState.Path.GetUnresolvedProviderPathFromPSPath(p, out var on, out _), on),
                ex => new NebulaVideoException(ErrorIds.PathNotOnFileSystem, $"{parameter} '{path}' is not a path PowerShell can resolve: {ex.Message}", path,
                    $"Give {parameter} a file system path, such as ./videos or Temp:/videos.", ex));
            if (provider.Name != "FileSystem")
                throw new NebulaVideoException(ErrorIds.PathNotOnFileSystem,
                    $"{parameter} '{path}' is on the {provider.Name} provider, not on a file system drive.", path,
                    $"Give {parameter} a file system path, such as ./videos or Temp:/videos (Set-Location to a file system drive first for relative paths).");
            return resolved;
        }

        /// <summary>The image files a -Path means (wildcards expand); one that matches nothing is an error, never an empty success.</summary>
        protected IReadOnlyList<string> ImageFiles(string path)
        {
            List<string> files;
            try
            {
                (files, var provider) = Resolve(path, p => (GetResolvedProviderPathFromPSPath(p, out var on).ToList(), on), ex => Unresolvable(path, ex));
                RequireFileSystem(provider, path);
            }
            catch (ItemNotFoundException ex)
            {
                throw new NebulaVideoException(ErrorIds.ImageNotFound, $"Cannot find the image '{path}'.", path,
                    "Check the path; use -LiteralPath for names with wildcard characters.", ex);
            }
            // The row would vanish without a trace.
            if (files.Count == 0)
                throw new NebulaVideoException(ErrorIds.ImageNotFound, $"No image matches '{path}'.", path,
                    "Check the path and its wildcards; use -LiteralPath for names that contain [ or ].");
            return files;
        }

        /// <summary>The image file a -LiteralPath means (resolved first, so errors name the file, not the provider path a piped file binds as).</summary>
        protected string ImageFile(string literalPath)
        {
            var (resolved, provider) = Resolve(literalPath, p => (SessionState.Path.GetUnresolvedProviderPathFromPSPath(p, out var on, out _), on),
                ex => Unresolvable(literalPath, ex));
            RequireFileSystem(provider, literalPath);
            return resolved;
        }

        // A drive or provider that does not exist, or a path PowerShell cannot parse: the item's own error, in the
        // module's words, rather than the provider's exception ending the command.
        private static (T Resolved, ProviderInfo Provider) Resolve<T>(string path, Func<string, (T, ProviderInfo)> resolve, Func<Exception, NebulaVideoException> refuse)
        {
            try
            {
                return resolve(path);
            }
            catch (Exception ex) when (ex is DriveNotFoundException || ex is ProviderNotFoundException || ex is NotSupportedException || ex is ArgumentException)
            {
                throw refuse(ex);
            }
        }

        private static NebulaVideoException Unresolvable(string path, Exception ex) =>
            new NebulaVideoException(ErrorIds.ImageNotOnFileSystem, $"'{path}' is not a path PowerShell can resolve: {ex.Message}", path,
                "Give the path of an image file on a file system drive (Get-PSDrive -PSProvider FileSystem lists them).", ex);

        private static void RequireFileSystem(ProviderInfo provider, string path)
        {
            if (provider.Name != "FileSystem")
                throw new NebulaVideoException(ErrorIds.ImageNotOnFileSystem,
                    $"'{path}' is on the {provider.Name} drive, not a file system drive.", path, "Give the path of an image file.");
        }

        /// <summary>A -Before or -Since as the moment it names (a local time taken as such); when not given, the gateways' retention ago.</summary>
        protected static DateTimeOffset RetentionCut(DateTime? given) =>
            given is DateTime moment ? new DateTimeOffset(moment.ToUniversalTime()) : DateTimeOffset.UtcNow - JournalRules.Retention;

        /// <summary>This session's connections: registered ones and the environment's.</summary>
        protected static ConnectionSet Connections => SessionConnections.Current;

        /// <summary>Writes a non-terminating error for a NebulaVideo failure, so the next pipeline item goes on.</summary>
        protected internal void WriteError(NebulaVideoException ex) => WriteError(ErrorRecords.From(ex));

        /// <summary>
        /// Runs one item's work; a NebulaVideo failure becomes that item's error, not the pipeline's end. Returns
        /// false when it failed.
        /// </summary>
        protected bool ForEachItem(Action work)
        {
            try
            {
                work();
                return true;
            }
            catch (NebulaVideoException ex)
            {
                WriteError(ErrorRecords.From(ex, CurrentItem));
                return false;
            }
        }

        /// <summary>
        /// The piped item being worked on, when its errors should carry it rather than the offending value: a row among
        /// hundreds is found by its number and image, not by a bare "abc".
        /// </summary>
        protected virtual (object Target, string Label)? CurrentItem => null;

        /// <summary>True under -WhatIf (or $WhatIfPreference): ShouldProcess said no without asking anyone.</summary>
        protected bool IsWhatIf =>
            MyInvocation.BoundParameters.TryGetValue("WhatIf", out var given) ? LanguagePrimitives.IsTrue(given)
            : LanguagePrimitives.IsTrue(GetVariableValue("WhatIfPreference"));
    }
}
