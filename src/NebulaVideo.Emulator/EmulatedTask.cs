using System;
using System.Text;

namespace NebulaVideo.Emulator;

/// <summary>A task the emulator accepted; its status follows from the time since it was created.</summary>
internal sealed class EmulatedTask
{
    private static readonly byte[] SampleVideo = LoadSample();

    public EmulatedTask(string id, string model, string prompt, int seconds, string resolution, bool fails, DateTimeOffset createdAt)
    {
        Id = id;
        Model = model;
        Prompt = prompt;
        Seconds = seconds;
        Resolution = resolution;
        Fails = fails;
        CreatedAt = createdAt;
        Signature = Guid.NewGuid().ToString("N");
        Video = WithTaskBox(id);
    }

    public string Id { get; }
    public string Model { get; }
    public string Prompt { get; }
    public int Seconds { get; }

    /// <summary>480p/720p/1080p for the wan models (the unified gateway's "quality"), the frame size for sora-2.</summary>
    public string Resolution { get; }

    public bool Fails { get; }
    public DateTimeOffset CreatedAt { get; }
    public string Signature { get; }
    public bool Expired { get; set; }
    public bool FirstReadFaulted { get; set; }

    /// <summary>The exact bytes served for this task.</summary>
    public byte[] Video { get; }

    public bool IsSora => Model == "sora-2";

    /// <summary>0 while queued, 1 while running, 2 once finished; with how far into the phase it is (0..1).</summary>
    public (int Phase, double Fraction) PhaseAt(DateTimeOffset now, TimeSpan phaseDuration)
    {
        var phases = (now - CreatedAt).TotalMilliseconds / Math.Max(1, phaseDuration.TotalMilliseconds);
        return phases >= 2 ? (2, 1) : ((int)phases, phases - Math.Floor(phases));
    }

    public DateTimeOffset FinishedAt(TimeSpan phaseDuration) => CreatedAt + phaseDuration + phaseDuration;

    // The sample MP4 plus one top-level 'free' box naming the task: still playable, unique per task.
    private static byte[] WithTaskBox(string id)
    {
        var payload = Encoding.UTF8.GetBytes("nebula-task:" + id);
        var video = new byte[SampleVideo.Length + 8 + payload.Length];
        SampleVideo.CopyTo(video, 0);
        var box = SampleVideo.Length;
        var size = 8 + payload.Length;
        video[box] = (byte)(size >> 24);
        video[box + 1] = (byte)(size >> 16);
        video[box + 2] = (byte)(size >> 8);
        video[box + 3] = (byte)size;
        Encoding.ASCII.GetBytes("free").CopyTo(video, box + 4);
        payload.CopyTo(video, box + 8);
        return video;
    }

    private static byte[] LoadSample()
    {
        using var stream = typeof(EmulatedTask).Assembly.GetManifestResourceStream("NebulaVideo.Emulator.sample.mp4")
            ?? throw new InvalidOperationException("The sample video is missing from the emulator assembly.");
        using var copy = new System.IO.MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
