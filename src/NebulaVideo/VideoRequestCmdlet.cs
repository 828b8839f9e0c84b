using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using NebulaVideo.Core;
using NebulaVideo.Core.Catalog;
using NebulaVideo.Core.Gateways;
using NebulaVideo.Core.Images;
using NebulaVideo.Core.Submissions;

namespace NebulaVideo
{
    /// <summary>
    /// What a video request is, as a cmdlet binds it: the parameters a CSV row or a piped file can give (prompt, image,
    /// model, duration, resolution or size, options), the image sources they name, and the item the submission engine
    /// takes. New-NebulaVideo adds how a command runs the requests (budget, waiting, journal).
    /// </summary>
    /// <remarks>
    /// One parameter set on purpose. With a set per image source, PowerShell settles on the default set as
    /// soon as any shared column of a CSV row (Model, Duration...) binds, and never binds the row's ImageUrl.
    /// So -Path, -LiteralPath and -ImageUrl are all optional and the cmdlet checks that at most one is given.
    /// </remarks>
    public abstract class VideoRequestCmdlet : GatewayCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [AllowEmptyString]
        public string Prompt { get; set; } = string.Empty;

        /// <summary>
        /// Image files; wildcards expand. No image at all (an empty CSV cell) means text to video (sora-2).
        /// Bound by property name only, as Get-Content does: by value, any piped object (a CSV row) would
        /// coerce to a string and be taken for a path. Files from Get-ChildItem bind -LiteralPath via PSPath.
        /// </summary>
        [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
        [Alias("SourceImage")]
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

        /// <summary>
        /// Text, not a number, on purpose: a CSV cell that is not a whole number must be that row's error.
        /// Typed as int, PowerShell would silently leave it unbound and the row would be paid at the default.
        /// </summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(DurationCompleter))]
        [Alias("Seconds")]
        [NullIfEmpty]
        public string? Duration { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(ResolutionCompleter))]
        [NullIfEmpty]
        public string? Resolution { get; set; }

        /// <summary>
        /// sora-2 frame size; taken from the image's orientation when omitted. Bound from a row's Size column (or its
        /// Resolution column); the Size a file carries on Unix is its length, and is never taken for a frame size.
        /// </summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(SizeCompleter))]
        [NullIfEmpty]
        public string? Size { get; set; }

        /// <summary>Text for the same reason as -Duration: a seed that is not a number (or past any) is refused, never dropped.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [NullIfEmpty]
        public string? Seed { get; set; }

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

        /// <summary>sora-2: the end user's id. Bound from a row's User column; the User a file carries on Unix is its owner, and is never taken.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [NullIfEmpty]
        public string? User { get; set; }

        /// <summary>
        /// The piped object itself, so the command knows what each item was: a row's columns that bind to nothing are
        /// caught, its errors name it, and the Size and User of a file (its length and owner on Unix) are not taken.
        /// </summary>
        [Parameter(ValueFromPipeline = true, DontShow = true)]
        public PSObject? InputObject { get; set; }

        /// <summary>Unified gateway: an https address it calls when the task ends (not this machine or a private network).</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [NullIfEmpty]
        public string? CallbackUrl { get; set; }

        /// <summary>More body fields for the gateway, sent as given; a field the module sets itself is refused.</summary>
        [Parameter]
        public Hashtable? Parameter { get; set; }

        /// <summary>The connection to submit to; by default the one that serves the model (see Get-NebulaVideoConnection).</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(ConnectionCompleter))]
        [NullIfEmpty]
        public string? Connection { get; set; }

        /// <summary>Sends a model that is in no catalog, unchecked, to the -Connection (or default) connection's gateway.</summary>
        [Parameter]
        public SwitchParameter AllowUnknownModel { get; set; }

        /// <summary>The parameters given on the command line, as opposed to bound from each pipeline object.</summary>
        private HashSet<string> _commandLine = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

        private int _itemNumber;
        private PipedItem? _item;
        private readonly List<string> _ignoredColumns = new List<string>();

        protected override void BeginProcessing() =>
            _commandLine = new HashSet<string>(MyInvocation.BoundParameters.Keys, StringComparer.OrdinalIgnoreCase);

        /// <summary>
        /// Calls <paramref name="request"/> once for each request the bound parameters make: one per file a -Path
        /// matches, one for a -LiteralPath or -ImageUrl, one text-to-video request without an image. Each is an item
        /// of its own for errors; a piped row whose columns are a mistake makes none.
        /// </summary>
        protected void ForEachRequest(Action<ImageInputKind?, string?, Func<ModelInfo, ImageInput?>> request)
        {
            // Only a row's errors are named by their item (a file names itself), so only a row's label is made.
            if (InputObject is not null) _itemNumber++;
            _item = PipelineColumns.IsRow(InputObject) ? new PipedItem(InputObject!, _itemNumber, this) : null;
            if (_item is not null && !ForEachItem(() => PipelineColumns.NewVideo.Check(InputObject!, _ignoredColumns)))
                return;
            var paths = Array.FindAll(Path, p => !string.IsNullOrWhiteSpace(p));
            var literalPaths = Array.FindAll(LiteralPath, p => !string.IsNullOrWhiteSpace(p));
            var sources = (paths.Length > 0 ? 1 : 0) + (literalPaths.Length > 0 ? 1 : 0) + (ImageUrl is null ? 0 : 1);
            if (sources > 1)
            {
                ForEachItem(() => throw new NebulaVideoException(ErrorIds.ImageGivenTwice,
                    "More than one of -Path, -LiteralPath and -ImageUrl was given; a video starts from one image.",
                    ImageInput.Describe(ImageUrl ?? string.Join(", ", paths.Length > 0 ? paths : literalPaths)),
                    "Give the image once: a file with -Path or -LiteralPath, or a URL with -ImageUrl."));
                return;
            }
            foreach (var path in paths)
                ForEachItem(() =>
                {
                    // A task piped back in (to submit it again as it was) gives its source as SourceImage: a file or a URL.
                    if (IsUrl(path)) request(UrlKind(path), path, model => ImageInput.FromUrl(path, model.MaxImageBytes, Dialects.Get(model.Dialect).AcceptsInlineImages));
                    else
                        foreach (var file in ImageFiles(path))
                            ForEachItem(() => request(ImageInputKind.File, file, model => ImageInput.FromFile(file, model.MaxImageBytes)));
                });
            foreach (var path in literalPaths)
                ForEachItem(() =>
                {
                    var file = ImageFile(path);
                    request(ImageInputKind.File, file, model => ImageInput.FromFile(file, model.MaxImageBytes));
                });
            if (ImageUrl is string url)
                ForEachItem(() => request(UrlKind(url), url, model => ImageInput.FromUrl(url, model.MaxImageBytes, Dialects.Get(model.Dialect).AcceptsInlineImages)));
            if (sources == 0)
                ForEachItem(() => request(null, null, _ => null));
        }

        /// <summary>The engine's item for one request, from the bound parameters.</summary>
        protected SubmissionItem Item(ImageInputKind? imageKind, string? imageName, Func<ModelInfo, ImageInput?> loadImage)
        {
            // Unix files carry Size (their length) and User (their owner): bound from a file, they are not the user's.
            var fromFile = InputObject?.BaseObject is System.IO.FileSystemInfo;
            return new SubmissionItem
            {
                Model = Model,
                Connection = Connection,
                AllowUnknownModel = AllowUnknownModel.IsPresent,
                ImageKind = imageKind,
                ImageName = imageName,
                LoadImage = loadImage,
                Request = new VideoRequest
                {
                    Prompt = Prompt,
                    Duration = WholeNumbers.Duration(Duration),
                    Resolution = Resolution,
                    Size = fromFile && !_commandLine.Contains(nameof(Size)) ? null : Size,
                    Seed = WholeNumbers.Seed(Seed),
                    SmartRewrite = Flag(SmartRewrite, nameof(SmartRewrite)),
                    GenerateAudio = Flag(GenerateAudio, nameof(GenerateAudio)),
                    AudioUrl = AudioUrl,
                    RemixFromVideoId = RemixFrom,
                    User = fromFile && !_commandLine.Contains(nameof(User)) ? null : User,
                    CallbackUrl = CallbackUrl,
                    ExtraFields = ExtraFields.From(Parameter),
                },
            };
        }

        /// <summary>Once per command, at its end: the columns of piped rows that no parameter took.</summary>
        protected void WarnIgnoredColumns()
        {
            if (_ignoredColumns.Count > 0) WriteWarning(PipelineColumns.NewVideo.Ignored(_ignoredColumns));
        }

        /// <summary>A piped row's errors name the row and carry it as their target, so the user finds it among hundreds.</summary>
        protected override (object Target, string Label)? CurrentItem => _item is { } item ? (item.Value, item.Label) : null;

        /// <summary>
        /// True for an image given as an address rather than a file: an http(s) URL, or a data URI (a task piped back in
        /// names its inline source so), never a file name. Measure-NebulaVideoCost tells them apart by the same rule.
        /// </summary>
        internal static bool IsUrl(string path) =>
            path.StartsWith("https://", StringComparison.OrdinalIgnoreCase) || path.StartsWith("http://", StringComparison.OrdinalIgnoreCase)
            || path.StartsWith("data:", StringComparison.OrdinalIgnoreCase);

        private static ImageInputKind UrlKind(string url) =>
            url.StartsWith("data:", StringComparison.OrdinalIgnoreCase) ? ImageInputKind.DataUri : ImageInputKind.Url;

        /// <summary>
        /// A switch as the request means it: on; off when the command line says -Switch:$false; otherwise not
        /// sent, so the gateway's own default applies (a CSV cell cannot tell an empty value from false).
        /// </summary>
        private bool? Flag(SwitchParameter value, string name) =>
            value.IsPresent ? true : _commandLine.Contains(name) ? false : (bool?)null;

        /// <summary>A piped object and how its errors name it: its number in the pipeline and its image, else its prompt.</summary>
        private sealed class PipedItem
        {
            public PipedItem(PSObject value, int number, VideoRequestCmdlet command)
            {
                Value = value;
                var image = command.Path.FirstOrDefault(p => !string.IsNullOrWhiteSpace(p))
                    ?? command.LiteralPath.FirstOrDefault(p => !string.IsNullOrWhiteSpace(p)) ?? command.ImageUrl;
                var prompt = command.Prompt.Length > 40 ? command.Prompt.Substring(0, 40) + "..." : command.Prompt;
                Label = $"Item {number} ({(image is null ? $"prompt '{prompt}'" : ImageInput.Describe(image))})";
            }

            public PSObject Value { get; }

            public string Label { get; }
        }
    }
}
