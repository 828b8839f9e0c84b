namespace NebulaVideo.Emulator;

/// <summary>
/// The first frame a unified task was created with, so tests can check what the gateway learnt and fetched.
/// </summary>
/// <param name="Url">The image URL exactly as the create request gave it, query (a SAS, say) included.</param>
/// <param name="Fetch">What the gateway downloaded from it; null when it did not download (a host other than loopback).</param>
public sealed record SubmittedImage(string Url, ImageFetch? Fetch);

/// <summary>One download of an image URL by the unified gateway, accepted or not.</summary>
/// <param name="Url">The URL fetched, exactly as the create request gave it.</param>
/// <param name="Status">The image host's HTTP status; null when it gave no answer (refused connection, timeout).</param>
/// <param name="Length">The bytes read from the body: 0 for an answer refused before its body, at most the cap plus one.</param>
/// <param name="Sha256">The body's SHA-256 in lower-case hex when it was read whole within the cap; null otherwise.</param>
/// <param name="Format">"jpeg", "png", "bmp" or "webp" by the bytes' signature; null when they are none of these.</param>
/// <param name="Width">The width in pixels the image's header states; null without a format.</param>
/// <param name="Height">The height in pixels the image's header states; null without a format.</param>
/// <param name="Alpha">Whether the header declares an alpha channel (PNG RGBA or grey + alpha, tRNS; WebP's flag); recorded, never refused.</param>
/// <param name="Problem">Why the gateway refused the create (the 400's message); null when the image was accepted.</param>
public sealed record ImageFetch(string Url, int? Status, long Length, string? Sha256, string? Format, int? Width, int? Height, bool? Alpha, string? Problem)
{
    public bool Accepted => Problem is null;
}
