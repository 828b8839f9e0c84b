using System;

namespace NebulaVideo.Core
{
    /// <summary>Which failures may pass by themselves, so waiting on (or trying again later) makes sense.</summary>
    public static class Transient
    {
        public static bool Is(Exception ex) => ex switch
        {
            GatewayException gateway => gateway.IsTransient,
            NebulaVideoException known => known.Id == ErrorIds.GatewayTimeout || known.Id == ErrorIds.GatewayUnreachable
                || known.Id == ErrorIds.GatewayConnectionLost,
            _ => false,
        };
    }
}
