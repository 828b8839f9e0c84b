using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using NebulaVideo.Core;
using NebulaVideo.Core.Catalog;
using NebulaVideo.Core.Gateways;
using NebulaVideo.Core.Submissions;

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

        /// <summary>
        /// Requests (CSV rows), image files or tasks. Each counts as the videos New-NebulaVideo would make of it, priced
        /// by the values it would send: its columns as New-NebulaVideo binds them, this command's parameters first.
        /// </summary>
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
                    if (item.BaseObject is VideoTask task)
                    {
                        // Made already: priced as it was made. A task of a model passed through unlisted counts at an unknown price.
                        var info = ModelCatalog.Current.Get(task.Model, Dialects.Find(task.Dialect));
                        _tally.Add(info, task.Resolution, task.Duration, task.GroupRatio, 1);
                        return;
                    }
                    if (PipelineColumns.IsRow(item)) PipelineColumns.NewVideo.Check(item, _ignoredColumns);
                    AddRequest(item);
                });
        }

        private readonly List<string> _ignoredColumns = new List<string>();

        /// <summary>
        /// One piped request as New-NebulaVideo would submit it: a parameter given here wins over the item's column, as
        /// a parameter on New-NebulaVideo's command line does; the model, seconds and resolution or frame size come from
        /// the same code (for sora-2, the frame size from the image's orientation); each file a wildcard matches is a video.
        /// </summary>
        private void AddRequest(PSObject item)
        {
            string? Field(string parameter) => PipelineColumns.NewVideo.Text(item, parameter);
            var model = SubmissionEngine.ChooseModel(Connections, Model ?? Field("Model"), Field("Connection"), allowUnknownModel: false);
            var resolution = Resolution ?? Field("Resolution");
            var size = Resolution is null ? Field("Size") : null;
            var duration = Duration ?? WholeNumbers.Duration(Field("Duration"));
            var images = Images(item);
            foreach (var image in images.Count == 0 ? new string?[] { null } : images.ToArray<string?>())
            {
                // The image is read only when its orientation decides the price (sora-2 without a size).
                var orientation = image is not null && model.ImageMatchesSize && size is null && resolution is null ? Probe(image, model) : null;
                var resolved = ModelCatalog.ResolveResolution(model, resolution, size, duration, orientation);
                _tally.Add(model, resolved.Resolution, resolved.Duration, GroupRatio, 1);
            }
        }

        // The images New-NebulaVideo would take from the item: a piped file, a path given as text, or a row's Path,
        // LiteralPath or ImageUrl. The disk is asked only where a wildcard makes one path several videos.
        private IReadOnlyList<string> Images(PSObject item)
        {
            var path = item.BaseObject switch
            {
                System.IO.FileSystemInfo file => file.FullName,
                string text => text,
                _ => PipelineColumns.NewVideo.Text(item, "Path"),
            };
            if (path is not null && !VideoRequestCmdlet.IsUrl(path))
                return WildcardPattern.ContainsWildcardCharacters(path) ? ImageFiles(path) : new[] { path };
            return (path ?? PipelineColumns.NewVideo.Text(item, "LiteralPath") ?? PipelineColumns.NewVideo.Text(item, "ImageUrl")) is string image
                ? new[] { image } : Array.Empty<string>();
        }

        private Core.Images.ImageInfo? Probe(string image, ModelInfo model) =>
            (VideoRequestCmdlet.IsUrl(image) ? Core.Images.ImageInput.FromUrl(image, model.MaxImageBytes) : Core.Images.ImageInput.FromFile(ImageFile(image), model.MaxImageBytes)).Info;

        protected override void EndProcessing()
        {
            if (_ignoredColumns.Count > 0)
                WriteWarning(PipelineColumns.NewVideo.Ignored(_ignoredColumns));
            WriteObject(_tally.Groups, enumerateCollection: true);
            var total = _tally.Total;
            if (total.UnpricedCount > 0)
                WriteWarning($"{total.UnpricedCount} of {total.Count} videos have no published price, so the total is unknown"
                    + (total.UnpricedCount < total.Count ? $"; the priced ones come to {Money.Usd(total.PricedCostUsd)} USD" : string.Empty)
                    + ". Submitted tasks report the credits the gateway reserves (CreditsReserved); a price in the catalog file makes them priced.");
            WriteObject(total);
        }

        private void Add(string? model, string? resolution, int? duration, decimal groupRatio, int count)
        {
            // The same checks as a real submission, so an estimate never prices a video that cannot be made.
            var info = SubmissionEngine.ChooseModel(Connections, model, null, allowUnknownModel: false);
            var resolved = ModelCatalog.ResolveResolution(info, resolution, null, duration);
            _tally.Add(info, resolved.Resolution, resolved.Duration, groupRatio, count);
        }
    }
}
