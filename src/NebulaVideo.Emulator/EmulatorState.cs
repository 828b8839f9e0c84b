using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace NebulaVideo.Emulator;

/// <summary>What both origins share: the tasks, the request log and the settings.</summary>
internal sealed class EmulatorState
{
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private readonly ConcurrentQueue<ImageFetch> _imageFetches = new();
    private readonly HashSet<string> _acceptedBodies = new(StringComparer.Ordinal);
    // Each account's (API key's) tasks not yet known to be finished; guarded, with the counters, by _acceptedBodies.
    private readonly Dictionary<string, List<EmulatedTask>> _running = new(StringComparer.Ordinal);
    private int _created;
    private int _duplicates;
    private int _refusals;
    private int _peak;

    public EmulatorState(EmulatorOptions options)
    {
        if (options.AccountTaskLimit is < 1)
            throw new ArgumentOutOfRangeException(nameof(options), options.AccountTaskLimit, "AccountTaskLimit must be at least 1 (or null for no cap).");
        Options = options;
        Faults = new FaultInjector(options.Faults, options.Clock);
    }

    public EmulatorOptions Options { get; }
    public FaultInjector Faults { get; }
    public ConcurrentDictionary<string, EmulatedTask> Tasks { get; } = new();
    public Uri StorageUri { get; set; } = null!;
    public int SubmissionCount => Tasks.Count;

    public int CreatedTaskCount
    {
        get { lock (_acceptedBodies) return _created; }
    }

    /// <summary>Accepted creates whose body, canonically, equals an earlier accepted create's: what was paid twice.</summary>
    public int DuplicateSubmissionCount
    {
        get { lock (_acceptedBodies) return _duplicates; }
    }

    /// <summary>Creates refused because their account already had AccountTaskLimit unfinished tasks.</summary>
    public int AccountLimitRefusals
    {
        get { lock (_acceptedBodies) return _refusals; }
    }

    /// <summary>The most unfinished tasks one account had at once, counted at each accepted create (the new task included).</summary>
    public int PeakConcurrentTasks
    {
        get { lock (_acceptedBodies) return _peak; }
    }

    public IReadOnlyList<RecordedRequest> Requests => _requests.ToList();

    public void Record(RecordedRequest request) => _requests.Enqueue(request);

    /// <summary>Every image the unified gateway downloaded, accepted or refused, in order.</summary>
    public IReadOnlyList<ImageFetch> ImageFetches => _imageFetches.ToList();

    public void Record(ImageFetch fetch) => _imageFetches.Enqueue(fetch);

    public DateTimeOffset Now => Options.Clock.GetUtcNow();

    /// <summary>0 queued, 1 running, 2 finished; with how far into the phase the task is.</summary>
    public (int Phase, double Fraction) PhaseOf(EmulatedTask task) => task.PhaseAt(Now, Options.PhaseDuration);

    public bool IsFinished(EmulatedTask task) => PhaseOf(task).Phase == 2;

    /// <summary>
    /// Accepts a task under the given id for the account (the API key), with the request that asked for it (to count
    /// what was submitted twice); or, when the account already has <see cref="EmulatorOptions.AccountTaskLimit"/>
    /// unfinished tasks, creates nothing and returns null (the caller answers 429, see <see cref="AccountLimited"/>).
    /// The check and the add are one step under the lock, so concurrent creates never pass the cap together. A prompt
    /// containing "emulator:fail" makes the task fail once it finishes, in every dialect, so a client's failure path
    /// can be driven by input alone. <paramref name="image"/> is the unified gateway's first frame, kept on the task.
    /// </summary>
    public EmulatedTask? Add(string account, string id, string model, string prompt, int seconds, string resolution, JsonObject request, SubmittedImage? image = null)
    {
        lock (_acceptedBodies)
        {
            var now = Now;
            if (!_running.TryGetValue(account, out var running)) _running[account] = running = new List<EmulatedTask>();
            // Finished is final (the clock only moves on), so a finished task can leave the list for good.
            running.RemoveAll(task => task.PhaseAt(now, Options.PhaseDuration).Phase == 2);
            if (running.Count >= Options.AccountTaskLimit)
            {
                _refusals++;
                return null;
            }

            var task = new EmulatedTask(id, model, prompt, seconds, resolution, prompt.Contains("emulator:fail", StringComparison.Ordinal), now, Options.VideoSizeBytes)
            {
                Image = image,
            };
            running.Add(task);
            _peak = Math.Max(_peak, running.Count);
            Tasks[id] = task;
            _created++;
            if (!_acceptedBodies.Add(WireJson.Canonical(request))) _duplicates++;
            return task;
        }
    }

    /// <summary>
    /// The answer to a create refused by the account's cap: the dialect's documented 429 <paramref name="body"/>,
    /// with Retry-After: 1 when <see cref="EmulatorOptions.AccountLimitRetryAfter"/> asks for it and none otherwise.
    /// </summary>
    public IResult AccountLimited(HttpContext context, IResult body)
    {
        if (Options.AccountLimitRetryAfter) context.Response.Headers.RetryAfter = "1";
        else context.Response.Headers.Remove("Retry-After");
        return body;
    }

    /// <summary>Where the storage origin keeps the task's video (unsigned: the storage host refuses it as is).</summary>
    public Uri VideoLink(EmulatedTask task) => new(StorageUri, $"videos/{task.Id}.mp4");

    /// <summary>
    /// The pre-signed link a finished task hands out, valid 24 hours from the end of the task as the documents
    /// say; a renewed link (after an ExpiredLink fault) is valid 24 hours from its renewal. The storage host checks
    /// the signature (a superseded one reads as expired) and, once the test expired the task, refuses it.
    /// </summary>
    public string SignedVideoLink(EmulatedTask task) =>
        $"{VideoLink(task)}?Expires={(task.LinkRenewedAt ?? task.FinishedAt(Options.PhaseDuration)).AddHours(24).ToUnixTimeSeconds()}&Signature={task.Signature}";
}
