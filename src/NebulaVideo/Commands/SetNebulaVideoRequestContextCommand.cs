using System.Management.Automation;
using NebulaVideo.Core.Http;

namespace NebulaVideo.Commands
{
    /// <summary>
    /// Sets how patient this session is with gateways: retries of reads, the wait for one answer, the
    /// longest pause between attempts. The network cmdlets' -MaxRetry and -RequestTimeoutSec override it per call.
    /// Silent like every Set- command; -PassThru writes the settings now in force.
    /// </summary>
    [Cmdlet(VerbsCommon.Set, "NebulaVideoRequestContext")]
    [OutputType(typeof(ClientOptions))]
    public sealed class SetNebulaVideoRequestContextCommand : NebulaVideoCmdlet
    {
        [Parameter]
        [ValidateRange(0, 20)]
        public int? MaxRetry { get; set; }

        [Parameter]
        [ValidateRange(0.1, 600)]
        public double? RetryDelaySec { get; set; }

        [Parameter]
        [ValidateRange(1.0, 3600.0)]
        public double? MaxRetryDelaySec { get; set; }

        [Parameter]
        [ValidateRange(1.0, 3600.0)]
        public double? RequestTimeoutSec { get; set; }

        /// <summary>Back to the defaults, before any other value given here is applied.</summary>
        [Parameter]
        public SwitchParameter Reset { get; set; }

        /// <summary>Writes the settings now in force; a script that only changes them gets no stray output.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void EndProcessing()
        {
            var options = (Reset.IsPresent ? ClientOptions.Default : SessionConnections.RequestOptions)
                .With(MaxRetry, RetryDelaySec, MaxRetryDelaySec, RequestTimeoutSec);
            SessionConnections.RequestOptions = options;
            if (PassThru.IsPresent) WriteObject(options);
        }
    }
}
