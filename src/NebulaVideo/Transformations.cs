using System;
using System.Globalization;
using System.Linq;
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

    /// <summary>
    /// Lets a task parameter take what a task became on its way through a file: an object read back by
    /// Import-Clixml, Import-Csv or ConvertFrom-Json that has a TaskId. Its properties are copied onto a real
    /// task, so it keeps its gateway, connection, prompt and source image and goes back where it came from.
    /// </summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class TaskTransformationAttribute : ArgumentTransformationAttribute
    {
        private static readonly System.Reflection.PropertyInfo[] Settable =
            Array.FindAll(typeof(VideoTask).GetProperties(), p => p.CanWrite);

        public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData) =>
            NullIfEmptyAttribute.Unwrap(inputData) is object[] many ? Array.ConvertAll(many, One) : One(inputData);

        private static object? One(object? item)
        {
            if (item is not PSObject pso || pso.BaseObject is VideoTask || pso.Properties["TaskId"]?.Value is not { } id
                || string.IsNullOrWhiteSpace(id.ToString()))
                return item;
            var task = new VideoTask();
            foreach (var property in Settable)
            {
                var value = NullIfEmptyAttribute.Unwrap(pso.Properties[property.Name]?.Value);
                if (value is null || (value is string text && text.Length == 0)) continue;
                // A value that does not convert (a hand-edited CSV, say) is left out rather than failing the task.
                if (LanguagePrimitives.TryConvertTo(value, property.PropertyType, CultureInfo.InvariantCulture, out var converted))
                    property.SetValue(task, converted);
            }
            return task;
        }
    }

    /// <summary>
    /// Whole numbers from text, strictly: what does not read as one is an error for that item, never a
    /// default, because a default would be submitted and paid for.
    /// </summary>
    internal static class WholeNumbers
    {
        public static int? Duration(string? text, string parameter = "Duration")
        {
            if (text is null) return null;
            return int.TryParse(text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds) ? seconds
                : throw new NebulaVideoException(ErrorIds.DurationInvalid, $"-{parameter} '{text}' is not a whole number of seconds.", text,
                    "Give the video's length in seconds, e.g. 5 or 10 (Get-NebulaVideoModel lists each model's).");
        }

        public static long? Seed(string? text)
        {
            if (text is null) return null;
            var trimmed = text.Trim();
            if (long.TryParse(trimmed, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seed)) return seed;
            // Digits that overflow even a long are a seed out of range, not a malformed one.
            var digits = trimmed.TrimStart('-', '+');
            throw digits.Length > 0 && digits.All(char.IsDigit)
                ? new NebulaVideoException(ErrorIds.SeedOutOfRange, $"The seed {text} is outside 0..2147483647.", text, "Use a seed from 0 to 2147483647.")
                : new NebulaVideoException(ErrorIds.SeedInvalid, $"-Seed '{text}' is not a whole number.", text, "Use a seed from 0 to 2147483647, or leave it out.");
        }
    }
}
