using System;
using System.Threading;

namespace NebulaVideo.Emulator;

/// <summary>
/// A clock that moves only when told. Pass it as <see cref="EmulatorOptions.Clock"/> to step tasks through
/// their phases exactly when a test says so, whatever the machine's speed.
/// </summary>
public sealed class ManualClock : TimeProvider
{
    private long _ticks = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).UtcTicks;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}
