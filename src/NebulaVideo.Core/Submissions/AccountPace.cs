using System;
using System.Threading;
using System.Threading.Tasks;
using NebulaVideo.Core.Http;

namespace NebulaVideo.Core.Submissions
{
    /// <summary>
    /// Sends creates at the pace an account allows, which gateways cap without saying how high. A 429 means the create
    /// was refused unread (often because the account already runs its maximum of tasks): the request is held, the
    /// number of tasks at once is lowered to what runs now, and it is sent again when one of them finishes; it is never
    /// dropped and, since nothing was created, never paid twice. After a run of quiet creates the limit creeps back up
    /// (to the throttle limit at most), so a batch keeps to the account's real pace. A 429 while none of the command's
    /// tasks runs is the gateway's own rate limit: sent again by the one create policy (CreateRetry).
    /// </summary>
    public sealed class AccountPace
    {
        private readonly int _ceiling;
        private readonly ClientOptions _options;
        private int _quiet;

        /// <param name="throttleLimit">The most tasks at once the user allows (-ThrottleLimit); null for no limit of theirs.</param>
        /// <param name="options">The session's patience: the create policy's delays and caps.</param>
        public AccountPace(int? throttleLimit, ClientOptions options)
        {
            _ceiling = throttleLimit ?? int.MaxValue;
            Limit = _ceiling;
            _options = options;
        }

        /// <summary>How many of the command's tasks may run at once now: the throttle limit, or the cap found.</summary>
        public int Limit { get; private set; }

        /// <summary>Posts once a slot is free, holding the create through 429s as described above.</summary>
        public VideoTask Submit(Func<CancellationToken, Task<VideoTask>> post, SubmissionHost host)
        {
            var idleRefusals = 0;
            while (true)
            {
                host.WaitForSlot(Limit);
                try
                {
                    var task = host.Run(post);
                    if (++_quiet >= 2L * Limit && Limit < _ceiling)
                    {
                        Limit++;
                        _quiet = 0;
                    }
                    return task;
                }
                catch (GatewayException ex) when (ex.HttpStatus == 429)
                {
                    _quiet = 0;
                    var running = host.InFlight;
                    if (running > 0)
                    {
                        if (running < Limit || Limit == int.MaxValue)
                            host.Log($"The gateway refused a submission (429) while {running} of this command's tasks run: holding the rest, at most {running} at once, and sending it again when one finishes.");
                        Limit = running;
                        continue;
                    }
                    if (CreateRetry.Delay(_options, ++idleRefusals, ex.RetryAfter) is not TimeSpan wait) throw;
                    host.Log($"The gateway refused a submission (429); sending it again in {wait.TotalSeconds:0.#} s.");
                    host.Delay(wait);
                }
            }
        }
    }
}
