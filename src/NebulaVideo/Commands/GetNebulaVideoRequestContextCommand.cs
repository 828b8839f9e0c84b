using System.Management.Automation;
using NebulaVideo.Core.Http;

namespace NebulaVideo.Commands
{
    /// <summary>Shows how patient this session is with gateways (see Set-NebulaVideoRequestContext).</summary>
    [Cmdlet(VerbsCommon.Get, "NebulaVideoRequestContext")]
    [OutputType(typeof(ClientOptions))]
    public sealed class GetNebulaVideoRequestContextCommand : NebulaVideoCmdlet
    {
        protected override void EndProcessing() => WriteObject(SessionConnections.RequestOptions);
    }
}
