using System;
using System.Management.Automation;
using NebulaVideo.Core;

namespace NebulaVideo.Commands
{
    /// <summary>Reads the current state of tasks from the gateway.</summary>
    [Cmdlet(VerbsCommon.Get, "NebulaVideoTask", DefaultParameterSetName = IdSet)]
    [OutputType(typeof(VideoTask))]
    public sealed class GetNebulaVideoTaskCommand : NebulaCmdlet
    {
        internal const string IdSet = "TaskId";
        internal const string TaskSet = "Task";

        [Parameter(Mandatory = true, Position = 0, ParameterSetName = IdSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("Id")]
        [ValidateNotNullOrEmpty]
        public string[] TaskId { get; set; } = Array.Empty<string>();

        /// <summary>Tasks from New-NebulaVideo; refreshing one keeps what only it knew (prompt, source image, estimate).</summary>
        [Parameter(Mandatory = true, ParameterSetName = TaskSet, ValueFromPipeline = true)]
        public VideoTask[] InputObject { get; set; } = Array.Empty<VideoTask>();

        protected override void ProcessRecord()
        {
            foreach (var task in TaskSets.From(ParameterSetName == TaskSet ? InputObject : null, TaskId))
                ForEachItem(() =>
                {
                    var client = ClientFor(task);
                    WriteObject(Run(ct => client.GetTaskAsync(task, ct)));
                });
        }
    }

    /// <summary>The tasks a cmdlet was given, whether as task objects or as bare ids.</summary>
    internal static class TaskSets
    {
        public static VideoTask[] From(VideoTask[]? tasks, string[] ids) =>
            tasks ?? Array.ConvertAll(ids, id => new VideoTask { TaskId = id, Model = ModelFromId(id), ProviderStatus = "unknown" });

        // Sora ids are video_...; the gateway's wan2.5 tasks have GUIDs, and their answers never name the model.
        private static string ModelFromId(string id) =>
            id.StartsWith("video_", StringComparison.Ordinal) ? "sora-2" : Core.Catalog.ModelCatalog.DefaultModel;
    }
}
