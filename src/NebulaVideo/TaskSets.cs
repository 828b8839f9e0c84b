using System;
using NebulaVideo.Core;

namespace NebulaVideo
{
    /// <summary>The tasks a cmdlet was given, whether as task objects or as bare ids.</summary>
    internal static class TaskSets
    {
        /// <summary>The parameter set of cmdlets that take task objects (-InputObject).</summary>
        public const string ByTask = "Task";

        /// <summary>The parameter set of cmdlets that take task ids (-TaskId).</summary>
        public const string ById = "TaskId";

        public static VideoTask[] From(VideoTask[]? tasks, string[] ids) =>
            tasks ?? Array.ConvertAll(ids, id => new VideoTask { TaskId = id, Model = ModelFromId(id), ProviderStatus = "unknown" });

        // Sora ids are video_...; the gateway's wan2.5 tasks have GUIDs, and their answers never name the model.
        private static string ModelFromId(string id) =>
            id.StartsWith("video_", StringComparison.Ordinal) ? "sora-2" : Core.Catalog.ModelCatalog.DefaultModel;
    }
}
