using System;
using System.Threading;
using System.Threading.Tasks;

namespace NebulaVideo.Core.Submissions
{
    /// <summary>
    /// What the submission engine needs from whoever feeds it (New-NebulaVideo, or a test with a fake clock): a way to
    /// run a create to its end (Ctrl+C cancels it), the count of the command's own tasks still running and a way to
    /// wait for one of them to finish (the host writes what finishes meanwhile), a pause, a log, and a way to run work
    /// on its own thread while a create runs (an image store that is a PowerShell script block runs there). Delegates rather
    /// than an interface a cmdlet implements: a cmdlet class must not build on a type of the module's Dependencies,
    /// which PowerShell lists before their resolver is registered.
    /// </summary>
    public sealed class SubmissionHost
    {
        private readonly Func<Func<CancellationToken, Task<VideoTask>>, VideoTask> _run;
        private readonly Func<int> _inFlight;
        private readonly Action<int> _waitForSlot;
        private readonly Action<TimeSpan> _delay;
        private readonly Action<string> _log;
        private readonly Action<Action> _post;
        private readonly Action<string> _status;

        /// <param name="run">Runs a create and blocks until it is done; the host's cancellation stops it.</param>
        /// <param name="inFlight">The command's tasks still running on the gateway.</param>
        /// <param name="waitForSlot">Returns once fewer than the given number of the command's tasks run.</param>
        /// <param name="delay">Pauses before a create is sent again.</param>
        /// <param name="log">A line for -Verbose, written on the host's thread.</param>
        /// <param name="post">Queues an action for the host's thread, which runs it while <paramref name="run"/> waits; null runs it at once.</param>
        /// <param name="status">What the command is doing now (staging an image), for its progress bar; on the host's thread.</param>
        public SubmissionHost(Func<Func<CancellationToken, Task<VideoTask>>, VideoTask> run, Func<int> inFlight, Action<int> waitForSlot,
            Action<TimeSpan> delay, Action<string> log, Action<Action>? post = null, Action<string>? status = null)
        {
            _status = status ?? (_ => { });
            _post = post ?? (action => action());
            _run = run;
            _inFlight = inFlight;
            _waitForSlot = waitForSlot;
            _delay = delay;
            _log = log;
        }

        public VideoTask Run(Func<CancellationToken, Task<VideoTask>> create) => _run(create);

        public int InFlight => _inFlight();

        public void WaitForSlot(int limit) => _waitForSlot(limit);

        public void Delay(TimeSpan wait) => _delay(wait);

        public void Log(string message) => _log(message);

        public void Status(string activity) => _status(activity);

        /// <summary>A line for -Verbose from any thread: written on the host's thread.</summary>
        public void LogFromAnyThread(string message) => _post(() => _log(message));

        /// <summary>Runs <paramref name="work"/> on the host's thread, from a create that runs elsewhere, and gives its result.</summary>
        public Task<T> OnHostThread<T>(Func<T> work)
        {
            var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
            _post(() =>
            {
                try
                {
                    done.SetResult(work());
                }
                catch (Exception ex)
                {
                    done.SetException(ex);
                }
            });
            return done.Task;
        }
    }
}
