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
}
