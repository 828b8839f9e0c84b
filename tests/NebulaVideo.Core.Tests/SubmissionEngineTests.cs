using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using NebulaVideo.Core.Catalog;
using NebulaVideo.Core.Connections;
using NebulaVideo.Core.Gateways;
using NebulaVideo.Core.Http;
using NebulaVideo.Core.Submissions;
using NebulaVideo.Core.Tasks;
using NebulaVideo.Emulator;
using Xunit;

namespace NebulaVideo.Core.Tests
{
    /// <summary>
    /// The submission engine without PowerShell: its pace against a scripted account on a fake clock, its budget, and
    /// "never pay twice" (resume, another live run, an unknown outcome) against the emulator with a real journal.
    /// </summary>
    public sealed class SubmissionEngineTests : IAsyncLifetime
    {
        private readonly string _folder = Directory.CreateTempSubdirectory("nebulavideo-engine-").FullName;
        private EmulatorServer _emulator = null!;

        public async Task InitializeAsync() =>
            _emulator = await EmulatorServer.StartAsync(new EmulatorOptions { PhaseDuration = TimeSpan.FromMinutes(1) });

        public async Task DisposeAsync()
        {
            await _emulator.DisposeAsync();
            Directory.Delete(_folder, recursive: true);
        }

        // ------------------------------------------------------------------ the account's pace, scripted

        [Fact]
        public void An_untold_cap_is_found_from_429s_and_kept_without_creating_a_task_twice()
        {
            var account = new ScriptedAccount(cap: 4, taskLength: TimeSpan.FromSeconds(40));
            var pace = new AccountPace(throttleLimit: null, ClientOptions.Default);

            for (var i = 0; i < 12; i++) pace.Submit(account.Post, account.Host);

            Assert.Equal(12, account.Created);
            Assert.Equal(4, account.MostRunning);
            // The cap is found by one refusal; creeping back up past it costs at most one more per eight quiet creates.
            Assert.InRange(account.Refusals, 1, 2);
            Assert.Equal(account.Created + account.Refusals, account.Posts);
            // Each create waited only for a slot: the twelfth went out when the eighth task ended, at 2 x 40 s.
            Assert.Equal(TimeSpan.FromSeconds(80), account.Elapsed);
            Assert.Empty(account.Delays);
        }

        [Fact]
        public void The_limit_creeps_back_up_after_quiet_creates_but_never_past_the_throttle_limit()
        {
            var account = new ScriptedAccount(cap: 2, taskLength: TimeSpan.FromSeconds(10));
            var pace = new AccountPace(throttleLimit: 4, ClientOptions.Default);
            for (var i = 0; i < 3; i++) pace.Submit(account.Post, account.Host);
            Assert.Equal(2, pace.Limit);

            account.Cap = 100; // the account's other work ended: room again
            for (var i = 0; i < 30; i++) pace.Submit(account.Post, account.Host);

            Assert.Equal(4, pace.Limit);
            Assert.Equal(4, account.MostRunning);
        }

        [Fact]
        public void A_429_while_nothing_of_ours_runs_waits_as_the_gateway_asks_and_gives_up_by_the_create_policy()
        {
            var account = new ScriptedAccount(cap: 0, taskLength: TimeSpan.FromSeconds(10)) { RetryAfter = TimeSpan.FromSeconds(3) };
            var options = ClientOptions.Default with { MaxThrottledCreateRetries = 2 };

            var refused = Assert.Throws<GatewayException>(() => new AccountPace(null, options).Submit(account.Post, account.Host));
            Assert.Equal(429, refused.HttpStatus);
            Assert.Equal(new[] { TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(3) }, account.Delays);
            Assert.Equal(3, account.Posts);
            Assert.Equal(0, account.Created);

            account.Cap = 1; // the rate limit passes: the next create goes through after the waits
            account.Delays.Clear();
            account.RetryAfter = null;
            account.RefuseNext = 1;
            var task = new AccountPace(null, options).Submit(account.Post, account.Host);
            Assert.Equal(new[] { options.RetryBaseDelay }, account.Delays);
            Assert.False(string.IsNullOrEmpty(task.TaskId));
        }

        // ------------------------------------------------------------------ the budget

        [Fact]
        public void The_budget_refuses_what_would_pass_it_and_what_has_no_price_and_says_so_once()
        {
            var budget = new Budget(1m);
            budget.Check(0.369m, "a.png");
            budget.Commit(0.369m);
            budget.Check(0.369m, "b.png");
            budget.Commit(0.369m);
            Assert.Equal("BudgetExceeded", Assert.Throws<NebulaVideoException>(() => budget.Check(0.369m, "c.png")).Id.Name);
            Assert.Equal("BudgetPriceUnknown", Assert.Throws<NebulaVideoException>(() => budget.Check(null, "d.png")).Id.Name);

            Assert.Equal((0.738m, 2, 0.369m), (budget.CommittedUsd, budget.Refused, budget.RefusedUsd));
            Assert.Equal("-MaxCostUsd $1: $0.738 USD committed; 2 item(s) not submitted (estimated $0.369 USD, plus any of unknown price).", budget.Summary());
            Assert.Null(new Budget(null).Summary());
            new Budget(null).Check(null, "no limit, no refusal");
        }

        // ------------------------------------------------------------------ never pay twice, with the emulator and a real journal

        [Fact]
        public void A_request_already_submitted_is_planned_as_a_resume_and_sent_nowhere()
        {
            var first = Engine(new TaskJournal(JournalFile));
            var (task, _) = first.Submit(first.Plan(Item("waves")), DirectHost());

            // The next run: a new journal object reads the file.
            var again = Engine(new TaskJournal(JournalFile));
            var plan = again.Plan(Item("waves"));
            Assert.Equal(task.TaskId, plan.Earlier?.TaskId);
            again.CheckBudget(plan); // a resume costs nothing new, so even a spent budget lets it through
            var (resumed, _) = again.Submit(plan, DirectHost());

            Assert.True(resumed.Resumed);
            Assert.Equal(task.TaskId, resumed.TaskId);
            Assert.Equal((1, 0m), (again.Resumed, again.Budget.CommittedUsd));
            Assert.Single(_emulator.Requests, r => r.Method == "POST");
        }

        [Fact]
        public async Task A_request_another_live_run_is_sending_is_waited_for_then_resumed()
        {
            var plan = Engine(new TaskJournal(JournalFile)).Plan(Item("waves"));
            var other = new TaskJournal(JournalFile);
            Assert.Equal(ClaimKind.Submit, other.Claim(new JournalEntry(plan.Prepared!.Fingerprint, JournalState.Submitting, null, "sora-2", null, DateTimeOffset.UtcNow), force: false).Kind);

            var engine = Engine(new TaskJournal(JournalFile));
            var waiting = Task.Run(() => engine.Submit(engine.Plan(Item("waves")), DirectHost()));
            await Task.Delay(300);
            Assert.False(waiting.IsCompleted, "The engine should wait for the other run's answer, not post.");
            var created = await Client().SubmitAsync(plan.Prepared, CancellationToken.None, journal: null);
            other.Record(new JournalEntry(plan.Prepared.Fingerprint, JournalState.Submitted, created.TaskId, "sora-2", null, DateTimeOffset.UtcNow));

            var (resumed, _) = await waiting;
            Assert.Equal((created.TaskId, true), (resumed.TaskId, resumed.Resumed));
            Assert.Single(_emulator.Requests, r => r.Method == "POST");
        }

        [Fact]
        public void A_request_whose_answer_never_arrived_is_refused_unless_forced()
        {
            var journal = new TaskJournal(JournalFile);
            var plan = Engine(journal).Plan(Item("waves"));
            journal.Record(new JournalEntry(plan.Prepared!.Fingerprint, JournalState.Unanswered, null, "sora-2", null, DateTimeOffset.UtcNow)
            {
                Outcome = "The gateway did not answer within 30 s.",
            });

            var refused = Assert.Throws<NebulaVideoException>(() => Engine(new TaskJournal(JournalFile)).Submit(plan, DirectHost()));
            Assert.Equal("SubmitOutcomeUnknown", refused.Id.Name);
            Assert.Contains("Get-NebulaVideoJournal -Fingerprint " + plan.Prepared.Fingerprint.Substring(0, 12), refused.RecommendedAction);
            Assert.DoesNotContain(_emulator.Requests, r => r.Method == "POST");

            var forced = Engine(new TaskJournal(JournalFile), force: true);
            var (task, _) = forced.Submit(forced.Plan(Item("waves")), DirectHost());
            Assert.False(task.Resumed);
            Assert.Single(_emulator.Requests, r => r.Method == "POST");
        }

        [Fact]
        public void Bad_input_is_refused_while_planning_and_an_unusable_journal_fails_the_item_before_any_post()
        {
            Assert.Equal("DurationNotSupported", Assert.Throws<NebulaVideoException>(() =>
                Engine(new TaskJournal(JournalFile)).Plan(Item("waves") with { Request = new VideoRequest { Prompt = "waves", Duration = 5 } })).Id.Name);

            var unusable = new NebulaVideoException(ErrorIds.JournalUnwritable, "Cannot write the journal.", JournalFile, "Fix it.");
            var engine = new SubmissionEngine(Connections(), c => new GatewayClient(c), null, unusable, false, null, null, ClientOptions.Default);
            Assert.Same(unusable, Assert.Throws<NebulaVideoException>(() => engine.Submit(engine.Plan(Item("waves")), DirectHost())));
            Assert.DoesNotContain(_emulator.Requests, r => r.Method == "POST");
        }

        // ------------------------------------------------------------------ helpers

        private string JournalFile => Path.Combine(_folder, "engine.journal");

        private ConnectionSet Connections()
        {
            var set = new ConnectionSet(_ => null);
            set.Add(new GatewayConnection(Dialects.Nebula, _emulator.GatewayUri, GatewayConnection.SecureKey("sk-engine"), "test"), makeDefault: true);
            return set;
        }

        private GatewayClient Client() => new GatewayClient(Connections().ForDialect(Dialects.Nebula));

        private SubmissionEngine Engine(TaskJournal journal, bool force = false) =>
            new SubmissionEngine(Connections(), c => new GatewayClient(c), journal, null, force, maxCostUsd: 0.4m, throttleLimit: null, ClientOptions.Default);

        private static SubmissionItem Item(string prompt) => new SubmissionItem
        {
            Model = "sora-2",
            Request = new VideoRequest { Prompt = prompt, Duration = 4, Size = "1280x720" },
        };

        // Runs each create to its end on this thread; nothing of the command runs alongside.
        private static SubmissionHost DirectHost() => new SubmissionHost(
            create => create(CancellationToken.None).GetAwaiter().GetResult(), () => 0, _ => { }, _ => { }, _ => { });

        /// <summary>
        /// An account on a fake clock that runs at most <see cref="Cap"/> tasks at once, each for a fixed time, and
        /// refuses a create past the cap with 429, unread, as gateways do without saying the cap.
        /// </summary>
        private sealed class ScriptedAccount
        {
            private readonly TimeSpan _taskLength;
            private readonly List<DateTimeOffset> _ends = new List<DateTimeOffset>();
            private readonly DateTimeOffset _start = DateTimeOffset.UnixEpoch;
            private DateTimeOffset _now = DateTimeOffset.UnixEpoch;

            public ScriptedAccount(int cap, TimeSpan taskLength)
            {
                Cap = cap;
                _taskLength = taskLength;
                Host = new SubmissionHost(create => create(CancellationToken.None).GetAwaiter().GetResult(), () => Running, WaitForSlot, Delay, _ => { });
            }

            public int Cap { get; set; }
            public TimeSpan? RetryAfter { get; set; }
            public int RefuseNext { get; set; }
            public SubmissionHost Host { get; }
            public int Posts { get; private set; }
            public int Created { get; private set; }
            public int Refusals { get; private set; }
            public int MostRunning { get; private set; }
            public List<TimeSpan> Delays { get; } = new List<TimeSpan>();
            public TimeSpan Elapsed => _now - _start;

            private int Running
            {
                get
                {
                    _ends.RemoveAll(end => end <= _now);
                    return _ends.Count;
                }
            }

            public Task<VideoTask> Post(CancellationToken cancellationToken)
            {
                Posts++;
                if (Running >= Cap || RefuseNext-- > 0)
                {
                    Refusals++;
                    throw new GatewayException(429, new GatewayErrorDetails("Too many tasks running"), retryAfter: RetryAfter);
                }
                Created++;
                _ends.Add(_now + _taskLength);
                MostRunning = Math.Max(MostRunning, _ends.Count);
                return Task.FromResult(new VideoTask { TaskId = $"task-{Created}", Model = "scripted" });
            }

            // The host's wait: the clock moves to the end of the next task until fewer than the limit run.
            private void WaitForSlot(int limit)
            {
                while (Running >= limit) _now = _ends.Min();
            }

            private void Delay(TimeSpan wait)
            {
                Delays.Add(wait);
                _now += wait;
            }
        }
    }
}
