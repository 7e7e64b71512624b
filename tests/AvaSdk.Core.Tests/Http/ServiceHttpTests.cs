using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Http;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using AvaSdk.Http;
using AvaSdk.Logging;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace AvaSdk.Core.Tests.Http
{
    public class ServiceHttpTests
    {
        private static ServiceHttp Http(HttpServiceRules rules, int maxRetry, HttpMessageHandler handler, TimeSpan? delay = null, TimeSpan? timeout = null, TimeProvider? time = null) =>
            new ServiceHttp(rules, new HttpSettings { MaxRetry = maxRetry, BaseDelay = delay ?? TimeSpan.FromMilliseconds(1), Timeout = timeout ?? TimeSpan.FromSeconds(30) }, InstanceLog.Detached, handler, time);

        [Theory]
        [InlineData(429, true)]
        [InlineData(500, true)]
        [InlineData(502, true)]
        [InlineData(503, true)]
        [InlineData(599, true)]
        [InlineData(406, true)]
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
        public async Task Kodo_retries_only_what_can_succeed_later(int status, bool retried)
        {
            var handler = new Replies((status, "{\"error\":\"x\"}", true), (200, "{\"ok\":1}", true));
            using var http = Http(HttpServiceRules.Kodo, 3, handler);
            var attempt = Attempt(http);
            if (retried)
                Assert.Equal(1, (int)(await attempt)["ok"]!);
            else
                Assert.Equal(status, (await Assert.ThrowsAsync<ServiceHttpException>(() => attempt)).Status);
            Assert.Equal(retried ? 2 : 1, handler.Calls);
        }

        [Fact]
        public async Task An_error_page_is_quoted_as_a_short_summary_of_its_text_without_markup()
        {
            var page = "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title><script>var x = 1 < 2;</script></head>\n<body><h1>Bad &amp; Gateway</h1>" +
                string.Concat(System.Linq.Enumerable.Repeat("<p>filler</p>", 500)) + "</body></html>";
            using var http = Http(HttpServiceRules.Kodo, 0, new Replies((404, page, true)));
            var error = await Assert.ThrowsAsync<ServiceHttpException>(() => Attempt(http));
            Assert.StartsWith("502 Bad Gateway Bad & Gateway filler filler", error.Error);
            Assert.True(error.Error.Length <= 201, error.Error);
            Assert.DoesNotContain("<", error.Error);
            Assert.DoesNotContain("var x", error.Error);
        }

        [Theory]
        [InlineData("OK", "the answer is not the JSON Kodo answers with: OK")]
        [InlineData("", "the answer is empty, not the JSON Kodo answers with")]
        [InlineData("[1, 2]", "the answer is not the JSON Kodo answers with: [1, 2]")]
        public async Task A_success_that_is_not_the_JSON_the_service_answers_with_is_a_final_failure(string body, string error)
        {
            var handler = new Replies((200, body, true), (200, "{}", true));
            using var http = Http(HttpServiceRules.Kodo, 3, handler);
            var failure = await Assert.ThrowsAsync<ServiceHttpException>(() => Attempt(http));
            Assert.Equal(200, failure.Status);
            Assert.Equal(error, failure.Error);
            Assert.Equal(1, handler.Calls);
        }

        [Fact]
        public async Task A_plain_server_may_answer_a_success_without_JSON()
        {
            using var http = Http(HttpServiceRules.Plain, 0, new Replies((204, "", false)));
            Assert.Empty(await Attempt(http));
        }

        [Fact]
        public async Task Gives_up_after_max_retry_with_the_status_error_and_request_id()
        {
            var handler = new Replies((503, "{\"error\":\"busy\"}", true), (503, "{\"error\":\"busy\"}", true), (503, "{\"error\":\"still busy\"}", true));
            using var http = Http(HttpServiceRules.Kodo, 2, handler);
            var error = await Assert.ThrowsAsync<TransientHttpException>(() => Attempt(http));
            Assert.Equal(3, handler.Calls);
            Assert.Equal("HTTP 503: still busy (request id req-3)", error.Message);
        }

        [Fact]
        public async Task A_success_without_X_Reqid_did_not_come_from_Kodo()
        {
            var handler = new Replies((200, "{}", false), (200, "{\"ok\":1}", true));
            using var http = Http(HttpServiceRules.Kodo, 1, handler);
            await Attempt(http);
            Assert.Equal(2, handler.Calls);
        }

        [Fact]
        public async Task Waits_as_long_as_Retry_After_says()
        {
            var handler = new Replies((429, "{}", true), (200, "{}", true)) { RetryAfter = TimeSpan.FromSeconds(1) };
            using var http = Http(HttpServiceRules.Kodo, 1, handler);
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
            using var http = Http(HttpServiceRules.Kodo, 2, handler, timeout: TimeSpan.FromMilliseconds(200));
            Assert.Equal(1, (int)(await Attempt(http))["ok"]!);
            Assert.Equal(3, calls);
        }

        [Fact]
        public async Task Cancellation_stops_at_once_without_retrying()
        {
            var handler = new Replies((503, "{}", true), (503, "{}", true), (503, "{}", true));
            using var http = Http(HttpServiceRules.Kodo, 5, handler, delay: TimeSpan.FromSeconds(30));
            using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
            var clock = System.Diagnostics.Stopwatch.StartNew();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => http.ExecuteAsync(async attempt =>
            {
                using var response = await http.Client.GetAsync("http://kodo.test/", attempt.Token);
                return await http.EnsureSuccessAsync(response);
            }, cancel.Token));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5));
        }

        [Fact]
        public async Task A_checksum_mismatch_406_is_retried_once_only()
        {
            var handler = new Replies((406, "{\"error\":\"crc32 not match\"}", true), (406, "{\"error\":\"crc32 not match\"}", true), (200, "{}", true));
            using var http = Http(HttpServiceRules.Kodo, 5, handler);
            Assert.Equal(406, (await Assert.ThrowsAsync<TransientHttpException>(() => Attempt(http))).Status);
            Assert.Equal(2, handler.Calls);
        }

        [Theory]
        [InlineData(579, true)]
        [InlineData(612, true)]
        [InlineData(503, true)]
        [InlineData(406, false)]
        [InlineData(409, false)]
        public async Task The_AVA_API_is_judged_by_its_own_rule_not_Kodo_codes(int status, bool retried)
        {
            var handler = new Replies((status, "{\"error\":\"x\"}", true), (200, "{\"ok\":1}", true));
            using var http = Http(HttpServiceRules.AvaApi, 3, handler);
            var attempt = Attempt(http);
            if (retried)
                Assert.Equal(1, (int)(await attempt)["ok"]!);
            else
                await Assert.ThrowsAsync<ServiceHttpException>(() => attempt);
            Assert.Equal(retried ? 2 : 1, handler.Calls);
        }

        [Fact]
        public async Task A_probe_reply_with_a_non_zero_code_is_a_failure_worth_retrying()
        {
            var handler = new Replies((200, "{\"code\":3,\"message\":\"busy\"}", false), (200, "{\"code\":0}", false));
            using var http = Http(HttpServiceRules.Probe, 2, handler);
            Assert.Equal(0, (int)(await Attempt(http))["code"]!);
            Assert.Equal(2, handler.Calls);
        }

        [Fact]
        public async Task A_Retry_After_beyond_the_cap_means_down_for_now_not_a_long_wait()
        {
            var handler = new Replies((503, "{}", true), (200, "{}", true)) { RetryAfter = TimeSpan.FromSeconds(3600) };
            using var http = new ServiceHttp(HttpServiceRules.Kodo, new HttpSettings { MaxRetry = 3, BaseDelay = TimeSpan.FromMilliseconds(1), MaxRetryAfter = TimeSpan.FromSeconds(5) },
                InstanceLog.Detached, handler);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var error = await Assert.ThrowsAsync<TransientHttpException>(() => Attempt(http));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"waited {clock.Elapsed}");
            Assert.Equal(1, handler.Calls);
            Assert.Contains("Retry-After 3600 s", error.Message);
        }

        [Fact]
        public async Task A_request_that_must_not_repeat_is_not_retried_once_it_may_have_arrived()
        {
            var handler = new Replies((200, "{}", true)) { Before = _ => throw new HttpRequestException(HttpRequestError.ResponseEnded, "the response ended prematurely") };
            using var http = Http(HttpServiceRules.AvaApi, 3, handler);
            await Assert.ThrowsAsync<HttpRequestException>(() => Attempt(http, idempotent: false));
            Assert.Equal(0, handler.Calls);
            Assert.Equal(1, handler.Attempts);
        }

        [Fact]
        public async Task A_request_that_must_not_repeat_is_retried_when_it_never_left()
        {
            var handler = new Replies((200, "{\"ok\":1}", true));
            handler.Before = _ => handler.Attempts == 1 ? throw new HttpRequestException(HttpRequestError.ConnectionError, "connection refused") : Task.CompletedTask;
            using var http = Http(HttpServiceRules.AvaApi, 3, handler);
            Assert.Equal(1, (int)(await Attempt(http, idempotent: false))["ok"]!);
            Assert.Equal(2, handler.Attempts);
        }

        [Fact]
        public async Task A_body_that_stops_or_trickles_fails_the_attempt_after_the_timeout_but_a_slow_one_does_not()
        {
            // The clock is driven by hand, so the test is about the rule and not about how busy the machine is.
            // A 300 ms window needs 308 bytes (1 KiB/s) to start again.
            var clock = new FakeTimeProvider();
            var stalledBody = new GatedBody();
            using var stalled = Http(HttpServiceRules.Plain, 0, stalledBody, timeout: TimeSpan.FromMilliseconds(300), time: clock);
            var stalledRead = ReadAll(stalled);
            (await stalledBody.NextRead(stalledRead)).SetResult(true);
            await stalledBody.NextRead(stalledRead);
            clock.Advance(TimeSpan.FromMilliseconds(299));
            Assert.False(stalledRead.IsCompleted, "timed out before 300 ms");
            clock.Advance(TimeSpan.FromMilliseconds(1));
            var error = await Assert.ThrowsAsync<TransientHttpException>(() => stalledRead);
            Assert.Contains("slower than 1 KiB/s for 0.3 s", error.Message);

            // A byte every 100 ms never stalls, but it is far below 1 KiB/s: the window runs out all the same.
            var trickleBody = new GatedBody();
            using var trickle = Http(HttpServiceRules.Plain, 0, trickleBody, timeout: TimeSpan.FromMilliseconds(300), time: clock);
            var trickleRead = ReadAll(trickle);
            for (var i = 0; i < 3; i++)
            {
                var read = await trickleBody.NextRead(trickleRead);
                clock.Advance(TimeSpan.FromMilliseconds(100));
                read.SetResult(true);
            }
            error = await Assert.ThrowsAsync<TransientHttpException>(() => trickleRead);
            Assert.Contains("slower than 1 KiB/s", error.Message);

            // 200 bytes every 100 ms (2 KiB/s) for 2 s, well past the timeout: slow, but alive.
            var slowBody = new GatedBody();
            using var slow = Http(HttpServiceRules.Plain, 0, slowBody, timeout: TimeSpan.FromMilliseconds(300), time: clock);
            var slowRead = ReadAll(slow);
            for (var step = 0; step < 20; step++)
            {
                for (var i = 0; i < 200; i++)
                    (await slowBody.NextRead(slowRead)).SetResult(true);
                clock.Advance(TimeSpan.FromMilliseconds(100));
            }
            (await slowBody.NextRead(slowRead)).SetResult(false);
            Assert.Equal(4000, await slowRead);
        }

        private static Task<int> ReadAll(ServiceHttp http) => http.ExecuteAsync(async attempt =>
        {
            using var response = await http.Client.GetAsync("http://cdn.test/", HttpCompletionOption.ResponseHeadersRead, attempt.Token);
            using var body = await response.Content.ReadAsStreamAsync(attempt.Token);
            var buffer = new byte[16];
            var total = 0;
            int read;
            while ((read = await body.ReadAsync(buffer, attempt.Token)) > 0)
            {
                total += read;
                attempt.Touch(read);
            }
            return total;
        }, CancellationToken.None);

        private static Task<Newtonsoft.Json.Linq.JObject> Attempt(ServiceHttp http, bool idempotent = true) => http.ExecuteAsync(async attempt =>
        {
            using var response = await http.Client.GetAsync("http://kodo.test/", attempt.Token);
            return await http.EnsureSuccessAsync(response);
        }, CancellationToken.None, idempotent);

        /// <summary>A body whose reads wait for the test: each read is handed out by <see cref="NextRead"/>; true gives one byte, false ends the body.</summary>
        private sealed class GatedBody : HttpMessageHandler
        {
            private readonly Channel<TaskCompletionSource<bool>> reads = Channel.CreateUnbounded<TaskCompletionSource<bool>>();

            /// <summary>The next read the client is waiting on; if <paramref name="client"/> ends instead, how it ended (its exception).</summary>
            public async Task<TaskCompletionSource<bool>> NextRead(Task client)
            {
                var next = reads.Reader.ReadAsync().AsTask();
                if (await Task.WhenAny(next, client).WaitAsync(TimeSpan.FromMinutes(1)) != next)
                {
                    await client;
                    throw new InvalidOperationException("The client finished reading before the body ended.");
                }
                return await next;
            }

            protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
                Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(new Gated(reads.Writer)) });

            private sealed class Gated : System.IO.Stream
            {
                private readonly ChannelWriter<TaskCompletionSource<bool>> reads;

                public Gated(ChannelWriter<TaskCompletionSource<bool>> reads)
                {
                    this.reads = reads;
                }

                public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
                {
                    var read = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                    reads.TryWrite(read);
                    if (!await read.Task.WaitAsync(cancellationToken))
                        return 0;
                    buffer.Span[0] = 1;
                    return 1;
                }

                public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
                public override bool CanRead => true;
                public override bool CanSeek => false;
                public override bool CanWrite => false;
                public override long Length => throw new NotSupportedException();
                public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
                public override void Flush() { }
                public override long Seek(long offset, System.IO.SeekOrigin origin) => throw new NotSupportedException();
                public override void SetLength(long value) => throw new NotSupportedException();
                public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
            }
        }

        private sealed class Replies : HttpMessageHandler
        {
            private readonly Queue<(int Status, string Body, bool RequestId)> replies;

            public Replies(params (int, string, bool)[] replies)
            {
                this.replies = new Queue<(int, string, bool)>(replies);
            }

            public int Calls { get; private set; }

            /// <summary>Requests that reached the handler, answered or not.</summary>
            public int Attempts { get; private set; }

            public TimeSpan? RetryAfter { get; set; }

            public Func<CancellationToken, Task>? Before { get; set; }

            protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                Attempts++;
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
