using System.Collections.Generic;
using System.Linq;

namespace NebulaVideo.Core.Catalog
{
    /// <summary>
    /// The estimated cost of a group of like videos, or (IsTotal) of everything measured. Where no price is
    /// published, EstimatedCostUsd is null ("unknown"), never 0.
    /// </summary>
    public sealed record CostEstimate
    {
        public string? Model { get; init; }
        public string? Resolution { get; init; }
        public int? Duration { get; init; }
        public int Count { get; init; }
        public decimal? PricePerSecondUsd { get; init; }
        public decimal GroupRatio { get; init; } = 1m;

        /// <summary>USD; null when the price of any video counted is unknown.</summary>
        public decimal? EstimatedCostUsd { get; init; }

        /// <summary>The total row: the USD of the videos whose price is known.</summary>
        public decimal PricedCostUsd { get; init; }

        /// <summary>How many of the videos counted have no known price.</summary>
        public int UnpricedCount { get; init; }

        public bool IsPriceKnown => EstimatedCostUsd is not null;
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
            resolution = model.ResolutionOrDefault(resolution);
            var index = _groups.FindIndex(g => g.Model == model.Name && string.Equals(g.Resolution, resolution, System.StringComparison.OrdinalIgnoreCase)
                                               && g.Duration == seconds && g.GroupRatio == groupRatio);
            var group = index >= 0 ? _groups[index] : new CostEstimate
            {
                Model = model.Name, Resolution = resolution, Duration = seconds, PricePerSecondUsd = model.PricePerSecond(resolution), GroupRatio = groupRatio,
            };
            var each = model.EstimateCost(resolution, seconds, groupRatio);
            var total = group.Count + count;
            group = group with
            {
                Count = total,
                EstimatedCostUsd = each * total,
                PricedCostUsd = (each ?? 0m) * total,
                UnpricedCount = each is null ? total : 0,
            };
            if (index >= 0) _groups[index] = group;
            else _groups.Add(group);
        }

        public IReadOnlyList<CostEstimate> Groups => _groups;

        public CostEstimate Total
        {
            get
            {
                var unpriced = _groups.Sum(g => g.UnpricedCount);
                var priced = _groups.Sum(g => g.PricedCostUsd);
                return new CostEstimate
                {
                    Count = _groups.Sum(g => g.Count),
                    EstimatedCostUsd = unpriced == 0 ? priced : (decimal?)null,
                    PricedCostUsd = priced,
                    UnpricedCount = unpriced,
                    IsTotal = true,
                };
            }
        }
    }
}
