namespace NebulaVideo.Core.Images
{
    /// <summary>The image formats the probe reads (their names match a catalog's "imageFormats", ignoring case).</summary>
    public enum ImageFormat
    {
        Png,
        Jpeg,
        Bmp,
        WebP,
    }
}
