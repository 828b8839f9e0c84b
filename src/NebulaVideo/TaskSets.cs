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

        /// <summary>
        /// Task objects as given, or bare ids as tasks that know only their id: the connection they go to
        /// is found from the id's shape (task-unified-... is the unified gateway) or -Connection, and the
        /// model from the gateway's answer.
        /// </summary>
        public static VideoTask[] From(VideoTask[]? tasks, string[] ids) =>
            tasks ?? Array.ConvertAll(ids, id => new VideoTask { TaskId = id.Trim(), ProviderStatus = "unknown" });
    }
}
