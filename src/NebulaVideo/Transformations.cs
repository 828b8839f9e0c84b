using System;
using System.Globalization;
using System.Management.Automation;
using NebulaVideo.Core;

namespace NebulaVideo
{
    /// <summary>
    /// Treats an empty value as "not given". Import-Csv yields "" for an empty cell, which PowerShell would
    /// otherwise turn into 0 for a number and so into a real (and wrong) duration or seed.
    /// </summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class NullIfEmptyAttribute : ArgumentTransformationAttribute
    {
        public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData) =>
            Unwrap(inputData) is string s && string.IsNullOrWhiteSpace(s) ? null : inputData;

        internal static object? Unwrap(object? value) => value is PSObject pso ? pso.BaseObject : value;
    }

    /// <summary>
    /// Reads a switch from text the way a CSV means it: "true"/"false", "yes"/"no", "1"/"0", empty is off.
    /// (PowerShell alone would take any non-empty string, "false" included, as on.)
    /// </summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class FlagFromTextAttribute : ArgumentTransformationAttribute
    {
        public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
        {
            if (NullIfEmptyAttribute.Unwrap(inputData) is not string text) return inputData;
            switch (text.Trim().ToLowerInvariant())
            {
                case "": case "false": case "no": case "0": case "$false": return false;
                case "true": case "yes": case "1": case "$true": return true;
                default: throw new ArgumentTransformationMetadataException($"'{text}' is not a yes/no value; use true or false.");
            }
        }
    }

    /// <summary>Lets a task id parameter take a task object too (its TaskId), so tasks pipe and pass naturally.</summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class TaskIdTransformationAttribute : ArgumentTransformationAttribute
    {
        public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData) =>
            NullIfEmptyAttribute.Unwrap(inputData) switch
            {
                VideoTask task => task.TaskId,
                string s when string.IsNullOrWhiteSpace(s) => null,
                var other => other,
            };
    }

    internal static class Invariant
    {
        public static string Usd(decimal amount) => "$" + amount.ToString("0.####", CultureInfo.InvariantCulture);
    }
}
