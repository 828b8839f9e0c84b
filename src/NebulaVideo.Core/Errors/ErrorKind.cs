namespace NebulaVideo.Core
{
    /// <summary>
    /// What went wrong, in terms a caller can act on. The cmdlet layer maps each kind to a PowerShell
    /// ErrorCategory; Core stays free of PowerShell types.
    /// </summary>
    public enum ErrorKind
    {
        InvalidArgument,
        InvalidData,
        ObjectNotFound,
        ReadError,
        WriteError,
        ResourceExists,
        ResourceUnavailable,
        AuthenticationError,
        PermissionDenied,
        LimitsExceeded,
        ConnectionError,
        OperationTimeout,
        /// <summary>Stopped before its outcome was known (a submission whose answer never arrived).</summary>
        OperationStopped,
        InvalidResult,
        InvalidOperation,
        NotSpecified,
    }
}
