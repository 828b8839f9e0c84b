using System;
using System.Collections.Generic;
using System.Management.Automation;
using NebulaVideo.Core;
using NebulaVideo.Core.Catalog;
using NebulaVideo.Core.Images;
using NebulaVideo.Core.Tasks;

namespace NebulaVideo.Commands
{
    /// <summary>
    /// Submits image-to-video (or, for sora-2, text-to-video and remix) tasks: one task object per
    /// submission. Every input is checked against the model before anything is sent, so bad input never
    /// costs money; -WhatIf shows what each submission would cost.
    /// </summary>
    /// <remarks>
    /// One parameter set on purpose. With a set per image source, PowerShell settles on the default set as
    /// soon as any shared column of a CSV row (Model, Duration...) binds, and never binds the row's ImageUrl.
    /// So -Path, -LiteralPath and -ImageUrl are all optional and the cmdlet checks that at most one is given.
    /// </remarks>
    [Cmdlet(VerbsCommon.New, "NebulaVideo", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(VideoTask))]
    public sealed class NewNebulaVideoCommand : NebulaCmdlet
    {
        private PipelineWaiter? _waiter;

        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [AllowEmptyString]
        public string Prompt { get; set; } = string.Empty;

        /// <summary>
        /// Image files; wildcards expand. No image at all (an empty CSV cell) means text to video (sora-2).
        /// Bound by property name only, as Get-Content does: by value, any piped object (a CSV row) would
        /// coerce to a string and be taken for a path. Files from Get-ChildItem bind -LiteralPath via PSPath.
        /// </summary>
        [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        [AllowEmptyString]
        [AllowEmptyCollection]
        public string[] Path { get; set; } = Array.Empty<string>();

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("PSPath", "LP")]
        [AllowEmptyString]
        [AllowEmptyCollection]
        public string[] LiteralPath { get; set; } = Array.Empty<string>();

        /// <summary>An https URL the gateway fetches itself, or a data:image/...;base64, URI.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("Url", "Image")]
        [NullIfEmpty]
        public string? ImageUrl { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(ModelCompleter))]
        [NullIfEmpty]
        public string? Model { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(DurationCompleter))]
        [Alias("Seconds")]
        [NullIfEmpty]
        public int? Duration { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(ResolutionCompleter))]
        [NullIfEmpty]
        public string? Resolution { get; set; }

        /// <summary>
        /// sora-2 frame size; taken from the image's orientation when omitted. Not bound from the pipeline
        /// (files on Unix carry a Size property, their length): a CSV gives sora-2's size in its Resolution column.
        /// </summary>
        [Parameter]
        [ArgumentCompleter(typeof(SizeCompleter))]
        public string? Size { get; set; }

        /// <summary>A long, so an out-of-range seed reaches the module's own check and its clear error.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [NullIfEmpty]
        public long? Seed { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [FlagFromText]
        public SwitchParameter SmartRewrite { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [FlagFromText]
        public SwitchParameter GenerateAudio { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [NullIfEmpty]
        public string? AudioUrl { get; set; }

        /// <summary>sora-2: a finished sora-2 task (or its id) to remix.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [TaskIdTransformation]
        public string? RemixFrom { get; set; }

        /// <summary>sora-2: the end user's id. Not bound from the pipeline: files on Unix carry a User property of their own.</summary>
        [Parameter]
        public string? User { get; set; }

        /// <summary>Waits for the tasks (all at once, after the last submission) and emits them finished.</summary>
        [Parameter]
        public SwitchParameter Wait { get; set; }

        [Parameter]
        [ValidateRange(0.1, 300)]
        public double PollIntervalSec { get; set; } = WaitNebulaVideoTaskCommand.DefaultPollIntervalSec;

        [Parameter]
        [ValidateRange(0, int.MaxValue)]
        public int TimeoutSec { get; set; }

        /// <summary>
        /// A file that records every submission before and after it is posted. Run the same requests again
        /// with the same journal (after a crash, Ctrl+C or a failed row) and what was already submitted is
        /// resumed, not paid again.
        /// </summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? JournalPath { get; set; }

        private TaskJournal? _journal;

        protected override void BeginProcessing()
        {
            if (JournalPath is not null)
                _journal = new TaskJournal(GetUnresolvedProviderPathFromPSPath(JournalPath));
        }

        protected override void ProcessRecord()
        {
            var paths = Array.FindAll(Path, p => !string.IsNullOrWhiteSpace(p));
            var literalPaths = Array.FindAll(LiteralPath, p => !string.IsNullOrWhiteSpace(p));
            var sources = (paths.Length > 0 ? 1 : 0) + (literalPaths.Length > 0 ? 1 : 0) + (ImageUrl is null ? 0 : 1);
            if (sources > 1)
            {
                WriteError(new NebulaVideoException("ImageGivenTwice", ErrorKind.InvalidArgument,
                    "More than one of -Path, -LiteralPath and -ImageUrl was given; a video starts from one image.",
                    ImageUrl ?? string.Join(", ", paths.Length > 0 ? paths : literalPaths),
                    "Give the image once: a file with -Path or -LiteralPath, or a URL with -ImageUrl."));
                return;
            }

            foreach (var path in paths)
                ForEachItem(() => ResolveWildcardPath(path));
            foreach (var path in literalPaths)
                ForEachItem(() => Submit(model => ImageInput.FromFile(ResolveLiteralPath(path), model.MaxImageBytes)));
            if (ImageUrl is string url)
                ForEachItem(() => Submit(model => ImageInput.FromUrl(url, model.MaxImageBytes)));
            if (sources == 0)
                ForEachItem(() => Submit(_ => null));
            _waiter?.EmitReady();
        }

        protected override void EndProcessing() => _waiter?.EmitAll();

        private void ResolveWildcardPath(string path)
        {
            IEnumerable<string> files;
            try
            {
                files = GetResolvedProviderPathFromPSPath(path, out var provider);
                RequireFileSystem(provider, path);
            }
            catch (ItemNotFoundException ex)
            {
                throw new NebulaVideoException("ImageNotFound", ErrorKind.ObjectNotFound, $"Cannot find the image '{path}'.", path,
                    "Check the path; use -LiteralPath for names with wildcard characters.", ex);
            }
            foreach (var file in files)
                ForEachItem(() => Submit(model => ImageInput.FromFile(file, model.MaxImageBytes)));
        }

        private string ResolveLiteralPath(string path)
        {
            var resolved = SessionState.Path.GetUnresolvedProviderPathFromPSPath(path, out var provider, out _);
            RequireFileSystem(provider, path);
            return resolved;
        }

        private static void RequireFileSystem(ProviderInfo provider, string path)
        {
            if (provider.Name != "FileSystem")
                throw new NebulaVideoException("ImageNotOnFileSystem", ErrorKind.InvalidArgument,
                    $"'{path}' is on the {provider.Name} drive, not a file system drive.", path, "Give the path of an image file.");
        }

        /// <summary>Checks one submission completely, asks ShouldProcess with its cost, then posts it once.</summary>
        private void Submit(Func<ModelInfo, ImageInput?> loadImage)
        {
            var catalog = ModelCatalog.BuiltIn;
            var model = catalog.Get(Model ?? ModelCatalog.DefaultModel);
            var request = catalog.Resolve(new VideoRequest
            {
                Model = model.Name,
                Prompt = Prompt,
                Image = loadImage(model),
                Duration = Duration,
                Resolution = Resolution,
                Size = Size,
                Seed = Seed,
                SmartRewrite = SmartRewrite.IsPresent ? SmartRewrite.ToBool() : (bool?)null,
                GenerateAudio = GenerateAudio.IsPresent ? GenerateAudio.ToBool() : (bool?)null,
                AudioUrl = AudioUrl,
                RemixFromVideoId = RemixFrom,
                User = User,
            });

            var format = request.Resolution ?? request.Size;
            var cost = model.EstimateCost(format, request.Duration!.Value);
            var source = request.Image?.DisplayName ?? (request.RemixFromVideoId is string remix ? $"remix of {remix}" : "text prompt");
            if (!ShouldProcess($"{source} ({model.Name}, {request.Duration} s, {format})",
                    $"Submit video, estimated cost {Invariant.Usd(cost)} USD at group ratio 1"))
                return;

            var client = Client;
            var task = Run(ct => client.SubmitAsync(request, model, ct, _journal));
            if (Wait.IsPresent)
            {
                _waiter ??= new PipelineWaiter(this, PollIntervalSec, TimeoutSec, WaitNebulaVideoTaskCommand.DefaultThrottleLimit, CancelToken);
                _waiter.Add(task, client);
            }
            else
            {
                WriteObject(task);
            }
        }
    }
}
