namespace NebulaVideo.Core.Images
{
    public enum ImageFormat
    {
        Unknown,
        Png,
        Jpeg,
    }
}
