namespace NebulaVideo.Core
{
    /// <summary>A stable error id and the one kind (PowerShell category) it always has.</summary>
    public sealed class ErrorId
    {
        internal ErrorId(string name, ErrorKind kind)
        {
            Name = name;
            Kind = kind;
        }

        /// <summary>The id scripts match on ("ImageTooLarge"); PowerShell appends the cmdlet's name.</summary>
        public string Name { get; }

        public ErrorKind Kind { get; }

        public override string ToString() => Name;
    }

    /// <summary>
    /// Every error id the module writes, each with its one kind. Ids are part of the public contract
    /// (scripts catch them), so they are listed here once and never renamed.
    /// </summary>
    public static class ErrorIds
    {
        // Input: refused before anything is sent.
        public static readonly ErrorId PromptRequired = new ErrorId(nameof(PromptRequired), ErrorKind.InvalidArgument);
        public static readonly ErrorId PromptTooLong = new ErrorId(nameof(PromptTooLong), ErrorKind.InvalidArgument);
        public static readonly ErrorId UnknownModel = new ErrorId(nameof(UnknownModel), ErrorKind.InvalidArgument);
        public static readonly ErrorId DurationNotSupported = new ErrorId(nameof(DurationNotSupported), ErrorKind.InvalidArgument);
        public static readonly ErrorId ResolutionNotSupported = new ErrorId(nameof(ResolutionNotSupported), ErrorKind.InvalidArgument);
        public static readonly ErrorId SizeNotSupported = new ErrorId(nameof(SizeNotSupported), ErrorKind.InvalidArgument);
        public static readonly ErrorId SizeConflict = new ErrorId(nameof(SizeConflict), ErrorKind.InvalidArgument);
        public static readonly ErrorId ParameterNotSupported = new ErrorId(nameof(ParameterNotSupported), ErrorKind.InvalidArgument);
        public static readonly ErrorId ParameterConflict = new ErrorId(nameof(ParameterConflict), ErrorKind.InvalidArgument);
        public static readonly ErrorId SeedOutOfRange = new ErrorId(nameof(SeedOutOfRange), ErrorKind.InvalidArgument);
        public static readonly ErrorId SeedInvalid = new ErrorId(nameof(SeedInvalid), ErrorKind.InvalidArgument);
        public static readonly ErrorId DurationInvalid = new ErrorId(nameof(DurationInvalid), ErrorKind.InvalidArgument);
        public static readonly ErrorId AudioUrlInvalid = new ErrorId(nameof(AudioUrlInvalid), ErrorKind.InvalidArgument);
        public static readonly ErrorId CallbackUrlInvalid = new ErrorId(nameof(CallbackUrlInvalid), ErrorKind.InvalidArgument);
        public static readonly ErrorId RemixSourceInvalid = new ErrorId(nameof(RemixSourceInvalid), ErrorKind.InvalidArgument);
        public static readonly ErrorId RemixWithImage = new ErrorId(nameof(RemixWithImage), ErrorKind.InvalidArgument);
        public static readonly ErrorId ImageRequired = new ErrorId(nameof(ImageRequired), ErrorKind.InvalidArgument);
        public static readonly ErrorId ImageGivenTwice = new ErrorId(nameof(ImageGivenTwice), ErrorKind.InvalidArgument);
        public static readonly ErrorId ImageUrlRequired = new ErrorId(nameof(ImageUrlRequired), ErrorKind.InvalidArgument);
        // A script block registered as the image store (Connect-NebulaVideoStorage -ScriptBlock) threw or answered no URL.
        public static readonly ErrorId StagingScriptFailed = new ErrorId(nameof(StagingScriptFailed), ErrorKind.InvalidResult);
        // Remove-NebulaVideoStagedImage without an Azure Blob image store in the session.
        public static readonly ErrorId StorageNotConnected = new ErrorId(nameof(StorageNotConnected), ErrorKind.InvalidOperation);
        public static readonly ErrorId ImageUrlInvalid = new ErrorId(nameof(ImageUrlInvalid), ErrorKind.InvalidArgument);
        public static readonly ErrorId ImagePathInvalid = new ErrorId(nameof(ImagePathInvalid), ErrorKind.InvalidArgument);
        public static readonly ErrorId ImageNotOnFileSystem = new ErrorId(nameof(ImageNotOnFileSystem), ErrorKind.InvalidArgument);
        public static readonly ErrorId ImageNotFound = new ErrorId(nameof(ImageNotFound), ErrorKind.ObjectNotFound);
        public static readonly ErrorId ImageUnreadable = new ErrorId(nameof(ImageUnreadable), ErrorKind.ReadError);
        public static readonly ErrorId ImageFormatNotSupported = new ErrorId(nameof(ImageFormatNotSupported), ErrorKind.InvalidData);
        public static readonly ErrorId ImageTooLarge = new ErrorId(nameof(ImageTooLarge), ErrorKind.InvalidData);
        public static readonly ErrorId ImageDimensionsNotSupported = new ErrorId(nameof(ImageDimensionsNotSupported), ErrorKind.InvalidData);
        public static readonly ErrorId ImageTransparencyNotSupported = new ErrorId(nameof(ImageTransparencyNotSupported), ErrorKind.InvalidData);
        public static readonly ErrorId ImageSizeMismatch = new ErrorId(nameof(ImageSizeMismatch), ErrorKind.InvalidData);
        public static readonly ErrorId PathTakesOneTask = new ErrorId(nameof(PathTakesOneTask), ErrorKind.InvalidArgument);
        public static readonly ErrorId PathNotOnFileSystem = new ErrorId(nameof(PathNotOnFileSystem), ErrorKind.InvalidArgument);
        public static readonly ErrorId PathInvalid = new ErrorId(nameof(PathInvalid), ErrorKind.InvalidArgument);
        public static readonly ErrorId NameTemplateInvalid = new ErrorId(nameof(NameTemplateInvalid), ErrorKind.InvalidArgument);
        public static readonly ErrorId SourceRootMismatch = new ErrorId(nameof(SourceRootMismatch), ErrorKind.InvalidArgument);
        public static readonly ErrorId CatalogFileInvalid = new ErrorId(nameof(CatalogFileInvalid), ErrorKind.InvalidData);
        public static readonly ErrorId ColumnNotBound = new ErrorId(nameof(ColumnNotBound), ErrorKind.InvalidArgument);
        public static readonly ErrorId ImageIsFolder = new ErrorId(nameof(ImageIsFolder), ErrorKind.InvalidArgument);
        public static readonly ErrorId BudgetExceeded = new ErrorId(nameof(BudgetExceeded), ErrorKind.LimitsExceeded);
        public static readonly ErrorId BudgetPriceUnknown = new ErrorId(nameof(BudgetPriceUnknown), ErrorKind.LimitsExceeded);

        // Connections and configuration.
        public static readonly ErrorId ApiKeyMissing = new ErrorId(nameof(ApiKeyMissing), ErrorKind.AuthenticationError);
        public static readonly ErrorId BaseUriInvalid = new ErrorId(nameof(BaseUriInvalid), ErrorKind.InvalidArgument);
        public static readonly ErrorId BaseUriInsecure = new ErrorId(nameof(BaseUriInsecure), ErrorKind.InvalidArgument);
        public static readonly ErrorId DialectUnknown = new ErrorId(nameof(DialectUnknown), ErrorKind.InvalidArgument);
        public static readonly ErrorId ConnectionNotFound = new ErrorId(nameof(ConnectionNotFound), ErrorKind.ObjectNotFound);
        public static readonly ErrorId ConnectionDialectMismatch = new ErrorId(nameof(ConnectionDialectMismatch), ErrorKind.InvalidArgument);
        public static readonly ErrorId TaskFromOtherGateway = new ErrorId(nameof(TaskFromOtherGateway), ErrorKind.InvalidOperation);

        // Gateway answers.
        public static readonly ErrorId GatewayRejectedRequest = new ErrorId(nameof(GatewayRejectedRequest), ErrorKind.InvalidArgument);
        public static readonly ErrorId GatewayAuthenticationFailed = new ErrorId(nameof(GatewayAuthenticationFailed), ErrorKind.AuthenticationError);
        public static readonly ErrorId GatewayPermissionDenied = new ErrorId(nameof(GatewayPermissionDenied), ErrorKind.PermissionDenied);
        public static readonly ErrorId GatewayTaskNotFound = new ErrorId(nameof(GatewayTaskNotFound), ErrorKind.ObjectNotFound);
        public static readonly ErrorId GatewayModelNotFound = new ErrorId(nameof(GatewayModelNotFound), ErrorKind.ObjectNotFound);
        public static readonly ErrorId GatewayRateLimited = new ErrorId(nameof(GatewayRateLimited), ErrorKind.LimitsExceeded);
        public static readonly ErrorId GatewayServerError = new ErrorId(nameof(GatewayServerError), ErrorKind.ConnectionError);
        public static readonly ErrorId GatewayError = new ErrorId(nameof(GatewayError), ErrorKind.ConnectionError);
        public static readonly ErrorId GatewayUnreachable = new ErrorId(nameof(GatewayUnreachable), ErrorKind.ConnectionError);
        public static readonly ErrorId GatewayTimeout = new ErrorId(nameof(GatewayTimeout), ErrorKind.OperationTimeout);
        public static readonly ErrorId GatewayConnectionLost = new ErrorId(nameof(GatewayConnectionLost), ErrorKind.ConnectionError);
        public static readonly ErrorId ResponseTooLarge = new ErrorId(nameof(ResponseTooLarge), ErrorKind.InvalidData);
        public static readonly ErrorId SubmitOutcomeUnknown = new ErrorId(nameof(SubmitOutcomeUnknown), ErrorKind.OperationStopped);

        // The image store: the user's own Azure Blob container, where local images are staged for gateways that take URLs.
        public static readonly ErrorId StorageSettingInvalid = new ErrorId(nameof(StorageSettingInvalid), ErrorKind.InvalidArgument);
        public static readonly ErrorId StorageReadTokenTooBroad = new ErrorId(nameof(StorageReadTokenTooBroad), ErrorKind.InvalidArgument);
        public static readonly ErrorId StorageTokenExpired = new ErrorId(nameof(StorageTokenExpired), ErrorKind.InvalidArgument);
        public static readonly ErrorId StorageUnreachable = new ErrorId(nameof(StorageUnreachable), ErrorKind.ConnectionError);
        public static readonly ErrorId StorageTimeout = new ErrorId(nameof(StorageTimeout), ErrorKind.OperationTimeout);
        public static readonly ErrorId StorageAccessDenied = new ErrorId(nameof(StorageAccessDenied), ErrorKind.PermissionDenied);
        public static readonly ErrorId StorageContainerUnavailable = new ErrorId(nameof(StorageContainerUnavailable), ErrorKind.ObjectNotFound);
        public static readonly ErrorId StorageUploadFailed = new ErrorId(nameof(StorageUploadFailed), ErrorKind.WriteError);
        public static readonly ErrorId StorageRequestFailed = new ErrorId(nameof(StorageRequestFailed), ErrorKind.ConnectionError);

        // Tasks and their videos.
        public static readonly ErrorId TaskFailed = new ErrorId(nameof(TaskFailed), ErrorKind.InvalidResult);
        public static readonly ErrorId TaskNotSucceeded = new ErrorId(nameof(TaskNotSucceeded), ErrorKind.InvalidOperation);
        public static readonly ErrorId WaitTimeout = new ErrorId(nameof(WaitTimeout), ErrorKind.OperationTimeout);
        public static readonly ErrorId WaitFailed = new ErrorId(nameof(WaitFailed), ErrorKind.NotSpecified);
        public static readonly ErrorId VideoExpired = new ErrorId(nameof(VideoExpired), ErrorKind.ResourceUnavailable);
        public static readonly ErrorId VideoLinkMissing = new ErrorId(nameof(VideoLinkMissing), ErrorKind.InvalidResult);
        public static readonly ErrorId DownloadFailed = new ErrorId(nameof(DownloadFailed), ErrorKind.ResourceUnavailable);
        public static readonly ErrorId DownloadIncomplete = new ErrorId(nameof(DownloadIncomplete), ErrorKind.InvalidData);
        public static readonly ErrorId DownloadCorrupt = new ErrorId(nameof(DownloadCorrupt), ErrorKind.InvalidData);
        public static readonly ErrorId DownloadNotMp4 = new ErrorId(nameof(DownloadNotMp4), ErrorKind.InvalidData);
        public static readonly ErrorId FileExists = new ErrorId(nameof(FileExists), ErrorKind.ResourceExists);
        public static readonly ErrorId VideoBlobExists = new ErrorId(nameof(VideoBlobExists), ErrorKind.ResourceExists);
        public static readonly ErrorId PathIsDirectory = new ErrorId(nameof(PathIsDirectory), ErrorKind.ResourceExists);
        public static readonly ErrorId PathIsFile = new ErrorId(nameof(PathIsFile), ErrorKind.ResourceExists);
        public static readonly ErrorId FileWriteFailed = new ErrorId(nameof(FileWriteFailed), ErrorKind.WriteError);
        public static readonly ErrorId JournalUnwritable = new ErrorId(nameof(JournalUnwritable), ErrorKind.WriteError);
        public static readonly ErrorId JournalUnreadable = new ErrorId(nameof(JournalUnreadable), ErrorKind.ReadError);
    }
}
