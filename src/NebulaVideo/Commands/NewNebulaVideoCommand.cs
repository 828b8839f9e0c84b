using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using NebulaVideo.Core;
using NebulaVideo.Core.Catalog;
using NebulaVideo.Core.Downloads;
using NebulaVideo.Core.Gateways;
using NebulaVideo.Core.Images;
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

        private readonly List<(VideoTask Task, Core.Gateways.GatewayClient Client)> _submitted = new List<(VideoTask, Core.Gateways.GatewayClient)>();
        private int _limit = int.MaxValue;
        private int _quiet;

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

        private decimal _committedUsd;
        private int _overBudget;
        private decimal _overBudgetUsd;

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

        private TaskJournal? _journal;
        private NebulaVideoException? _journalError;
        private int _resumed;
        private int _sent;
        private const int SubmitActivityId = 7300;
        private const string SubmitActivity = "Submitting NebulaVideo requests";
        private readonly ProgressGate _submitProgress = new ProgressGate();

        /// <summary>The parameters given on the command line, as opposed to bound from each pipeline object.</summary>
        private HashSet<string> _commandLine = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

        protected override void BeginProcessing()
        {
            _commandLine = new HashSet<string>(MyInvocation.BoundParameters.Keys, StringComparer.OrdinalIgnoreCase);
            _limit = ThrottleLimit ?? int.MaxValue;
            if (Wait.IsPresent || ThrottleLimit is not null)
                _waiter = new PipelineWaiter(this, PollIntervalSec, TimeoutSec, WaitNebulaVideoTaskCommand.DefaultThrottleLimit, CancelToken);
            // An unusable journal fails each item (nothing is sent without it), not the whole pipeline.
            try
            {
                _journal = OpenJournal(JournalPath);
            }
            catch (NebulaVideoException ex)
            {
                _journalError = ex;
            }
        }

        protected override void ProcessRecord()
        {
            _item = InputObject is null ? null : new PipedItem(InputObject, ++_itemNumber, this);
            if (InputObject is not null && PipelineColumns.IsRow(InputObject))
            {
                if (!ForEachItem(() => PipelineColumns.NewVideo.Check(InputObject, MyInvocation.MyCommand.Name, _ignoredColumns))) return;
            }
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
                    else ResolveWildcardPath(path);
                });
            foreach (var path in literalPaths)
                ForEachItem(() =>
                {
                    // Resolved first, so errors name the file, not the provider path a piped file binds as.
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
            if (_ignoredColumns.Count > 0)
                WriteWarning(PipelineColumns.Ignored(_ignoredColumns));
            if (_resumed > 0)
                WriteWarning($"{_resumed} item(s) had been submitted in the last 24 hours and were resumed from the journal {_journal?.FullPath}, not paid again. -Force submits them anew.");
            if (MaxCostUsd is decimal budget && _overBudget > 0)
                WriteWarning($"-MaxCostUsd {Invariant.Usd(budget)}: {Invariant.Usd(_committedUsd)} USD committed; {_overBudget} item(s) not submitted"
                    + (_overBudgetUsd > 0 ? $" (estimated {Invariant.Usd(_overBudgetUsd)} USD, plus any of unknown price)." : " (their price is unknown)."));
            if (_sent > 0) WriteProgress(new ProgressRecord(SubmitActivityId, SubmitActivity, $"{_sent} submitted") { RecordType = ProgressRecordType.Completed });
            _waiter?.EmitAll();
            _pacer?.Dispose();
        }

        private void ResolveWildcardPath(string path)
        {
            foreach (var file in ImageFiles(path))
                ForEachItem(() => Submit(ImageInputKind.File, file, model => ImageInput.FromFile(file, model.MaxImageBytes)));
        }

        // A data URI is an image too (a task piped back in names its inline source so), never a file name.
        private static bool IsUrl(string path) =>
            path.StartsWith("https://", StringComparison.OrdinalIgnoreCase) || path.StartsWith("http://", StringComparison.OrdinalIgnoreCase)
            || path.StartsWith("data:", StringComparison.OrdinalIgnoreCase);

        private static ImageInputKind ImageSourceKind(string url) =>
            url.StartsWith("data:", StringComparison.OrdinalIgnoreCase) ? ImageInputKind.DataUri : ImageInputKind.Url;

        /// <summary>
        /// Checks one submission completely (the image's kind before the image is read), asks ShouldProcess
        /// with its cost, then posts it once to the connection that serves its model.
        /// </summary>
        private void Submit(ImageInputKind? imageKind, string? imageName, Func<ModelInfo, ImageInput?> loadImage)
        {
            var model = ChooseModel(Model, Connection, AllowUnknownModel.IsPresent);
            if (imageKind is ImageInputKind kind) ModelCatalog.CheckImageSource(model, kind, imageName!);
            // Unix files carry Size (their length) and User (their owner): bound from a file, they are not the user's.
            var fromFile = InputObject?.BaseObject is System.IO.FileSystemInfo;
            var request = ModelCatalog.Resolve(new VideoRequest
            {
                Model = model.Name,
                Prompt = Prompt,
                Image = loadImage(model),
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
            }, model);

            var format = request.Resolution ?? request.Size;
            var source = request.Image?.DisplayName ?? (request.RemixFromVideoId is string remix ? $"remix of {remix}" : "text prompt");
            // A connection named on the line is checked before -WhatIf answers; without one, -WhatIf needs no key.
            var dialect = Dialects.Get(model.Dialect);
            var connection = Connection is null ? TryConnection(dialect) : Connections.ForDialect(dialect, Connection, model.Name);
            var client = connection is null ? null : ClientFor(connection);
            var prepared = client?.Prepare(request, model);
            var earlier = Force.IsPresent || prepared is null ? null : _journal?.FindResumable(prepared.Fingerprint);
            var action = earlier is null ? $"Submit video, {CostText(model, format, request.Duration)}"
                : $"Resume task {earlier.TaskId} from the journal (submitted {earlier.At:u}): nothing new to pay";
            var cost = model.EstimateCost(format, request.Duration);
            WarnBeforeSpending(model, cost, format, request.Duration);
            // Before asking: -WhatIf shows the run the budget allows, and nobody is asked to confirm what it refuses.
            if (earlier is null) CheckBudget(cost, source);
            if (!ShouldProcess($"{source} ({model.Name}, {Describe(request.Duration, format)})", action))
            {
                // -WhatIf counts what it shows as spent, so the items after it are measured as the real run would.
                if (IsWhatIf && earlier is null) _committedUsd += cost ?? 0m;
                return;
            }

            client ??= ClientFor(Connections.ForDialect(dialect, forWhat: model.Name));
            prepared ??= client.Prepare(request, model);
            if (_journalError is not null) throw _journalError;
            var task = SubmitAtTheAccountsPace(client, prepared) with { ImageOccurrence = Occurrence(request.Image) };
            if (task.Resumed) _resumed++;
            else _committedUsd += cost ?? 0m;
            _sent++;
            // A pipeline does not say how many items will come, so this counts without a percentage.
            if (_submitProgress.Pass())
                WriteProgress(new ProgressRecord(SubmitActivityId, SubmitActivity,
                    $"{_sent} submitted" + (_resumed > 0 ? $" ({_resumed} resumed from the journal)" : "") + (_limit < int.MaxValue ? $", at most {_limit} at once" : "")));
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

        /// <summary>
        /// Once per command: a model the gateway has said it will retire, and a video that costs more than twice
        /// its model's usual one (its default duration and format), which in a batch of hundreds is worth a look.
        /// </summary>
        private void WarnBeforeSpending(ModelInfo model, decimal? estimate, string? format, int? duration)
        {
            if (model.Retires is DateTime day && _retirementsSaid.Add(model.Name))
                WriteWarning($"The gateway {(day.Date <= DateTime.UtcNow.Date ? "retired" : "retires")} {model.Name} on {day:yyyy-MM-dd}"
                    + (model.Replacement is string next ? $"; move to {next}" : "") + ". Get-NebulaVideoModel shows the models.");
            if (_costSaid) return;
            var usual = model.EstimateCost(model.DefaultFormat, model.DefaultDuration);
            if (estimate is decimal cost && usual is decimal typical && typical > 0 && cost > 2 * typical)
            {
                _costSaid = true;
                WriteWarning($"{model.Name} at {Describe(duration, format)} costs {Invariant.Usd(cost)} USD a video, {(cost / typical).ToString("0.#", CultureInfo.InvariantCulture)} times its usual "
                    + $"{Invariant.Usd(typical)} USD ({Describe(model.DefaultDuration, model.DefaultFormat)}). Said once per command; -WhatIf lists every price.");
            }
        }

        private readonly HashSet<string> _retirementsSaid = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        private bool _costSaid;

        /// <summary>
        /// Submits once a slot is free. A 429 means the gateway refused the create unread (often because the
        /// account already runs its maximum of tasks): the request is held, the number of tasks at once is
        /// lowered to what runs now, and it is sent again when one of them finishes. It is never dropped and,
        /// since nothing was created, never paid twice. After a run of quiet submissions the limit creeps back
        /// up (to -ThrottleLimit at most), so the batch keeps to the account's real pace.
        /// </summary>
        private VideoTask SubmitAtTheAccountsPace(GatewayClient client, PreparedSubmission submission)
        {
            // Refusals while nothing of ours runs are the gateway's own rate limit: sent again by the one create policy.
            var idleRefusals = 0;
            while (true)
            {
                (_waiter ?? _pacer)?.WaitForSlot(_limit);
                try
                {
                    var task = Run(ct => client.SubmitAsync(submission, ct, _journal, Force.IsPresent));
                    if (++_quiet >= 2L * _limit && _limit < (ThrottleLimit ?? int.MaxValue))
                    {
                        _limit++;
                        _quiet = 0;
                    }
                    return task;
                }
                catch (GatewayException ex) when (ex.HttpStatus == 429)
                {
                    _quiet = 0;
                    var pacer = _waiter ?? Pacer();
                    var running = pacer.InFlight;
                    if (running > 0)
                    {
                        if (running < _limit || _limit == int.MaxValue)
                            WriteVerbose($"The gateway refused a submission (429) while {running} of this command's tasks run: holding the rest, at most {running} at once, and sending it again when one finishes.");
                        _limit = running;
                        continue;
                    }
                    // Nothing of ours runs, so this is the gateway's own rate limit: wait as it asks, or back off.
                    if (Core.Http.CreateRetry.Delay(base.RequestOptions, ++idleRefusals, ex.RetryAfter) is not TimeSpan wait) throw;
                    WriteVerbose($"The gateway refused a submission (429); sending it again in {wait.TotalSeconds:0.#} s.");
                    Run(async ct =>
                    {
                        await System.Threading.Tasks.Task.Delay(wait, ct).ConfigureAwait(false);
                        return true;
                    });
                }
            }
        }

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

        // The module paces creates itself (above), so the client sends none again on its own.
        protected override Core.Http.ClientOptions RequestOptions => base.RequestOptions with { MaxThrottledCreateRetries = 0 };

        /// <summary>
        /// The model asked for; with no model, the default model of the connection's dialect; an unlisted model only
        /// when allowed, for the gateway of the connection named (or the default one). Measure-NebulaVideoCost
        /// chooses by the same rule, so an estimate prices the model a submission would use.
        /// </summary>
        internal static ModelInfo ChooseModel(string? model, string? connection, bool allowUnknownModel)
        {
            var catalog = ModelCatalog.Current;
            var dialect = connection is null ? Connections.DefaultDialect : Connections.Named(connection).Dialect;
            return model is null ? catalog.DefaultFor(dialect) : catalog.Get(model, allowUnknownModel ? dialect : null);
        }

        private readonly Dictionary<string, int> _imageNames = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);

        /// <summary>
        /// How many requests of this command, this one included, came from an image of this name (harbor.png and
        /// https://.../harbor.png share one). Save-NebulaVideo gives the plain name (harbor.mp4) to the first only, so
        /// which video gets it follows the input's order, never the order in which the tasks finish.
        /// </summary>
        private int? Occurrence(ImageInput? image)
        {
            if (image is null || VideoFile.ImageName(image.DisplayName) is not string name) return null;
            _imageNames[name] = _imageNames.TryGetValue(name, out var seen) ? seen + 1 : 1;
            return _imageNames[name];
        }

        private int _itemNumber;
        private PipedItem? _item;
        private readonly List<string> _ignoredColumns = new List<string>();

        /// <summary>A piped row's errors name the row and carry it as their target, so the user finds it among hundreds.</summary>
        protected override (object Target, string Label)? CurrentItem =>
            _item is { } item && PipelineColumns.IsRow(item.Value) ? (item.Value, item.Label) : null;

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

        private Core.Connections.GatewayConnection? TryConnection(IGatewayDialect dialect)
        {
            try
            {
                return Connections.ForDialect(dialect);
            }
            catch (NebulaVideoException)
            {
                return null; // -WhatIf needs no key; sending will say what is missing
            }
        }

        /// <summary>Refuses an item that would take the command past -MaxCostUsd, or whose price cannot be counted against it.</summary>
        private void CheckBudget(decimal? cost, string item)
        {
            if (MaxCostUsd is not decimal budget) return;
            if (cost is decimal known && _committedUsd + known <= budget) return;
            _overBudget++;
            _overBudgetUsd += cost ?? 0m;
            throw cost is null
                ? new NebulaVideoException(ErrorIds.BudgetPriceUnknown,
                    $"{item} was not submitted: its price is unknown, so it cannot be held to -MaxCostUsd {Invariant.Usd(budget)}.", item,
                    "Add the model's price to the catalog file, or leave -MaxCostUsd out for models without a published price.")
                : new NebulaVideoException(ErrorIds.BudgetExceeded,
                    $"{item} was not submitted: its estimate of {Invariant.Usd(cost.Value)} USD would take this command past -MaxCostUsd {Invariant.Usd(budget)} ({Invariant.Usd(_committedUsd)} USD committed so far).", item,
                    "Raise -MaxCostUsd, or submit the rest in another run.");
        }

        /// <summary>
        /// A switch as the request means it: on; off when the command line says -Switch:$false; otherwise not
        /// sent, so the gateway's own default applies (a CSV cell cannot tell an empty value from false).
        /// </summary>
        private bool? Flag(SwitchParameter value, string name) =>
            value.IsPresent ? true : _commandLine.Contains(name) ? false : (bool?)null;

        private static string Describe(int? duration, string? format) =>
            string.Join(", ", new[] { duration is int d ? $"{d} s" : "gateway's default length", format ?? "gateway's default resolution" });

        internal static string CostText(ModelInfo model, string? format, int? duration) =>
            model.EstimateCost(format, duration) is decimal cost
                ? $"estimated cost {Invariant.Usd(cost)} USD at group ratio 1"
                : $"estimated cost unknown: no price is published for {model.Name}{MissingPrice(model, format)} (the task reports the credits the gateway reserves)";

        // What the catalog lacks to price it: the resolution's price, or a duration (a model without a default one).
        private static string MissingPrice(ModelInfo model, string? format) =>
            !model.IsPriced ? string.Empty
            : model.PricePerSecond(format) is null ? $" at {format ?? "its default resolution"}"
            : " without a duration";
    }
}
