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
        public static ErrorRecord From(NebulaVideoException ex)
        {
            var category = Enum.TryParse<ErrorCategory>(ex.Kind.ToString(), out var parsed) ? parsed : ErrorCategory.NotSpecified;
            var record = new ErrorRecord(ex, ex.ErrorId, category, ex.Target);
            if (ex.RecommendedAction is string action)
                record.ErrorDetails = new ErrorDetails(ex.Message) { RecommendedAction = action };
            return record;
        }
    }
}
