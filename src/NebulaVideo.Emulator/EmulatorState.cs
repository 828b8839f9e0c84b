using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;

namespace NebulaVideo.Emulator;

/// <summary>What both origins share: the tasks, the request log and the settings.</summary>
internal sealed class EmulatorState
{
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private readonly HashSet<string> _acceptedBodies = new(StringComparer.Ordinal);
    private int _created;
    private int _duplicates;

    public EmulatorState(EmulatorOptions options)
    {
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

    public IReadOnlyList<RecordedRequest> Requests => _requests.ToList();

    public void Record(RecordedRequest request) => _requests.Enqueue(request);

    public DateTimeOffset Now => Options.Clock.GetUtcNow();

    /// <summary>0 queued, 1 running, 2 finished; with how far into the phase the task is.</summary>
    public (int Phase, double Fraction) PhaseOf(EmulatedTask task) => task.PhaseAt(Now, Options.PhaseDuration);

    public bool IsFinished(EmulatedTask task) => PhaseOf(task).Phase == 2;

    /// <summary>
    /// Accepts a task under the given id, with the request that asked for it (to count what was submitted twice). A prompt containing "emulator:fail" makes it fail once it
    /// finishes, in every dialect, so a client's failure path can be driven by input alone.
    /// </summary>
    public EmulatedTask Add(string id, string model, string prompt, int seconds, string resolution, JsonObject request)
    {
        var task = new EmulatedTask(id, model, prompt, seconds, resolution, prompt.Contains("emulator:fail", StringComparison.Ordinal), Now);
        Tasks[id] = task;
        lock (_acceptedBodies)
        {
            _created++;
            if (!_acceptedBodies.Add(WireJson.Canonical(request))) _duplicates++;
        }
        return task;
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
