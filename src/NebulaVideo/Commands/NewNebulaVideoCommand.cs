using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using NebulaVideo.Core;
using NebulaVideo.Core.Catalog;
using NebulaVideo.Core.Gateways;
using NebulaVideo.Core.Http;
using NebulaVideo.Core.Images;
using NebulaVideo.Core.Submissions;
using NebulaVideo.Core.Tasks;

namespace NebulaVideo.Commands
{
    /// <summary>
    /// Submits image-to-video (or, for sora-2, text-to-video and remix) tasks: one task object per
    /// submission, each sent to the connection that serves its model. Every input is checked against the
    /// model before anything is sent, so bad input never costs money; -WhatIf shows what each would cost.
    /// </summary>
    /// <remarks>
    /// One parameter set on purpose. With a set per image source, PowerShell settles on the default set as
    /// soon as any shared column of a CSV row (Model, Duration...) binds, and never binds the row's ImageUrl.
    /// So -Path, -LiteralPath and -ImageUrl are all optional and the cmdlet checks that at most one is given.
    /// </remarks>
    [Cmdlet(VerbsCommon.New, "NebulaVideo", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(VideoTask))]
    public sealed class NewNebulaVideoCommand : GatewayCmdlet
    {
        /// <summary>With -Wait or -ThrottleLimit: follows the tasks and writes each when it finishes.</summary>
        private PipelineWaiter? _waiter;

        /// <summary>Without them: follows the tasks written so far, once the gateway pushed back, to know when a slot frees.</summary>
        private PipelineWaiter? _pacer;

        private readonly List<(VideoTask Task, GatewayClient Client)> _submitted = new List<(VideoTask, GatewayClient)>();

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

        /// <summary>
        /// The most this command may commit, in USD by the catalog's prices: an item whose estimate would take
        /// the total past it is not submitted (BudgetExceeded), and neither is one whose price is unknown.
        /// </summary>
        [Parameter]
        [ValidateRange(0, 1000000)]
        public decimal? MaxCostUsd { get; set; }

        /// <summary>Waits for the tasks (all at once, after the last submission) and emits them finished.</summary>
        [Parameter]
        public SwitchParameter Wait { get; set; }

        /// <summary>
        /// At most this many of this command's tasks at once: the next image is submitted the moment one
        /// finishes, and each finished task is written as soon as it is done (as with -Wait).
        /// </summary>
        [Parameter]
        [ValidateRange(1, 1000)]
        public int? ThrottleLimit { get; set; }

        [Parameter]
        [ValidateRange(0.1, 300)]
        public double PollIntervalSec { get; set; } = WaitNebulaVideoTaskCommand.DefaultPollIntervalSec;

        [Parameter]
        [ValidateRange(0, int.MaxValue)]
        public int TimeoutSec { get; set; }

        /// <summary>
        /// The journal that records every submission before and after it is posted; by default the user's
        /// (NEBULAVIDEO_JOURNAL, or $NebulaVideoJournalPath for a session). Run the same requests again (after
        /// a crash, Ctrl+C, a failed row, or simply again) and what was submitted in the last 24 hours is
        /// resumed, not paid again.
        /// </summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? JournalPath { get; set; }

        /// <summary>Submits even what the journal says was submitted already: pays again, on purpose.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        private SubmissionEngine _engine = null!;
        private SubmissionHost? _host;
        private const int SubmitActivityId = 7300;
        private const string SubmitActivity = "Submitting NebulaVideo requests";
        private readonly ProgressGate _submitProgress = new ProgressGate();

        /// <summary>The parameters given on the command line, as opposed to bound from each pipeline object.</summary>
        private HashSet<string> _commandLine = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

        private int _itemNumber;
        private PipedItem? _item;
        private readonly List<string> _ignoredColumns = new List<string>();

        protected override void BeginProcessing()
        {
            _commandLine = new HashSet<string>(MyInvocation.BoundParameters.Keys, StringComparer.OrdinalIgnoreCase);
            if (Wait.IsPresent || ThrottleLimit is not null)
                _waiter = new PipelineWaiter(this, PollIntervalSec, TimeoutSec, WaitNebulaVideoTaskCommand.DefaultThrottleLimit, CancelToken);
            // An unusable journal fails each item (nothing is sent without it), not the whole pipeline.
            TaskJournal? journal = null;
            NebulaVideoException? journalError = null;
            try
            {
                journal = OpenJournal(JournalPath);
            }
            catch (NebulaVideoException ex)
            {
                journalError = ex;
            }
            _engine = new SubmissionEngine(Connections, ClientFor, journal, journalError, Force.IsPresent, MaxCostUsd, ThrottleLimit, base.RequestOptions);
        }

        protected override void ProcessRecord()
        {
            _item = InputObject is null ? null : new PipedItem(InputObject, ++_itemNumber, this);
            if (InputObject is not null && PipelineColumns.IsRow(InputObject)
                && !ForEachItem(() => PipelineColumns.NewVideo.Check(InputObject, MyInvocation.MyCommand.Name, _ignoredColumns)))
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
                    if (IsUrl(path)) Submit(ImageSourceKind(path), path, model => ImageInput.FromUrl(path, model.MaxImageBytes, Dialects.Get(model.Dialect).AcceptsInlineImages));
                    else
                        foreach (var file in ImageFiles(path))
                            ForEachItem(() => Submit(ImageInputKind.File, file, model => ImageInput.FromFile(file, model.MaxImageBytes)));
                });
            foreach (var path in literalPaths)
                ForEachItem(() =>
                {
                    var file = ImageFile(path);
                    Submit(ImageInputKind.File, file, model => ImageInput.FromFile(file, model.MaxImageBytes));
                });
            if (ImageUrl is string url)
                ForEachItem(() => Submit(ImageSourceKind(url), url, model => ImageInput.FromUrl(url, model.MaxImageBytes, Dialects.Get(model.Dialect).AcceptsInlineImages)));
            if (sources == 0)
                ForEachItem(() => Submit(null, null, _ => null));
            _waiter?.EmitReady();
        }

        protected override void EndProcessing()
        {
            if (_ignoredColumns.Count > 0) WriteWarning(PipelineColumns.Ignored(_ignoredColumns));
            if (_engine.Resumed > 0)
                WriteWarning($"{_engine.Resumed} item(s) had been submitted in the last 24 hours and were resumed from the journal {_engine.Journal?.FullPath}, not paid again. -Force submits them anew.");
            if (_engine.Budget.Summary() is string budget) WriteWarning(budget);
            if (_engine.Sent > 0) WriteProgress(new ProgressRecord(SubmitActivityId, SubmitActivity, $"{_engine.Sent} submitted") { RecordType = ProgressRecordType.Completed });
            _waiter?.EmitAll();
            _pacer?.Dispose();
        }

        // A data URI is an image too (a task piped back in names its inline source so), never a file name.
        private static bool IsUrl(string path) =>
            path.StartsWith("https://", StringComparison.OrdinalIgnoreCase) || path.StartsWith("http://", StringComparison.OrdinalIgnoreCase)
            || path.StartsWith("data:", StringComparison.OrdinalIgnoreCase);

        private static ImageInputKind ImageSourceKind(string url) =>
            url.StartsWith("data:", StringComparison.OrdinalIgnoreCase) ? ImageInputKind.DataUri : ImageInputKind.Url;

        /// <summary>
        /// One item through the engine: planned and checked completely (the image's kind before the image is read),
        /// its warnings said, held to the budget, offered to ShouldProcess with its cost, then sent at the account's pace.
        /// </summary>
        private void Submit(ImageInputKind? imageKind, string? imageName, Func<ModelInfo, ImageInput?> loadImage)
        {
            // Unix files carry Size (their length) and User (their owner): bound from a file, they are not the user's.
            var fromFile = InputObject?.BaseObject is System.IO.FileSystemInfo;
            var plan = _engine.Plan(new SubmissionItem
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
            });
            foreach (var warning in _engine.Warnings(plan)) WriteWarning(warning);
            _engine.CheckBudget(plan);
            var action = plan.Earlier is { } earlier
                ? $"Resume task {earlier.TaskId} from the journal (submitted {earlier.At:u}): nothing new to pay"
                : $"Submit video, {CostText(plan.Model, plan.Format, plan.Request.Duration)}";
            if (!ShouldProcess($"{plan.Source} ({plan.Model.Name}, {SubmissionEngine.Describe(plan.Request.Duration, plan.Format)})", action))
            {
                if (IsWhatIf) _engine.CountShown(plan);
                return;
            }

            var (task, client) = _engine.Submit(plan, _host ??= EngineHost());
            // A pipeline does not say how many items will come, so this counts without a percentage.
            if (_submitProgress.Pass())
                WriteProgress(new ProgressRecord(SubmitActivityId, SubmitActivity,
                    $"{_engine.Sent} submitted" + (_engine.Resumed > 0 ? $" ({_engine.Resumed} resumed from the journal)" : "")
                    + (_engine.Pace.Limit < int.MaxValue ? $", at most {_engine.Pace.Limit} at once" : "")));
            if (_waiter is not null)
            {
                _waiter.Add(task, client); // written when it finishes
            }
            else
            {
                WriteObject(task);
                _submitted.Add((task, client));
                _pacer?.Add(task, client);
            }
        }

        // The engine's host: this command runs the creates, knows its running tasks, and writes the engine's lines.
        private SubmissionHost EngineHost() => new SubmissionHost(
            run: create => Run(create),
            inFlight: () => (_waiter ?? Pacer()).InFlight,
            waitForSlot: limit => (_waiter ?? _pacer)?.WaitForSlot(limit),
            delay: wait => Run(async ct =>
            {
                await Task.Delay(wait, ct).ConfigureAwait(false);
                return true;
            }),
            log: WriteVerbose);

        /// <summary>Follows this command's submitted tasks only to know when a slot frees (they were written already).</summary>
        private PipelineWaiter Pacer()
        {
            if (_pacer is null)
            {
                _pacer = new PipelineWaiter(this, PollIntervalSec, 0, WaitNebulaVideoTaskCommand.DefaultThrottleLimit, CancelToken, emit: false);
                foreach (var (task, client) in _submitted) _pacer.Add(task, client);
            }
            return _pacer;
        }

        // The engine paces creates itself, so the client sends none again on its own.
        protected override ClientOptions RequestOptions => base.RequestOptions with { MaxThrottledCreateRetries = 0 };

        /// <summary>A piped row's errors name the row and carry it as their target, so the user finds it among hundreds.</summary>
        protected override (object Target, string Label)? CurrentItem =>
            _item is { } item && PipelineColumns.IsRow(item.Value) ? (item.Value, item.Label) : null;

        /// <summary>A piped object and how its errors name it: its number in the pipeline and its image, else its prompt.</summary>
        private sealed class PipedItem
        {
            public PipedItem(PSObject value, int number, NewNebulaVideoCommand command)
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

        /// <summary>
        /// A switch as the request means it: on; off when the command line says -Switch:$false; otherwise not
        /// sent, so the gateway's own default applies (a CSV cell cannot tell an empty value from false).
        /// </summary>
        private bool? Flag(SwitchParameter value, string name) =>
            value.IsPresent ? true : _commandLine.Contains(name) ? false : (bool?)null;

        internal static string CostText(ModelInfo model, string? format, int? duration) =>
            model.EstimateCost(format, duration) is decimal cost
                ? $"estimated cost {Money.Usd(cost)} USD at group ratio 1"
                : $"estimated cost unknown: no price is published for {model.Name}{MissingPrice(model, format)} (the task reports the credits the gateway reserves)";

        // What the catalog lacks to price it: the resolution's price, or a duration (a model without a default one).
        private static string MissingPrice(ModelInfo model, string? format) =>
            !model.IsPriced ? string.Empty
            : model.PricePerSecond(format) is null ? $" at {format ?? "its default resolution"}"
            : " without a duration";
    }
}
