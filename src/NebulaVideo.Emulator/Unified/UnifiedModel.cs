using System.Collections.Generic;
using System.Linq;

namespace NebulaVideo.Emulator.Unified;

/// <summary>
/// What each unified-gateway model accepts, as its document states it: seed 003 for wan2.5-image-to-video,
/// seed 001 for wan2.6-image-to-video. The two differ only in these limits, so one table serves both.
/// </summary>
internal sealed record UnifiedModel(string Name, int MaxPromptLength, IReadOnlyList<int> Durations, IReadOnlyList<string> Qualities, bool TakesAudio)
{
    public const int DefaultDuration = 5;
    public const string DefaultQuality = "720p";

    public static readonly UnifiedModel Wan25 = new("wan2.5-image-to-video", 2000, new[] { 5, 10 }, new[] { "480p", "720p", "1080p" }, TakesAudio: false);
    public static readonly UnifiedModel Wan26 = new("wan2.6-image-to-video", 1500, new[] { 5, 10, 15 }, new[] { "720p", "1080p" }, TakesAudio: true);

    private static readonly UnifiedModel[] All = { Wan25, Wan26 };

    public static UnifiedModel? Find(string name) => All.FirstOrDefault(model => model.Name == name);

    /// <summary>
    /// The credits a task reserves: the documents bill per second and by quality without publishing rates,
    /// so the emulator uses fixed ones a test can compute (1, 2, 3 credits a second for 480p, 720p, 1080p).
    /// </summary>
    public static int CreditsReserved(int seconds, string quality) => seconds * quality switch
    {
        "480p" => 1,
        "1080p" => 3,
        _ => 2,
    };
}
