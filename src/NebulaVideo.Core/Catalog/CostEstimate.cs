using System.Collections.Generic;
using System.Linq;

namespace NebulaVideo.Core.Catalog
{
    /// <summary>The estimated cost of a group of like videos, or (IsTotal) of everything measured.</summary>
    public sealed record CostEstimate
    {
        public string? Model { get; init; }
        public string? Resolution { get; init; }
        public int? Duration { get; init; }
        public int Count { get; init; }
        public decimal? PricePerSecondUsd { get; init; }
        public decimal GroupRatio { get; init; } = 1m;
        public decimal EstimatedCostUsd { get; init; }
        public bool IsTotal { get; init; }
    }

    /// <summary>
    /// Adds up videos by model, resolution, duration and group ratio, priced exactly by the seed tables:
    /// price per second x seconds x group ratio x count.
    /// </summary>
    public sealed class CostTally
    {
        private readonly List<CostEstimate> _groups = new List<CostEstimate>();

        public void Add(ModelInfo model, string? resolution, int? duration, decimal groupRatio, int count)
        {
            var seconds = duration ?? model.DefaultDuration;
            var format = resolution ?? model.DefaultFormat;
            var price = model.PricePerSecond(format);
            var index = _groups.FindIndex(g => g.Model == model.Name && string.Equals(g.Resolution, format, System.StringComparison.OrdinalIgnoreCase)
                                               && g.Duration == seconds && g.GroupRatio == groupRatio);
            var group = index >= 0 ? _groups[index] : new CostEstimate
            {
                Model = model.Name, Resolution = format, Duration = seconds, PricePerSecondUsd = price, GroupRatio = groupRatio,
            };
            group = group with { Count = group.Count + count, EstimatedCostUsd = group.EstimatedCostUsd + model.EstimateCost(format, seconds, groupRatio) * count };
            if (index >= 0) _groups[index] = group;
            else _groups.Add(group);
        }

        public IReadOnlyList<CostEstimate> Groups => _groups;

        public CostEstimate Total => new CostEstimate
        {
            Count = _groups.Sum(g => g.Count),
            EstimatedCostUsd = _groups.Sum(g => g.EstimatedCostUsd),
            IsTotal = true,
        };
    }
}
