using System;
using System.Linq;
using System.Management.Automation;
using System.Security;
using NebulaVideo.Core.Connections;
using NebulaVideo.Core.Gateways;

namespace NebulaVideo.Commands
{
    /// <summary>
    /// Registers a gateway for this PowerShell session by name: its dialect, address and API key. Several
    /// can be connected at once; the first (or the one given -Default) is the default.
    /// </summary>
    [Cmdlet(VerbsCommunications.Connect, "NebulaVideo")]
    [OutputType(typeof(ConnectionSummary))]
    public sealed class ConnectNebulaVideoCommand : NebulaVideoCmdlet
    {
        /// <summary>The key, as a SecureString (Read-Host -AsSecureString, Get-Secret). Defaults to the dialect's environment variable.</summary>
        [Parameter(Position = 0, ValueFromPipeline = true)]
        public SecureString? ApiKey { get; set; }

        /// <summary>The gateway's address, path prefix included. Defaults to the dialect's environment variable, else its public address.</summary>
        [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
        public Uri? BaseUri { get; set; }

        /// <summary>The gateway's wire format: Nebula (the default) or Unified.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(DialectCompleter))]
        public string? Dialect { get; set; }

        /// <summary>How tasks and -Connection refer to it; defaults to the dialect's name. Connecting a name again replaces it.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string? Name { get; set; }

        /// <summary>Makes this the default connection (the first one is the default anyway).</summary>
        [Parameter]
        public SwitchParameter Default { get; set; }

        /// <summary>Checks the key against the gateway (a read that costs nothing) before registering the connection.</summary>
        [Parameter]
        public SwitchParameter Test { get; set; }

        protected override void ProcessRecord() => ForEachItem(() =>
        {
            var dialect = Dialect is null ? Dialects.Nebula : Dialects.Get(Dialect);
            var baseUri = BaseUri ?? Connections.EnvironmentBaseUri(dialect) ?? dialect.DefaultBaseUri;
            // No key given: adopt the environment's, so -BaseUri alone still connects.
            var connection = ApiKey is null
                ? new GatewayConnection(Name ?? dialect.Name, dialect, baseUri, EnvironmentKey(dialect), dialect.ApiKeyVariable)
                : new GatewayConnection(Name ?? dialect.Name, dialect, baseUri, ApiKey, "Connect-NebulaVideo");
            if (Test.IsPresent)
            {
                // A refused key is this item's error and registers nothing: the session keeps what worked before.
                var client = new GatewayClient(connection, SessionConnections.RequestOptions, message => Post(() => WriteVerbose(message)));
                Run(async ct =>
                {
                    await client.CheckKeyAsync(ct).ConfigureAwait(false);
                    return true;
                });
                WriteVerbose($"{connection.Dialect.Name} gateway {connection.BaseUri} accepted the key of connection '{connection.Name}'.");
            }
            Connections.Add(connection, Default.IsPresent);
            WriteObject(Connections.List().First(c => c.Name == connection.Name));
        });

        private static SecureString EnvironmentKey(IGatewayDialect dialect) =>
            Connections.EnvironmentKey(dialect) ?? throw new Core.NebulaVideoException(Core.ErrorIds.ApiKeyMissing,
                $"No API key: -ApiKey was not given and {dialect.ApiKeyVariable} is not set.", dialect.ApiKeyVariable,
                $"Run Connect-NebulaVideo -Dialect {dialect.Name} -ApiKey (Read-Host -AsSecureString), or set {dialect.ApiKeyVariable}.");
    }
}
