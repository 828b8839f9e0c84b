using System;
using System.Management.Automation;
using NebulaVideo.Core;
using NebulaVideo.Core.Catalog;
using NebulaVideo.Core.Gateways;

namespace NebulaVideo.Commands
{
    /// <summary>
    /// Estimates what videos cost before (or after) they are made, exactly by the gateway's price tables:
    /// one row per model, resolution, duration and group ratio, then a total row (IsTotal).
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Measure, "NebulaVideoCost", DefaultParameterSetName = ParametersSet)]
    [OutputType(typeof(CostEstimate))]
    public sealed class MeasureNebulaVideoCostCommand : NebulaVideoCmdlet
    {
        private const string ParametersSet = "Parameters";
        private const string PipelineSet = "InputObject";
        private readonly CostTally _tally = new CostTally();

        /// <summary>Requests (CSV rows), image files or tasks; each counts as one video, priced by its own Model/Resolution/Duration where it has them.</summary>
        [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = PipelineSet)]
        public PSObject[] InputObject { get; set; } = Array.Empty<PSObject>();

        /// <summary>The model; by default that of the session's default connection.</summary>
        [Parameter(Position = 0)]
        [ArgumentCompleter(typeof(ModelCompleter))]
        public string? Model { get; set; }

        /// <summary>480p/720p/1080p, or a sora-2 size; the model's default when omitted.</summary>
        [Parameter(Position = 1)]
        [ArgumentCompleter(typeof(ResolutionCompleter))]
        [Alias("Size")]
        public string? Resolution { get; set; }

        [Parameter(Position = 2)]
        [ArgumentCompleter(typeof(DurationCompleter))]
        [Alias("Seconds")]
        public int? Duration { get; set; }

        [Parameter(ParameterSetName = ParametersSet)]
        [ValidateRange(1, int.MaxValue)]
        public int Count { get; set; } = 1;

        /// <summary>The account's price multiplier; tasks carry the one their gateway reported.</summary>
        [Parameter]
        [ValidateRange(0.0, 1000.0)]
        public decimal GroupRatio { get; set; } = 1m;

        protected override void ProcessRecord()
        {
            if (ParameterSetName == ParametersSet)
            {
                ForEachItem(() => Add(Model, Resolution, Duration, GroupRatio, Count));
                return;
            }
            foreach (var item in InputObject)
                ForEachItem(() =>
                {
                    switch (item.BaseObject)
                    {
                        case VideoTask task:
                            // A task of a model passed through unlisted is still counted, at an unknown price.
                            Add(task.Model, task.Resolution, task.Duration, task.GroupRatio, 1, Dialects.Find(task.Dialect));
                            break;
                        case System.IO.FileSystemInfo _:
                        case string _:
                            // An image to be: priced as the parameters say (a file's own Size is its length, not a frame size).
                            Add(Model, Resolution, Duration, GroupRatio, 1);
                            break;
                        default:
                            Add(Text(item, "Model") ?? Model, Text(item, "Resolution") ?? Text(item, "Size") ?? Resolution,
                                Number(item, "Duration") ?? Number(item, "Seconds") ?? Duration, GroupRatio, 1);
                            break;
                    }
                });
        }

        protected override void EndProcessing()
        {
            WriteObject(_tally.Groups, enumerateCollection: true);
            var total = _tally.Total;
            if (total.UnpricedCount > 0)
                WriteWarning($"{total.UnpricedCount} of {total.Count} videos have no published price, so the total is unknown"
                    + (total.UnpricedCount < total.Count ? $"; the priced ones come to {Invariant.Usd(total.PricedCostUsd)} USD" : string.Empty)
                    + ". Submitted tasks report the credits the gateway reserves (CreditsReserved); a price in the catalog file makes them priced.");
            WriteObject(total);
        }

        private void Add(string? model, string? resolution, int? duration, decimal groupRatio, int count, IGatewayDialect? passThrough = null)
        {
            // The same checks as a real submission, so an estimate never prices a video that cannot be made.
            var catalog = ModelCatalog.Current;
            var info = model is null ? catalog.DefaultFor(Connections.DefaultDialect) : catalog.Get(model, passThrough);
            var (format, seconds) = ModelCatalog.ResolveFormat(info, resolution, null, duration);
            _tally.Add(info, format, seconds, groupRatio, count);
        }

        private static string? Text(PSObject item, string name) =>
            item.Properties[name]?.Value is { } value && value.ToString() is { Length: > 0 } text ? text : null;

        private static int? Number(PSObject item, string name) => WholeNumbers.Duration(Text(item, name), name);
    }
}
