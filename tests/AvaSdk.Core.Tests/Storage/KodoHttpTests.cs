using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using AvaSdk.Logging;
using AvaSdk.Storage;
using Xunit;

namespace AvaSdk.Core.Tests.Storage
{
    public class KodoHttpTests
    {
        [Theory]
        [InlineData(429, true)]
        [InlineData(500, true)]
        [InlineData(502, true)]
        [InlineData(503, true)]
        [InlineData(599, true)]
        [InlineData(400, false)]
        [InlineData(401, false)]
        [InlineData(404, false)]
        [InlineData(501, false)]
        [InlineData(509, false)]
        [InlineData(573, false)]
        [InlineData(579, false)]
        [InlineData(608, false)]
        [InlineData(612, false)]
        [InlineData(614, false)]
        [InlineData(631, false)]
        [InlineData(701, false)]
        public async Task Retries_only_what_can_succeed_later(int status, bool retried)
        {
            var handler = new Replies((status, "{\"error\":\"x\"}", true), (200, "{\"ok\":1}", true));
            using var http = new KodoHttp(3, InstanceLog.Detached, TimeSpan.FromMilliseconds(1), handler);
            var attempt = Attempt(http);
            if (retried)
                Assert.Equal(1, (int)(await attempt)["ok"]!);
            else
                Assert.Equal(status, (await Assert.ThrowsAsync<KodoHttpException>(() => attempt)).Status);
            Assert.Equal(retried ? 2 : 1, handler.Calls);
        }

        [Fact]
        public async Task Gives_up_after_max_retry_with_the_status_error_and_request_id()
        {
            var handler = new Replies((503, "{\"error\":\"busy\"}", true), (503, "{\"error\":\"busy\"}", true), (503, "{\"error\":\"still busy\"}", true));
            using var http = new KodoHttp(2, InstanceLog.Detached, TimeSpan.FromMilliseconds(1), handler);
            var error = await Assert.ThrowsAsync<KodoTransientException>(() => Attempt(http));
            Assert.Equal(3, handler.Calls);
            Assert.Equal("HTTP 503: still busy (request id req-3)", error.Message);
        }

        [Fact]
        public async Task A_success_without_X_Reqid_did_not_come_from_Kodo()
        {
            var handler = new Replies((200, "{}", false), (200, "{\"ok\":1}", true));
            using var http = new KodoHttp(1, InstanceLog.Detached, TimeSpan.FromMilliseconds(1), handler);
            await Attempt(http);
            Assert.Equal(2, handler.Calls);
        }

        [Fact]
        public async Task Waits_as_long_as_Retry_After_says()
        {
            var handler = new Replies((429, "{}", true), (200, "{}", true)) { RetryAfter = TimeSpan.FromSeconds(1) };
            using var http = new KodoHttp(1, InstanceLog.Detached, TimeSpan.FromMilliseconds(1), handler);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            await Attempt(http);
            Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(950), $"retried after {clock.Elapsed}");
        }

        [Fact]
        public async Task Network_failures_and_attempt_timeouts_are_retried()
        {
            var calls = 0;
            var handler = new Replies((200, "{\"ok\":1}", true))
            {
                Before = async token =>
                {
                    calls++;
                    if (calls == 1)
                        throw new HttpRequestException("connection refused");
                    if (calls == 2)
                        await Task.Delay(Timeout.Infinite, token);
                },
            };
            using var http = new KodoHttp(2, InstanceLog.Detached, TimeSpan.FromMilliseconds(1), handler) { AttemptTimeout = TimeSpan.FromMilliseconds(200) };
            Assert.Equal(1, (int)(await Attempt(http))["ok"]!);
            Assert.Equal(3, calls);
        }

        [Fact]
        public async Task Cancellation_stops_at_once_without_retrying()
        {
            var handler = new Replies((503, "{}", true), (503, "{}", true), (503, "{}", true));
            using var http = new KodoHttp(5, InstanceLog.Detached, TimeSpan.FromSeconds(30), handler);
            using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
            var clock = System.Diagnostics.Stopwatch.StartNew();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => http.ExecuteAsync(async token =>
            {
                using var response = await http.Client.GetAsync("http://kodo.test/", token);
                return await KodoHttp.EnsureSuccessAsync(response);
            }, cancel.Token));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5));
        }

        private static Task<Newtonsoft.Json.Linq.JObject> Attempt(KodoHttp http) => http.ExecuteAsync(async token =>
        {
            using var response = await http.Client.GetAsync("http://kodo.test/", token);
            return await KodoHttp.EnsureSuccessAsync(response);
        }, CancellationToken.None);

        private sealed class Replies : HttpMessageHandler
        {
            private readonly Queue<(int Status, string Body, bool RequestId)> replies;

            public Replies(params (int, string, bool)[] replies)
            {
                this.replies = new Queue<(int, string, bool)>(replies);
            }

            public int Calls { get; private set; }

            public TimeSpan? RetryAfter { get; set; }

            public Func<CancellationToken, Task>? Before { get; set; }

            protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                if (Before != null)
                    await Before(cancellationToken);
                Calls++;
                var (status, body, requestId) = replies.Dequeue();
                var response = new HttpResponseMessage((HttpStatusCode)status) { Content = new StringContent(body) };
                if (requestId)
                    response.Headers.Add("X-Reqid", $"req-{Calls}");
                if (RetryAfter is TimeSpan delay)
                    response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(delay);
                return response;
            }
        }
    }
}
