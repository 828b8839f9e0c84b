using System;
using System.IO;
using System.Net.Http;
using NebulaVideo.Core.Http;

namespace NebulaVideo.Core.Storage
{
    /// <summary>
    /// What is left of a storage call after its retries, as an error the user can act on: the store's address (never a
    /// query), the status and the service's code, and what to do. Free of the Azure SDK, like every message it makes:
    /// none repeats a key, a token or the service's answer text.
    /// </summary>
    internal sealed class StorageFailures
    {
        private readonly string _location;
        private readonly bool _hasKey;
        private readonly ClientOptions _options;
        private readonly string _resource;
        private readonly (string Access, string Missing)? _tokenAdvice;

        // resource: what location is, in the messages ("container", "table"). tokenAdvice: what to do, reached by a token,
        // when access is refused or the resource is missing; the container's write token's by default.
        public StorageFailures(string location, bool hasKey, ClientOptions options, string resource = "container", (string Access, string Missing)? tokenAdvice = null)
        {
            _location = location;
            _hasKey = hasKey;
            _options = options;
            _resource = resource;
            _tokenAdvice = tokenAdvice;
        }

        private string Attempts => _options.MaxReadRetries == 0 ? "1 attempt" : $"{_options.MaxReadRetries + 1} attempts";

        /// <summary>
        /// The error for <paramref name="failure"/>, or null for what is not a storage failure (a cancellation, a bug):
        /// those go on as they are.
        /// </summary>
        /// <param name="failure">What the last attempt ended with.</param>
        /// <param name="operation">What was being done, for the message ("the upload of nebulavideo/ab12.png").</param>
        /// <param name="target">What the error is about: the file being staged, else the container.</param>
        /// <param name="otherwise">The id of an answer that is neither a refusal nor a missing container.</param>
        public NebulaVideoException? Describe(Exception failure, string operation, object target, ErrorId otherwise) => failure switch
        {
            NebulaVideoException known => known,
            StorageStatusException { Status: 401 or 403 } refused => new NebulaVideoException(ErrorIds.StorageAccessDenied,
                $"Azure Storage refused {operation} in {_location} ({refused.Message}).", target, AccessAdvice(refused.ErrorCode)),
            StorageStatusException { Status: 404 } => ContainerMissing(operation, target),
            StorageStatusException answer => new NebulaVideoException(otherwise,
                $"Azure Storage answered {answer.Message} to {operation} in {_location}{(Transient.IsStatus(answer.Status) ? $", in {Attempts}" : string.Empty)}.",
                target, Transient.IsStatus(answer.Status)
                    ? "Try again later: Azure Storage was busy or briefly failing. Set-NebulaVideoRequestContext -MaxRetry gives it more attempts."
                    : "Check the storage account's settings (a firewall, a policy or a lock on the container) for what refuses this request."),
            AttemptTimeoutException timeout => new NebulaVideoException(ErrorIds.StorageTimeout,
                $"{Capital(operation)} in {_location}: no answer within {_options.RequestTimeout.TotalSeconds:0} s, in {Attempts}.", target,
                "Check the network to the storage account, or give it longer: Set-NebulaVideoRequestContext -RequestTimeoutSec, -MaxRetry.", timeout),
            HttpRequestException or IOException => new NebulaVideoException(ErrorIds.StorageUnreachable,
                $"Cannot reach Azure Storage at {Authority} for {operation}, in {Attempts}: {failure.Message}", target,
                "Check the network (and any proxy) to the storage account, and the account name or endpoint in the connection string or container address.", failure),
            StorageEndpointException => new NebulaVideoException(ErrorIds.StorageRequestFailed, failure.Message, target,
                "Report this: the storage request was about to leave the store's own endpoint, and was stopped."),
            _ => null,
        };

        /// <summary>The container is not there (and, where this store tried, could not be created).</summary>
        public NebulaVideoException ContainerMissing(string operation, object target, StorageStatusException? creating = null)
        {
            var why = creating is null ? string.Empty : $"; creating it was refused ({creating.Message})";
            return new NebulaVideoException(ErrorIds.StorageContainerUnavailable,
                $"The {_resource} {_location} does not exist{why}, so {operation} failed.", target,
                _hasKey
                    ? $"Check the {_resource}'s name and the account in the connection string; the store creates a missing {_resource} itself when the key allows it."
                    : _tokenAdvice?.Missing ?? "Create the container (az storage container create, or the portal), or give a write token allowed to create it, then try again.");
        }

        private string AccessAdvice(string? code) => _hasKey
            ? code == "AuthorizationPermissionMismatch"
                ? "The storage account does not let its key do this: check its settings ('Allow storage account key access') and any policy on the container."
                : "Check the account key in the connection string (a rotated key makes older connection strings fail), and that the storage account allows key access from this network."
            : _tokenAdvice?.Access ?? "Check the write token: it must be for this container, still valid, and grant create and write (sp=cw); mint a new one if in doubt.";

        private string Authority => new Uri(_location).GetLeftPart(UriPartial.Authority);

        private static string Capital(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text.Substring(1);
    }
}
