namespace NebulaVideo.Core
{
    /// <summary>The normalized state of a video task, whatever words the gateway used.</summary>
    public enum VideoStatus
    {
        Queued,
        Running,
        Succeeded,
        Failed,
        /// <summary>Finished, but the gateway no longer holds the video (its retention period passed).</summary>
        Expired,
    }

    public static class VideoStatusExtensions
    {
        public static bool IsFinished(this VideoStatus status) => status >= VideoStatus.Succeeded;
    }
}
