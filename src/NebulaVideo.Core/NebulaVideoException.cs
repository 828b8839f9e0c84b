using System;

namespace NebulaVideo.Core
{
    /// <summary>
    /// A failure the user can do something about. <see cref="ErrorId"/> is stable across releases so
    /// scripts can match on it; <see cref="Target"/> is the input that caused it.
    /// </summary>
    public class NebulaVideoException : Exception
    {
        public NebulaVideoException(string errorId, ErrorKind kind, string message, object? target = null,
            string? recommendedAction = null, Exception? innerException = null)
            : base(message, innerException)
        {
            ErrorId = errorId;
            Kind = kind;
            Target = target;
            RecommendedAction = recommendedAction;
        }

        public string ErrorId { get; }
        public ErrorKind Kind { get; }
        public object? Target { get; }
        public string? RecommendedAction { get; }
    }

    /// <summary>An error answer from a gateway: the HTTP status plus the provider's own code and message.</summary>
    public sealed class GatewayException : NebulaVideoException
    {
        public GatewayException(int httpStatus, string? providerCode, string providerMessage, object? target = null,
            TimeSpan? retryAfter = null)
            : base(ErrorIdFor(httpStatus), KindFor(httpStatus), Describe(httpStatus, providerCode, providerMessage),
                target, AdviceFor(httpStatus))
        {
            HttpStatus = httpStatus;
            ProviderCode = providerCode;
            ProviderMessage = providerMessage;
            RetryAfter = retryAfter;
        }

        public int HttpStatus { get; }
        public string? ProviderCode { get; }
        public string ProviderMessage { get; }
        public TimeSpan? RetryAfter { get; }

        /// <summary>Statuses worth another try of a read: the gateway is busy or briefly broken.</summary>
        public bool IsTransient => IsTransientStatus(HttpStatus);

        public static bool IsTransientStatus(int status) => status == 408 || status == 429 || status >= 500;

        private static string Describe(int status, string? code, string message) =>
            code is null ? $"The gateway answered {status}: {message}" : $"The gateway answered {status} {code}: {message}";

        private static string ErrorIdFor(int status) => status switch
        {
            400 => "GatewayRejectedRequest",
            401 => "GatewayAuthenticationFailed",
            402 or 403 => "GatewayPermissionDenied",
            404 => "GatewayTaskNotFound",
            429 => "GatewayRateLimited",
            _ when status >= 500 => "GatewayServerError",
            _ => "GatewayError",
        };

        private static ErrorKind KindFor(int status) => status switch
        {
            400 => ErrorKind.InvalidArgument,
            401 => ErrorKind.AuthenticationError,
            402 or 403 => ErrorKind.PermissionDenied,
            404 => ErrorKind.ObjectNotFound,
            429 => ErrorKind.LimitsExceeded,
            _ => ErrorKind.ConnectionError,
        };

        private static string AdviceFor(int status) => status switch
        {
            400 => "Correct the request as the gateway's message says, then submit it again.",
            401 => "Check the API key: Connect-NebulaVideo -ApiKey (Read-Host -AsSecureString), or set NEBULA_API_KEY.",
            402 or 403 => "Check the account's balance and its access to this model, then try again.",
            404 => "Check the task id; gateways keep tasks for 24 hours only.",
            429 => "Send fewer requests at once, or wait a minute and try again.",
            _ => "Try again later; the gateway had a temporary failure.",
        };
    }
}
