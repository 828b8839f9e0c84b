using System.Threading;
using System.Threading.Tasks;
using NebulaVideo.Core.Catalog;
using NebulaVideo.Core.Gateways;
using NebulaVideo.Core.Tasks;

namespace NebulaVideo.Core.Tests
{
    /// <summary>The tests' shorthand for preparing and posting a request in one call (the product prepares once, in the engine).</summary>
    internal static class ClientExtensions
    {
        public static Task<VideoTask> SubmitAsync(this GatewayClient client, VideoRequest request, ModelInfo model, CancellationToken cancellationToken,
            ITaskJournal? journal = null, bool force = false) =>
            client.SubmitAsync(client.Prepare(request, model), cancellationToken, journal, force);
    }
}
