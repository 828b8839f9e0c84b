using System;

namespace NebulaVideo.Core
{
    /// <summary>
    /// A failure the user can do something about. <see cref="Id"/> is stable across releases so
    /// scripts can match on its name; <see cref="Target"/> is the input that caused it.
    /// </summary>
    public class NebulaVideoException : Exception
    {
        public NebulaVideoException(ErrorId id, string message, object? target = null,
            string? recommendedAction = null, Exception? innerException = null)
            : base(message, innerException)
        {
            Id = id;
            Target = target;
            RecommendedAction = recommendedAction;
        }

        /// <summary>The stable id (its Name is what scripts match on) and its one kind.</summary>
        public ErrorId Id { get; }
        public ErrorKind Kind => Id.Kind;
        public object? Target { get; }
        public string? RecommendedAction { get; }
    }

    /// <summary>
    /// An error answer from a gateway: the HTTP status plus what the provider said about it (its code,
    /// type, the parameter at fault and its own suggestion), whichever of them its dialect carries.
    /// </summary>
    public sealed class GatewayException : NebulaVideoException
    {
        public GatewayException(int httpStatus, GatewayErrorDetails details, object? target = null, TimeSpan? retryAfter = null)
            : this(httpStatus, details, target, retryAfter, submitted: false)
        {
        }

        private GatewayException(int httpStatus, GatewayErrorDetails details, object? target, TimeSpan? retryAfter, bool submitted)
            : base(IdFor(httpStatus, submitted), Describe(httpStatus, details), target, AdviceFor(httpStatus, details, submitted))
        {
            HttpStatus = httpStatus;
            ProviderCode = details.Code;
            ProviderMessage = details.Message;
            ProviderType = details.Type;
            ProviderParameter = details.Parameter;
            FallbackSuggestion = details.FallbackSuggestion;
            RetryAfter = retryAfter;
            _details = details;
        }

        private readonly GatewayErrorDetails _details;

        /// <summary>
        /// The same answer to a submission rather than a read: there a 404 means the gateway does not serve
        /// the model (the unified gateway's "Specified model not found"), not that a task is gone.
        /// </summary>
        public GatewayException ForSubmission() => new GatewayException(HttpStatus, _details, Target, RetryAfter, submitted: true);

        public int HttpStatus { get; }

        /// <summary>
        /// The provider's own code ("InvalidApiKey", "invalid_task_id"); where its code only repeats the HTTP number,
        /// the error's type stands in ("insufficient_quota").
        /// </summary>
        public string? ProviderCode { get; }
        public string ProviderMessage { get; }
        public string? ProviderType { get; }

        /// <summary>The request field the gateway blamed ("model", "prompt").</summary>
        public string? ProviderParameter { get; }

        /// <summary>The gateway's own advice ("retry after 60 seconds"); shown as the recommended action.</summary>
        public string? FallbackSuggestion { get; }

        public TimeSpan? RetryAfter { get; }

        /// <summary>A status worth another try of a read (see <see cref="Transient"/>).</summary>
        public bool IsTransient => Transient.IsStatus(HttpStatus);

        private static string Describe(int status, GatewayErrorDetails d)
        {
            var code = d.Code ?? d.Type;
            var text = code is null ? $"The gateway answered {status}: {d.Message}" : $"The gateway answered {status} {code}: {d.Message}";
            return d.Parameter is null ? text : $"{text} (parameter '{d.Parameter}')";
        }

        private static ErrorId IdFor(int status, bool submitted) => status switch
        {
            400 => ErrorIds.GatewayRejectedRequest,
            401 => ErrorIds.GatewayAuthenticationFailed,
            402 or 403 => ErrorIds.GatewayPermissionDenied,
            404 when submitted => ErrorIds.GatewayModelNotFound,
            404 => ErrorIds.GatewayTaskNotFound,
            429 => ErrorIds.GatewayRateLimited,
            _ when status >= 500 => ErrorIds.GatewayServerError,
            _ => ErrorIds.GatewayError,
        };

        // The gateway's own suggestion comes first: it knows its limits better than any generic advice.
        private static string AdviceFor(int status, GatewayErrorDetails d, bool submitted)
        {
            var generic = status switch
            {
                404 when submitted => "Check the model name and that this connection's gateway serves it (Get-NebulaVideoModel shows each model's dialect).",
                400 => "Correct the request as the gateway's message says, then submit it again.",
                401 => "Check the API key of this connection: Connect-NebulaVideo -ApiKey (Read-Host -AsSecureString), or its environment variable.",
                402 or 403 => "Check the account's balance and its access to this model, then try again.",
                404 => "Check the task id and the connection; gateways keep tasks for 24 hours only.",
                429 => "Send fewer requests at once, or wait a minute and try again.",
                _ => "Try again later; the gateway had a temporary failure.",
            };
            return string.IsNullOrWhiteSpace(d.FallbackSuggestion) ? generic : $"The gateway suggests: {d.FallbackSuggestion}. {generic}";
        }
    }

    /// <summary>What an error body said, in the terms every dialect shares.</summary>
    public sealed record GatewayErrorDetails(string Message, string? Code = null, string? Type = null,
        string? Parameter = null, string? FallbackSuggestion = null);

    /// <summary>A task the gateway ended as failed, with the provider's own code and reason on the exception.</summary>
    public sealed class TaskFailedException : NebulaVideoException
    {
        public TaskFailedException(VideoTask task)
            : base(ErrorIds.TaskFailed,
                $"Task {task.TaskId} failed: {(task.ErrorCode is null ? string.Empty : task.ErrorCode + ": ")}{task.ErrorMessage ?? "no reason given"}",
                task, "Read the provider's reason; adjust the image or prompt and submit again.")
        {
            ProviderCode = task.ErrorCode;
            ProviderMessage = task.ErrorMessage;
        }

        /// <summary>The provider's code for the failure ("InvalidParameter.DataInspection", "content_policy_violation").</summary>
        public string? ProviderCode { get; }
        public string? ProviderMessage { get; }
    }
}
