using System;

namespace NebulaVideo.Core.Storage
{
    /// <summary>
    /// One storage call's error answer, in terms free of the Azure SDK so that <see cref="Transient"/> can judge it
    /// without loading the SDK. Carries the status and the service's error code only: never the answer's body, which
    /// may repeat what was signed.
    /// </summary>
    internal sealed class StorageStatusException : Exception
    {
        public StorageStatusException(int status, string? errorCode)
            : base(errorCode is null ? $"HTTP {status}" : $"HTTP {status} {errorCode}")
        {
            Status = status;
            ErrorCode = errorCode;
        }

        public int Status { get; }

        /// <summary>The service's x-ms-error-code ("AuthenticationFailed", "ContainerNotFound"), if it sent one.</summary>
        public string? ErrorCode { get; }
    }
}
