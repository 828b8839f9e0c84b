namespace NebulaVideo.Core.Images
{
    public enum ImageFormat
    {
        Png,
        Jpeg,
    }
}
