using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Threading.Tasks;
using NebulaVideo.Core;
using NebulaVideo.Core.Catalog;
using NebulaVideo.Core.Gateways;
using NebulaVideo.Core.Http;
using NebulaVideo.Core.Images;
using NebulaVideo.Core.Submissions;

namespace NebulaVideo.Commands
{
    /// <summary>
    /// Submits image-to-video (or, for sora-2, text-to-video and remix) tasks: one task object per submission,
    /// each sent to the connection that serves its model. An adapter over the submission engine: the request's
    /// parameters are bound by <see cref="VideoRequestCmdlet"/>, each item planned, checked and priced by the
    /// engine before anything is sent (bad input never costs money), offered to ShouldProcess with its cost, then
    /// sent at the account's pace; this command writes the tasks, errors, warnings and progress.
    /// </summary>
    [Cmdlet(VerbsCommon.New, "NebulaVideo", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(VideoTask))]
    public sealed class NewNebulaVideoCommand : VideoRequestCmdlet
    {
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

        /// <summary>With -Wait or -ThrottleLimit: follows the tasks and writes each when it finishes.</summary>
        private PipelineWaiter? _waiter;

        /// <summary>Without them: follows the tasks written so far, once the gateway pushed back, to know when a slot frees.</summary>
        private PipelineWaiter? _pacer;

        private readonly List<(VideoTask Task, GatewayClient Client)> _submitted = new List<(VideoTask, GatewayClient)>();
        private SubmissionEngine _engine = null!;
        private SubmissionHost? _host;
        private const int SubmitActivityId = 7300;
        private const string SubmitActivity = "Submitting NebulaVideo requests";
        private readonly ProgressGate _submitProgress = new ProgressGate();

        protected override void BeginProcessing()
        {
            base.BeginProcessing();
            if (Wait.IsPresent || ThrottleLimit is not null)
                _waiter = new PipelineWaiter(this, PollIntervalSec, TimeoutSec, WaitNebulaVideoTaskCommand.DefaultThrottleLimit, CancelToken);
            // Required: an unusable journal fails each item (nothing is sent without it), not the whole pipeline.
            var journal = JournalAccess.Required(this, JournalPath);
            _engine = new SubmissionEngine(Connections, ClientFor, journal.Opened, journal.Error, Force.IsPresent, MaxCostUsd, ThrottleLimit, base.RequestOptions,
                () => SessionStorage.Current);
        }

        protected override void ProcessRecord()
        {
            ForEachRequest(Submit);
            _waiter?.EmitReady();
        }

        protected override void EndProcessing()
        {
            WarnIgnoredColumns();
            if (_engine.Resumed > 0)
                WriteWarning($"{_engine.Resumed} item(s) had been submitted in the last 24 hours and were resumed from the journal {_engine.Journal?.Location}, not paid again. -Force submits them anew.");
            if (_engine.Budget.Summary() is string budget) WriteWarning(budget);
            if (_engine.Sent > 0) WriteProgress(new ProgressRecord(SubmitActivityId, SubmitActivity, $"{_engine.Sent} submitted") { RecordType = ProgressRecordType.Completed });
            _waiter?.EmitAll();
            _pacer?.Dispose();
        }

        /// <summary>
        /// One request through the engine: planned and checked completely (the image's kind before the image is read),
        /// its warnings said, held to the budget, offered to ShouldProcess with its cost, then sent at the account's pace.
        /// </summary>
        private void Submit(ImageInputKind? imageKind, string? imageName, Func<ModelInfo, ImageInput?> loadImage)
        {
            var plan = _engine.Plan(Item(imageKind, imageName, loadImage));
            foreach (var warning in _engine.Warnings(plan)) WriteWarning(warning);
            _engine.CheckBudget(plan);
            var action = plan.Earlier is { } earlier
                ? $"Resume task {earlier.TaskId} from the journal (submitted {earlier.At:u}): nothing new to pay"
                : (plan.Staging is null ? "Submit" : plan.StagingText() + ", then submit") + $" video{plan.Retired}, {plan.CostText()}";
            if (!ShouldProcess($"{plan.Source} ({plan.Model.Name}, {SubmissionEngine.Describe(plan.Request.Duration, plan.Resolution)})", action))
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
            // Made and paid for, yet not in the journal: the task goes on, and the item has an error that names it.
            if (_engine.Unrecorded is { } unrecorded) WriteError(ErrorRecords.From(unrecorded, CurrentItem));
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
            log: WriteVerbose,
            post: Post,
            status: text => WriteProgress(new ProgressRecord(SubmitActivityId, SubmitActivity, $"{text}; {_engine.Sent} submitted")));

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
    }
}
