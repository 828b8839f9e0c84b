using System;
using System.IO;
using System.Net.Http;
using NebulaVideo.Core;
using NebulaVideo.Core.Http;
using Xunit;

namespace NebulaVideo.Core.Tests
{
    /// <summary>The one policy for sending a throttled create again, and the one definition of a passing failure.</summary>
    public sealed class RetryPolicyTests
    {
        private static readonly ClientOptions Options = ClientOptions.Default with
        {
            RetryBaseDelay = TimeSpan.FromSeconds(2), MaxRetryDelay = TimeSpan.FromSeconds(10), MaxThrottledCreateRetries = 4,
        };

        [Theory]
        [InlineData(1, null, 2.0)]
        [InlineData(2, null, 4.0)]
        [InlineData(3, null, 8.0)]
        [InlineData(4, null, 10.0)] // 16 s, capped by the session's MaxRetryDelay
        [InlineData(1, 7.0, 7.0)] // the gateway's Retry-After wins
        [InlineData(2, 60.0, 10.0)] // but never past MaxRetryDelay
        public void A_throttled_create_waits_as_the_gateway_asks_or_doubling_from_the_sessions_delay_within_its_cap(int refusals, double? retryAfter, double seconds) =>
            Assert.Equal(TimeSpan.FromSeconds(seconds), CreateRetry.Delay(Options, refusals, retryAfter is double s ? TimeSpan.FromSeconds(s) : null));

        [Fact]
        public void A_throttled_create_is_sent_again_at_most_as_often_as_the_session_allows()
        {
            Assert.NotNull(CreateRetry.Delay(Options, 4, null));
            Assert.Null(CreateRetry.Delay(Options, 5, null));
            Assert.Null(CreateRetry.Delay(Options with { MaxThrottledCreateRetries = 0 }, 1, TimeSpan.FromSeconds(1)));
        }

        [Theory]
        [InlineData(408, true)]
        [InlineData(429, true)]
        [InlineData(500, true)]
        [InlineData(503, true)]
        [InlineData(400, false)]
        [InlineData(401, false)]
        [InlineData(403, false)]
        [InlineData(404, false)]
        public void Statuses_are_transient_by_one_rule_for_the_exception_and_for_reads(int status, bool transient)
        {
            var error = new GatewayException(status, new GatewayErrorDetails("m"));
            Assert.Equal(transient, error.IsTransient);
            Assert.Equal(transient, Transient.Is(error));
        }

        [Fact]
        public void A_404_is_transient_only_for_a_task_created_moments_ago()
        {
            var notFound = new GatewayException(404, new GatewayErrorDetails("no such task"));
            Assert.False(Transient.Is(notFound));
            Assert.True(Transient.Is(notFound, taskIsNew: true));
        }

        [Fact]
        public void Broken_connections_and_what_is_left_of_them_after_the_last_attempt_are_transient()
        {
            Assert.True(Transient.Is(new HttpRequestException("refused")));
            Assert.True(Transient.Is(new IOException("cut")));
            Assert.True(Transient.Is(new NebulaVideoException(ErrorIds.GatewayUnreachable, "m", null, "a")));
            Assert.True(Transient.Is(new NebulaVideoException(ErrorIds.GatewayTimeout, "m", null, "a")));
            Assert.False(Transient.Is(new NebulaVideoException(ErrorIds.SubmitOutcomeUnknown, "m", null, "a")));
            Assert.False(Transient.Is(new NebulaVideoException(ErrorIds.ResponseTooLarge, "m", null, "a")));
        }
    }
}
