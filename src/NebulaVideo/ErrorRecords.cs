using System;
using System.Management.Automation;
using NebulaVideo.Core;

namespace NebulaVideo
{
    internal static class ErrorRecords
    {
        /// <summary>
        /// An ErrorRecord with the exception's stable id (PowerShell appends the cmdlet's name), the category
        /// of the same name as its kind, the offending input as target and what to do as the recommendation.
        /// </summary>
        public static ErrorRecord From(NebulaVideoException ex) => From(ex, null);

        /// <summary>
        /// The same, for an error of one piped item: the item is the target and its label leads the message, while the
        /// exception (and what it says of the offending value) stays as it was.
        /// </summary>
        public static ErrorRecord From(NebulaVideoException ex, (object Target, string Label)? item)
        {
            var category = Enum.TryParse<ErrorCategory>(ex.Kind.ToString(), out var parsed) ? parsed : ErrorCategory.NotSpecified;
            var record = new ErrorRecord(ex, ex.Id.Name, category, item?.Target ?? ex.Target);
            var message = item is { } piped ? $"{piped.Label}: {ex.Message}" : ex.Message;
            if (ex.RecommendedAction is string action || item is not null)
                record.ErrorDetails = new ErrorDetails(message) { RecommendedAction = ex.RecommendedAction };
            return record;
        }
    }
}
