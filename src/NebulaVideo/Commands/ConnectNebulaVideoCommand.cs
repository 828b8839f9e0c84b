using System;
using System.Management.Automation;
using System.Security;
using NebulaVideo.Core.Http;

namespace NebulaVideo.Commands
{
    /// <summary>What Connect-NebulaVideo reports: where requests go and where the key came from, never the key.</summary>
    public sealed class NebulaConnectionInfo
    {
        internal NebulaConnectionInfo(GatewayConnection connection)
        {
            BaseUri = connection.BaseUri;
            KeySource = connection.KeySource;
        }

        public Uri BaseUri { get; }
        public string KeySource { get; }
    }

    /// <summary>Sets the gateway address and API key for this PowerShell session.</summary>
    [Cmdlet(VerbsCommunications.Connect, "NebulaVideo")]
    [OutputType(typeof(NebulaConnectionInfo))]
    public sealed class ConnectNebulaVideoCommand : NebulaCmdlet
    {
        /// <summary>The key, as a SecureString (Read-Host -AsSecureString, Get-Secret). Defaults to NEBULA_API_KEY.</summary>
        [Parameter(Position = 0, ValueFromPipeline = true)]
        public SecureString? ApiKey { get; set; }

        /// <summary>The gateway's address. Defaults to NEBULA_BASE_URI, else https://llm.ai-nebula.com.</summary>
        [Parameter(Position = 1)]
        public Uri? BaseUri { get; set; }

        protected override void ProcessRecord() => ForEachItem(() =>
        {
            // No key given: adopt the environment's, so -BaseUri alone still connects.
            var connection = ApiKey is null
                ? new GatewayConnection(BaseUri ?? SessionConnections.DefaultBaseUri(), SessionConnections.ResolveFromEnvironment(), SessionConnections.ApiKeyVariable)
                : new GatewayConnection(BaseUri ?? SessionConnections.DefaultBaseUri(), ApiKey, "Connect-NebulaVideo");
            SessionConnections.Set(connection);
            WriteObject(new NebulaConnectionInfo(connection));
        });
    }
}
