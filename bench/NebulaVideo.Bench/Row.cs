using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace NebulaVideo.Bench;

/// <summary>One line of the table: what was measured, and what issue 8 asks of it.</summary>
internal sealed record Row(string Metric, string Measured, string Goal)
{
    public static void Print(IReadOnlyList<Row> rows, TextWriter output)
    {
        var all = new[] { new Row("metric", "measured", "goal") }.Concat(rows).ToList();
        var metric = all.Max(r => r.Metric.Length);
        var measured = all.Max(r => r.Measured.Length);
        for (var i = 0; i < all.Count; i++)
        {
            output.WriteLine($"{all[i].Metric.PadRight(metric)} | {all[i].Measured.PadRight(measured)} | {all[i].Goal}");
            if (i == 0) output.WriteLine($"{new string('-', metric)}-|-{new string('-', measured)}-|-{new string('-', Math.Max(4, all.Max(r => r.Goal.Length)))}");
        }
    }
}
