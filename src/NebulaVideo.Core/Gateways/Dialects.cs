using System;
using System.Collections.Generic;
using System.Linq;
using NebulaVideo.Core.Gateways.Nebula;
using NebulaVideo.Core.Gateways.Unified;

namespace NebulaVideo.Core.Gateways
{
    /// <summary>The dialects the module speaks. Adding a gateway adds one line here.</summary>
    public static class Dialects
    {
        public static readonly IGatewayDialect Nebula = new NebulaDialect();
        public static readonly IGatewayDialect Unified = new UnifiedDialect();

        public static IReadOnlyList<IGatewayDialect> All { get; } = new[] { Nebula, Unified };

        public static IGatewayDialect? Find(string? name) =>
            All.FirstOrDefault(d => string.Equals(d.Name, name, StringComparison.OrdinalIgnoreCase));

        public static IGatewayDialect Get(string name) =>
            Find(name) ?? throw new NebulaVideoException(ErrorIds.DialectUnknown,
                $"'{name}' is not a gateway dialect NebulaVideo speaks. It speaks: {string.Join(", ", All.Select(d => d.Name))}.", name,
                $"Use -Dialect {string.Join(" or ", All.Select(d => d.Name))}.");

        /// <summary>The dialect a bare task id belongs to by its shape; Nebula's ids (GUIDs, video_...) have no fixed shape, so it is the fallback.</summary>
        public static IGatewayDialect ForTaskId(string taskId) =>
            All.FirstOrDefault(d => d != Nebula && d.OwnsTaskId(taskId)) ?? Nebula;
    }
}
