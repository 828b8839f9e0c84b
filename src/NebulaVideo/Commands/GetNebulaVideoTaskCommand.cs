using System;
using System.Management.Automation;
using NebulaVideo.Core;

namespace NebulaVideo.Commands
{
    /// <summary>Reads the current state of tasks from the gateway.</summary>
    // The task set is the default so a piped task binds as a task (keeping its gateway) rather than by its TaskId.
    [Cmdlet(VerbsCommon.Get, "NebulaVideoTask", DefaultParameterSetName = TaskSets.ByTask)]
    [OutputType(typeof(VideoTask))]
    public sealed class GetNebulaVideoTaskCommand : GatewayCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = TaskSets.ById, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("Id")]
        [ValidateNotNullOrEmpty]
        public string[] TaskId { get; set; } = Array.Empty<string>();

        /// <summary>Tasks from New-NebulaVideo; refreshing one keeps what only it knew (prompt, source image, estimate).</summary>
        [Parameter(Mandatory = true, ParameterSetName = TaskSets.ByTask, ValueFromPipeline = true)]
        [TaskTransformation]
        public VideoTask[] InputObject { get; set; } = Array.Empty<VideoTask>();

        /// <summary>The connection to read bare task ids (or all given tasks) from, instead of the one each task names.</summary>
        [Parameter]
        [ArgumentCompleter(typeof(ConnectionCompleter))]
        [ValidateNotNullOrEmpty]
        public string? Connection { get; set; }

        protected override void ProcessRecord()
        {
            foreach (var task in TaskSets.From(ParameterSetName == TaskSets.ByTask ? InputObject : null, TaskId))
                ForEachItem(() =>
                {
                    var client = ClientFor(task, Connection);
                    WriteObject(Run(ct => client.GetTaskAsync(task, ct)));
                });
        }
    }
}
