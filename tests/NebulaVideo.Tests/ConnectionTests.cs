using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using NebulaVideo.Core;
using NebulaVideo.Core.Connections;
using Xunit;

namespace NebulaVideo.Tests
{
    /// <summary>Named connections and the environment's: listing, the default, removal, and what happens without one.</summary>
    [Collection(EngineCollection.Name)]
    public sealed class ConnectionTests
    {
        private const string ImageUrl = "https://example.com/stills/still.png";
        private const string EnvNebulaKey = "sk-env-nebula-5b1e77";
        private const string EnvUnifiedKey = "sk-env-unified-c3a0d9";

        private readonly EngineFixture _engine;

        public ConnectionTests(EngineFixture engine) => _engine = engine;

        [Fact]
        public void The_environment_alone_configures_both_gateways_and_the_listing_never_shows_a_key()
        {
            var since = DateTimeOffset.UtcNow;
            using (new EnvironmentScope(
                ("NEBULA_API_KEY", EnvNebulaKey), ("NEBULA_BASE_URI", _engine.Emulator.GatewayUri.ToString()),
                ("UNIFIED_API_KEY", EnvUnifiedKey), ("UNIFIED_BASE_URI", _engine.Emulator.UnifiedUri.ToString())))
            {
                var run = _engine.Run(@"
                    $tasks = @(
                        New-NebulaVideo -Model sora-2 -Prompt p
                        New-NebulaVideo -Model wan2.6-image-to-video -ImageUrl $url -Prompt p
                    )
                    $tasks | Wait-NebulaVideoTask -PollIntervalSec 0.2
                    Get-NebulaVideoConnection
                    Get-NebulaVideoConnection | ConvertTo-Json -Depth 5 | Out-String
                    Get-NebulaVideoConnection | Format-List * | Out-String",
                    apiKey: null, variables: new Dictionary<string, object?> { ["url"] = ImageUrl });

                Assert.Empty(run.Errors);
                var tasks = run.Objects<VideoTask>().ToList();
                Assert.Equal(2, tasks.Count);
                Assert.All(tasks, t => Assert.Equal(VideoStatus.Succeeded, t.Status));
                Assert.Equal(new[] { ("Nebula", _engine.Emulator.GatewayUri), ("Unified", _engine.Emulator.UnifiedUri) },
                    tasks.Select(t => (t.Connection!, t.Gateway!)).OrderBy(p => p.Item1));

                var listed = run.Objects<ConnectionSummary>().ToList();
                Assert.Equal(new[] { ("Nebula", "Nebula", "NEBULA_API_KEY"), ("Unified", "Unified", "UNIFIED_API_KEY") },
                    listed.Select(c => (c.Name, c.Dialect, c.KeySource)));
                Assert.Equal(_engine.Emulator.GatewayUri, listed[0].BaseUri);
                Assert.Equal(_engine.Emulator.UnifiedUri, listed[1].BaseUri);

                var text = string.Join("\n", run.Output.Select(o => o.BaseObject).OfType<string>());
                Assert.Contains("UNIFIED_API_KEY", text);
                Assert.Contains("NEBULA_API_KEY", text);
                Assert.DoesNotContain(EnvNebulaKey, text);
                Assert.DoesNotContain(EnvUnifiedKey, text);

                var gateway = _engine.Emulator.Requests.Where(r => r.ReceivedAt >= since && r.Origin == "gateway").ToList();
                Assert.Equal(2, gateway.Count(r => r.Method == "POST"));
                Assert.Contains(gateway, r => r.PathAndQuery.StartsWith("/apiv1/v1/tasks/", StringComparison.Ordinal));
                Assert.All(gateway, r => Assert.Equal(
                    "Bearer " + (r.PathAndQuery.StartsWith("/apiv1/", StringComparison.Ordinal) ? EnvUnifiedKey : EnvNebulaKey), r.Authorization));
            }
        }

        [Fact]
        public void Listing_marks_the_default_Default_moves_it_and_Disconnect_removes_one()
        {
            var run = _engine.Run(TwoGateways.Connect + @"
                function Snapshot($stage) { Get-NebulaVideoConnection | ForEach-Object { '{0}:{1}:{2}:{3}:{4}' -f $stage, $_.Name, $_.Dialect, $_.IsDefault, $_.KeySource } }
                Snapshot two
                Connect-NebulaVideo -Name uni -Dialect Unified -BaseUri $unified -ApiKey $keyB -Default | Out-Null
                Snapshot moved
                (New-NebulaVideo -ImageUrl $url -Prompt p).Model
                Disconnect-NebulaVideo -Name uni
                Snapshot removed
                Get-NebulaVideoConnection uni",
                apiKey: null, variables: TwoGateways.Variables(_engine, ("url", ImageUrl)));

            Assert.Equal(new[]
            {
                "two:neb:Nebula:True:Connect-NebulaVideo",
                "two:uni:Unified:False:Connect-NebulaVideo",
                "moved:neb:Nebula:False:Connect-NebulaVideo",
                "moved:uni:Unified:True:Connect-NebulaVideo",
                "wan2.5-image-to-video", // with no -Model: the default model of the default connection's dialect
                "removed:neb:Nebula:True:Connect-NebulaVideo",
            }, run.Output.Select(o => o.ToString()));
            var error = run.SingleError();
            Assert.StartsWith("ConnectionNotFound,", error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
            Assert.Equal("uni", error.TargetObject);
        }

        [Fact]
        public void Connect_never_echoes_the_key_and_its_summary_says_where_the_key_came_from()
        {
            var run = _engine.Run(@"
                Connect-NebulaVideo -Name uni -Dialect Unified -BaseUri $unified -ApiKey $keyB
                Connect-NebulaVideo -Name uni -Dialect Unified -BaseUri $unified -ApiKey $keyB | ConvertTo-Json | Out-String",
                apiKey: null, variables: TwoGateways.Variables(_engine));

            Assert.Empty(run.Errors);
            var summary = Assert.Single(run.Objects<ConnectionSummary>());
            Assert.Equal(("uni", "Unified", "Connect-NebulaVideo", true), (summary.Name, summary.Dialect, summary.KeySource, summary.IsDefault));
            Assert.Equal(_engine.Emulator.UnifiedUri, summary.BaseUri);
            Assert.DoesNotContain(TwoGateways.KeyB, string.Join("\n", run.Output.Select(o => o.ToString())));
        }

        [Fact]
        public void A_model_whose_dialect_has_no_connection_and_no_environment_key_is_ApiKeyMissing_with_nothing_posted()
        {
            using var clear = new EnvironmentScope(("UNIFIED_API_KEY", null), ("UNIFIED_BASE_URI", null));
            var since = DateTimeOffset.UtcNow;
            var run = _engine.Run(@"
                Connect-NebulaVideo -Name neb -Dialect Nebula -BaseUri $nebula -ApiKey $keyA | Out-Null
                New-NebulaVideo -Model wan2.6-image-to-video -ImageUrl $url -Prompt p",
                apiKey: null, variables: TwoGateways.Variables(_engine, ("url", ImageUrl)));

            var error = run.SingleError();
            Assert.Equal("ApiKeyMissing,NebulaVideo.Commands.NewNebulaVideoCommand", error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.AuthenticationError, error.CategoryInfo.Category);
            Assert.Contains("UNIFIED_API_KEY", error.ErrorDetails.RecommendedAction);
            Assert.Contains("-Dialect Unified", error.ErrorDetails.RecommendedAction);
            Assert.DoesNotContain("NEBULA_API_KEY", error.ErrorDetails.RecommendedAction);
            Assert.Empty(run.Output);
            Assert.Equal(0, _engine.PostsSince(since));
            Assert.DoesNotContain(_engine.Emulator.Requests, r => r.ReceivedAt >= since);
        }

        [Fact]
        public void After_Disconnect_of_the_unified_connection_its_models_are_ApiKeyMissing_and_the_nebula_ones_still_go()
        {
            using var clear = new EnvironmentScope(("UNIFIED_API_KEY", null), ("UNIFIED_BASE_URI", null));
            var since = DateTimeOffset.UtcNow;
            var run = _engine.Run(TwoGateways.Connect + @"
                Disconnect-NebulaVideo -Name uni
                New-NebulaVideo -Model wan2.5-image-to-video -ImageUrl $url -Prompt p
                New-NebulaVideo -Model sora-2 -Prompt p",
                apiKey: null, variables: TwoGateways.Variables(_engine, ("url", ImageUrl)));

            Assert.StartsWith("ApiKeyMissing,", run.SingleError().FullyQualifiedErrorId);
            var task = Assert.Single(run.Objects<VideoTask>());
            Assert.Equal(("sora-2", "neb"), (task.Model, task.Connection));
            var post = Assert.Single(_engine.Emulator.Requests, r => r.ReceivedAt >= since && r.Method == "POST");
            Assert.Equal("/v1/video/generations", post.PathAndQuery);
            Assert.Equal("Bearer " + TwoGateways.KeyA, post.Authorization);
        }

        [Fact]
        public void A_named_connection_shadows_the_environments_connection_of_the_same_name()
        {
            using var env = new EnvironmentScope(("UNIFIED_API_KEY", EnvUnifiedKey), ("UNIFIED_BASE_URI", _engine.Emulator.UnifiedUri.ToString()),
                ("NEBULA_API_KEY", null), ("NEBULA_BASE_URI", null));
            var since = DateTimeOffset.UtcNow;
            var run = _engine.Run(@"
                Connect-NebulaVideo -Name Unified -Dialect Unified -BaseUri $unified -ApiKey $keyB | Out-Null
                Get-NebulaVideoConnection
                New-NebulaVideo -Model wan2.5-image-to-video -ImageUrl $url -Prompt p",
                apiKey: null, variables: TwoGateways.Variables(_engine, ("url", ImageUrl)));

            Assert.Empty(run.Errors);
            var listed = Assert.Single(run.Objects<ConnectionSummary>());
            Assert.Equal(("Unified", "Connect-NebulaVideo"), (listed.Name, listed.KeySource));
            var post = Assert.Single(_engine.Emulator.Requests, r => r.ReceivedAt >= since && r.Method == "POST");
            Assert.Equal("Bearer " + TwoGateways.KeyB, post.Authorization);
        }

        [Fact]
        public void Test_checks_a_key_against_each_gateway_without_spending_and_a_refused_key_registers_nothing()
        {
            var since = DateTimeOffset.UtcNow;
            var run = _engine.Run(@"
                $good = ConvertTo-SecureString 'sk-key-check' -AsPlainText -Force
                $bad = ConvertTo-SecureString 'not-a-gateway-key' -AsPlainText -Force
                Connect-NebulaVideo -BaseUri $NebulaGateway -ApiKey $good -Test | Out-Null
                Connect-NebulaVideo -Name unified -Dialect Unified -BaseUri $unified -ApiKey $good -Test | Out-Null
                Connect-NebulaVideo -Name refused -BaseUri $NebulaGateway -ApiKey $bad -Test
                Get-NebulaVideoConnection | ForEach-Object Name",
                apiKey: null, variables: new Dictionary<string, object?> { ["unified"] = _engine.Emulator.UnifiedUri.ToString() });

            var error = run.SingleError();
            Assert.Equal("GatewayAuthenticationFailed,NebulaVideo.Commands.ConnectNebulaVideoCommand", error.FullyQualifiedErrorId);
            Assert.Equal(new[] { "Nebula", "unified" }, run.Objects<string>().OrderBy(n => n, StringComparer.Ordinal));
            var requests = _engine.Emulator.Requests.Where(r => r.ReceivedAt >= since).ToList();
            Assert.Equal(3, requests.Count);
            Assert.All(requests, r => Assert.Equal("GET", r.Method));
        }
    }
}
