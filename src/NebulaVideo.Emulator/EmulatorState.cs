using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;

namespace NebulaVideo.Emulator;

/// <summary>What both origins share: the tasks, the request log and the settings.</summary>
internal sealed class EmulatorState
{
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();

    public EmulatorState(EmulatorOptions options) => Options = options;

    public EmulatorOptions Options { get; }
    public ConcurrentDictionary<string, EmulatedTask> Tasks { get; } = new();
    public Uri StorageUri { get; set; } = null!;
    public int SubmissionCount => Tasks.Count;

    public IReadOnlyList<RecordedRequest> Requests => _requests.ToList();

    public void Record(RecordedRequest request) => _requests.Enqueue(request);

    public DateTimeOffset Now => Options.Clock.GetUtcNow();

    /// <summary>0 queued, 1 running, 2 finished; with how far into the phase the task is.</summary>
    public (int Phase, double Fraction) PhaseOf(EmulatedTask task) => task.PhaseAt(Now, Options.PhaseDuration);

    public bool IsFinished(EmulatedTask task) => PhaseOf(task).Phase == 2;

    /// <summary>
    /// Accepts a task under the given id. A prompt containing "emulator:fail" makes it fail once it
    /// finishes, in every dialect, so a client's failure path can be driven by input alone.
    /// </summary>
    public EmulatedTask Add(string id, string model, string prompt, int seconds, string resolution)
    {
        var task = new EmulatedTask(id, model, prompt, seconds, resolution, prompt.Contains("emulator:fail", StringComparison.Ordinal), Now);
        Tasks[id] = task;
        return task;
    }

    /// <summary>Where the storage origin keeps the task's video (unsigned: the storage host refuses it as is).</summary>
    public Uri VideoLink(EmulatedTask task) => new(StorageUri, $"videos/{task.Id}.mp4");

    /// <summary>
    /// The pre-signed link a finished task hands out, valid 24 hours from the end of the task as the documents
    /// say. The storage host checks the signature and, once the test expired the task, refuses it.
    /// </summary>
    public string SignedVideoLink(EmulatedTask task) =>
        $"{VideoLink(task)}?Expires={task.FinishedAt(Options.PhaseDuration).AddHours(24).ToUnixTimeSeconds()}&Signature={task.Signature}";
}
