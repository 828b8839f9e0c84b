using System;
using System.Collections.Generic;
using NebulaVideo.Core.Catalog;

namespace NebulaVideo.Core.Gateways
{
    /// <summary>
    /// Everything one gateway's wire format decides: where requests go, what their bodies hold, how task
    /// answers, status words and error bodies read, and how a finished video is fetched. A new gateway is
    /// one implementation of this (in a folder of its own) plus catalog entries for its models.
    /// </summary>
    public interface IGatewayDialect
    {
        /// <summary>The name users pass to -Dialect and catalog entries name ("Nebula", "Unified").</summary>
        string Name { get; }

        /// <summary>The public gateway's address, with any path prefix it has.</summary>
        Uri DefaultBaseUri { get; }

        /// <summary>The environment variables a runbook sets instead of calling Connect-NebulaVideo.</summary>
        string ApiKeyVariable { get; }
        string BaseUriVariable { get; }

        /// <summary>The model used when a request names none and this dialect serves it.</summary>
        string DefaultModel { get; }

        /// <summary>False when the gateway takes images only as URLs it fetches itself (no inline data).</summary>
        bool AcceptsInlineImages { get; }

        /// <summary>True when a bare task id has this dialect's shape (so it can be routed without a connection name).</summary>
        bool OwnsTaskId(string taskId);

        /// <summary>An id of this dialect's shape that no task has: reading it checks a key without spending anything.</summary>
        string KeyCheckTaskId { get; }

        /// <summary>Paths relative to the connection's base URI.</summary>
        string SubmitPath { get; }
        string TaskPath(string taskId);

        /// <summary>The body fields the module itself writes for a model (-Parameter may not set them).</summary>
        IReadOnlyCollection<string> ManagedFields(ModelInfo model);

        /// <summary>The JSON body of a submission, for a request the catalog has resolved, extra fields included.</summary>
        byte[] BuildSubmitBody(VideoRequest request, ModelInfo model);

        /// <summary>Any task answer in the normalized shape, keeping from <paramref name="known"/> what the gateway does not repeat.</summary>
        VideoTask ParseTask(string json, VideoTask known);

        /// <summary>An error answer as a <see cref="GatewayException"/>, with whatever the provider said.</summary>
        GatewayException ParseError(int httpStatus, string body, object? target = null, TimeSpan? retryAfter = null);

        /// <summary>
        /// Where a finished task's video comes from: null to fetch <see cref="VideoTask.VideoUrl"/> (a signed
        /// link, sent without the key), or a path on the gateway whose answer carries the video as base64.
        /// </summary>
        string? Base64DownloadPath(VideoTask task);

        /// <summary>A catalog entry for a model the user passes through unlisted: the dialect's general request shape, nothing checked.</summary>
        ModelInfo PassThroughModel(string name);
    }
}
