using System;
using System.IO;
using System.Net.Http;
using NebulaVideo.Core.Http;
using NebulaVideo.Core.Storage;

namespace NebulaVideo.Core
{
    /// <summary>
    /// The one definition of a failure that may pass by itself, so trying again (a read's retry) or waiting on (a
    /// task whose reads keep failing) makes sense. Creates never use it: only a 429 proves a create was not made.
    /// </summary>
    public static class Transient
    {
        /// <summary>Statuses worth another try: a timeout, a throttle, the gateway busy or briefly broken.</summary>
        public static bool IsStatus(int status) => status == 408 || status == 429 || status >= 500;

        /// <param name="ex">A failure of one attempt, or what was left after the last one.</param>
        /// <param name="taskIsNew">True while a 404 may only mean the gateway has not caught up with a task created moments ago.</param>
        public static bool Is(Exception ex, bool taskIsNew = false) => ex switch
        {
            GatewayException { HttpStatus: 404 } => taskIsNew,
            GatewayException gateway => IsStatus(gateway.HttpStatus),
            StorageStatusException storage => IsStatus(storage.Status),
            AttemptTimeoutException or HttpRequestException or IOException => true,
            NebulaVideoException known => known.Id == ErrorIds.GatewayTimeout || known.Id == ErrorIds.GatewayUnreachable
                || known.Id == ErrorIds.GatewayConnectionLost || known.Id == ErrorIds.DownloadIncomplete,
            _ => false,
        };
    }
}
