using System;
using System.Collections.Generic;
using System.Text;
using System.Threading;

namespace NebulaVideo.Emulator;

/// <summary>A task the emulator accepted; its status follows from the time since it was created.</summary>
internal sealed class EmulatedTask
{
    private static readonly byte[] SampleVideo = LoadSample();

    // Every signature the task's link ever had, oldest first; only the last one is valid.
    private readonly List<string> _signatures = new();
    private DateTimeOffset? _linkRenewedAt;
    private int _statusReads;
    private int _storageDownloads;

    public EmulatedTask(string id, string model, string prompt, int seconds, string resolution, bool fails, DateTimeOffset createdAt, long? videoSize = null)
    {
        Id = id;
        Model = model;
        Prompt = prompt;
        Seconds = seconds;
        Resolution = resolution;
        Fails = fails;
        CreatedAt = createdAt;
        _signatures.Add(Guid.NewGuid().ToString("N"));
        _head = WithTaskBox(id, videoSize);
        VideoLength = Math.Max(_head.Length, videoSize ?? 0);
    }

    // The video's first bytes: the sample and the task box's header and name; past them, up to VideoLength, zeros.
    private readonly byte[] _head;

    public string Id { get; }
    public string Model { get; }
    public string Prompt { get; }
    public int Seconds { get; }

    /// <summary>480p/720p/1080p for the wan models (the unified gateway's "quality"), the frame size for sora-2.</summary>
    public string Resolution { get; }

    public bool Fails { get; }
    public DateTimeOffset CreatedAt { get; }

    /// <summary>The unified gateway's first frame: the URL it was given and what it fetched; null in the Nebula dialect.</summary>
    public SubmittedImage? Image { get; init; }
    public bool Expired { get; set; }
    public bool FirstReadFaulted { get; set; }

    /// <summary>The signature of the link handed out now; a renewal replaces it.</summary>
    public string Signature
    {
        get { lock (_signatures) return _signatures[^1]; }
    }

    /// <summary>How many times the link was renewed (0 for the first link).</summary>
    public int LinkGeneration
    {
        get { lock (_signatures) return _signatures.Count - 1; }
    }

    /// <summary>When the current link was issued, if it was renewed; null while the first link, from the finish, stands.</summary>
    public DateTimeOffset? LinkRenewedAt
    {
        get { lock (_signatures) return _linkRenewedAt; }
    }

    /// <summary>How the fault plan treated the task's last status read; the storage host, which sees no key, follows it.</summary>
    public FaultRegime Regime { get; set; } = FaultRegime.Plan;

    /// <summary>
    /// Issues a new link (a new signature): the old ones now read as expired, as a pre-signed link past its
    /// lifetime does, and the gateway hands out the new one on the next status read.
    /// </summary>
    public void RenewLink(DateTimeOffset now)
    {
        lock (_signatures)
        {
            _signatures.Add(Guid.NewGuid().ToString("N"));
            _linkRenewedAt = now;
        }
    }

    /// <summary>What a link's signature is to this task: the current one, a superseded one, or none of its own.</summary>
    public LinkSignature CheckSignature(string? signature)
    {
        lock (_signatures)
        {
            var index = signature is null ? -1 : _signatures.LastIndexOf(signature);
            return index < 0 ? LinkSignature.Foreign : index == _signatures.Count - 1 ? LinkSignature.Current : LinkSignature.Superseded;
        }
    }

    /// <summary>Counts a status read and says how many came before it (0 for the first).</summary>
    public int CountStatusRead() => Interlocked.Increment(ref _statusReads) - 1;

    /// <summary>Counts a storage download and says how many came before it (0 for the first).</summary>
    public int CountStorageDownload() => Interlocked.Increment(ref _storageDownloads) - 1;

    /// <summary>The exact bytes served for this task (a padded video is built anew on each call: mind its size).</summary>
    public byte[] Video
    {
        get
        {
            if (!IsPadded) return _head;
            var video = new byte[VideoLength];
            _head.CopyTo(video, 0);
            return video;
        }
    }

    /// <summary>The video's length in bytes.</summary>
    public long VideoLength { get; }

    /// <summary>True when EmulatorOptions.VideoSizeBytes padded the video past the sample: serve it with <see cref="ReadVideo"/>.</summary>
    public bool IsPadded => VideoLength > _head.Length;

    /// <summary>Copies the video's bytes from <paramref name="offset"/> into <paramref name="destination"/>; returns how many (0 at the end).</summary>
    public int ReadVideo(long offset, Span<byte> destination)
    {
        var count = (int)Math.Min(destination.Length, Math.Max(0, VideoLength - offset));
        var fromHead = (int)Math.Min(count, Math.Max(0, _head.Length - offset));
        if (fromHead > 0) _head.AsSpan((int)offset, fromHead).CopyTo(destination);
        destination.Slice(fromHead, count - fromHead).Clear();
        return count;
    }

    /// <summary>Writes the whole video to <paramref name="body"/> in blocks, never holding it whole.</summary>
    public async System.Threading.Tasks.Task WriteVideoAsync(System.IO.Stream body, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        for (long offset = 0; offset < VideoLength;)
        {
            var read = ReadVideo(offset, buffer);
            await body.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            offset += read;
        }
    }

    public bool IsSora => Model == "sora-2";

    /// <summary>0 while queued, 1 while running, 2 once finished; with how far into the phase it is (0..1).</summary>
    public (int Phase, double Fraction) PhaseAt(DateTimeOffset now, TimeSpan phaseDuration)
    {
        var phases = (now - CreatedAt).TotalMilliseconds / Math.Max(1, phaseDuration.TotalMilliseconds);
        return phases >= 2 ? (2, 1) : ((int)phases, phases - Math.Floor(phases));
    }

    public DateTimeOffset FinishedAt(TimeSpan phaseDuration) => CreatedAt + phaseDuration + phaseDuration;

    // The sample MP4 plus one top-level 'free' box naming the task: still playable, unique per task. With a size,
    // the box is declared long enough (zeros after the name) to make the video that size; only its head is returned.
    private static byte[] WithTaskBox(string id, long? videoSize)
    {
        var payload = Encoding.UTF8.GetBytes("nebula-task:" + id);
        var video = new byte[SampleVideo.Length + 8 + payload.Length];
        SampleVideo.CopyTo(video, 0);
        var box = SampleVideo.Length;
        if (videoSize > uint.MaxValue + (long)box)
            throw new ArgumentOutOfRangeException(nameof(videoSize), videoSize, "An emulated video's padding box can hold at most 4 GiB - 1.");
        var size = (uint)Math.Max(8 + payload.Length, (videoSize ?? 0) - box);
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

/// <summary>A signature on a storage link, as the task that owns the video sees it.</summary>
internal enum LinkSignature
{
    Current,
    Superseded,
    Foreign,
}
