using System;
using System.Linq;
using System.Threading;
using NebulaVideo.Core.Tasks;
using Xunit;

namespace NebulaVideo.Core.Tests
{
    /// <summary>Polling adapts: never under the floor, longer for tasks the gateway expects to take long, never in lockstep.</summary>
    public sealed class PollingTests
    {
        private static readonly TimeSpan Floor = TimeSpan.FromSeconds(3);

        [Fact]
        public void A_poll_interval_under_the_floor_is_raised_to_it()
        {
            using var waiter = new TaskWaiter(TimeSpan.FromSeconds(0.5), 4, CancellationToken.None);
            var pauses = Enumerable.Range(0, 200).Select(_ => waiter.NextPause(new VideoTask(), Floor)).ToList();
            Assert.All(pauses, p => Assert.InRange(p.TotalSeconds, 3.0, 3.3));
        }

        [Fact]
        public void A_task_the_gateway_expects_to_take_long_is_read_less_often_up_to_half_a_minute()
        {
            using var waiter = new TaskWaiter(TimeSpan.FromSeconds(5), 4, CancellationToken.None);
            Assert.InRange(waiter.NextPause(new VideoTask { EstimatedSecondsLeft = 60 }, Floor).TotalSeconds, 18, 22);
            Assert.InRange(waiter.NextPause(new VideoTask { EstimatedSecondsLeft = 3600 }, Floor).TotalSeconds, 27, 33);
            Assert.InRange(waiter.NextPause(new VideoTask { EstimatedSecondsLeft = 6 }, Floor).TotalSeconds, 4.5, 5.5);
        }

        [Fact]
        public void Pauses_are_jittered_so_a_batch_does_not_read_in_lockstep()
        {
            using var waiter = new TaskWaiter(TimeSpan.FromSeconds(5), 4, CancellationToken.None);
            var pauses = Enumerable.Range(0, 200).Select(_ => waiter.NextPause(new VideoTask(), TimeSpan.Zero).TotalSeconds).ToList();
            Assert.All(pauses, p => Assert.InRange(p, 4.5, 5.5));
            Assert.True(pauses.Distinct().Count() > 100, "Pauses should differ from one another.");
        }

        [Fact]
        public void Only_the_emulator_on_this_machine_may_be_polled_faster_than_the_seeds_recommend()
        {
            var local = new Gateways.GatewayClient(new Connections.GatewayConnection(Gateways.Dialects.Nebula, new Uri("http://127.0.0.1:5080/"), Connections.GatewayConnection.SecureKey("sk-x"), "test"));
            var remote = new Gateways.GatewayClient(new Connections.GatewayConnection(Gateways.Dialects.Nebula, new Uri("https://llm.ai-nebula.com/"), Connections.GatewayConnection.SecureKey("sk-x"), "test"));
            Assert.Equal(TimeSpan.Zero, local.MinimumPollInterval);
            Assert.Equal(TimeSpan.FromSeconds(3), remote.MinimumPollInterval);
        }
    }
}
