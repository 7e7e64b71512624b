using AvaSdk.Training;
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using AvaSdk.Logging;
using AvaSdk.Reporting;
using Xunit;

namespace AvaSdk.Core.Tests.Reporting
{
    public class LineProtocolClientTests
    {
        private static readonly Uri Url = new Uri("http://probe.test/v1/report/trainings/x/metric");

        [Theory]
        [InlineData(204, "", true)]
        [InlineData(200, "{\"code\":0}", true)]
        [InlineData(200, "ok", true)]
        [InlineData(200, "{\"code\":500,\"error\":\"busy\"}", false)]
        [InlineData(400, "{\"error\":\"bad point\"}", false)]
        public async Task Accepts_only_a_2xx_whose_probe_code_is_zero_or_absent(int status, string body, bool accepted)
        {
            var server = new ScriptedHandler(Enumerable.Repeat((status, body, (TimeSpan?)null), 10));
            using var client = new LineProtocolClient(Url, InstanceLog.Detached, new AvaSdk.Http.HttpSettings { MaxRetry = 2, BaseDelay = TimeSpan.FromMilliseconds(1) }, handler: server);
            Assert.Equal(accepted, await client.SendAsync(new[] { "m value=1" }, CancellationToken.None));
            Assert.Equal("m value=1", server.Bodies[0]);
        }

        [Fact]
        public async Task Retries_5xx_and_429_and_a_failing_probe_code_but_not_4xx()
        {
            var transient = new ScriptedHandler(new[] { (503, "", (TimeSpan?)null), (429, "", (TimeSpan?)null), (200, "{\"code\":1}", (TimeSpan?)null), (204, "", (TimeSpan?)null) });
            using (var client = new LineProtocolClient(Url, InstanceLog.Detached, new AvaSdk.Http.HttpSettings { MaxRetry = 5, BaseDelay = TimeSpan.FromMilliseconds(1) }, handler: transient))
                Assert.True(await client.SendAsync(new[] { "m value=1" }, CancellationToken.None));
            Assert.Equal(4, transient.Bodies.Count);

            var final = new ScriptedHandler(new[] { (400, "bad", (TimeSpan?)null), (204, "", (TimeSpan?)null) });
            using (var client = new LineProtocolClient(Url, InstanceLog.Detached, new AvaSdk.Http.HttpSettings { MaxRetry = 5, BaseDelay = TimeSpan.FromMilliseconds(1) }, handler: final))
                Assert.False(await client.SendAsync(new[] { "m value=1" }, CancellationToken.None));
            Assert.Single(final.Bodies);
        }

        [Fact]
        public async Task Honours_retry_after()
        {
            var server = new ScriptedHandler(new[] { (503, "", (TimeSpan?)TimeSpan.FromMilliseconds(300)), (204, "", (TimeSpan?)null) });
            using var client = new LineProtocolClient(Url, InstanceLog.Detached, new AvaSdk.Http.HttpSettings { MaxRetry = 1, BaseDelay = TimeSpan.FromMilliseconds(1) }, handler: server);
            Assert.True(await client.SendAsync(new[] { "m value=1" }, CancellationToken.None));
            Assert.True(server.Times[1] - server.Times[0] >= TimeSpan.FromMilliseconds(250), $"retried after {server.Times[1] - server.Times[0]}");
        }

        [Fact]
        public async Task The_reporter_spools_what_fails_and_replays_it_after_the_next_success()
        {
            using var temp = new TempFolder();
            var down = true;
            var server = new ScriptedHandler(() => down ? (503, "", null) : (204, "", null));
            var spool = new MetricSpool(global::AvaSdk.Training.RunFolder.Of(temp.Path));
            var reporter = new LineProtocolReporter(new LineProtocolClient(Url, InstanceLog.Detached, new AvaSdk.Http.HttpSettings { MaxRetry = 1, BaseDelay = TimeSpan.FromMilliseconds(1) }, handler: server),
                spool, batchWindow: TimeSpan.FromMilliseconds(10));

            reporter.Report(NewMetric("loss", 1, line: 1));
            await WaitUntil(() => spool.Count == 1);
            down = false;
            reporter.Report(NewMetric("loss", 2, line: 2));
            var outcome = await reporter.CompleteAsync(CancellationToken.None);

            Assert.Equal(0, outcome.Undelivered);
            Assert.False(File.Exists(spool.Path));
            var delivered = server.Bodies.Skip(server.Bodies.Count - 2).ToList();
            Assert.Contains(" value=2 ", delivered[0]);
            Assert.Contains(" value=1 ", delivered[1]);
            reporter.Dispose();
        }

        [Fact]
        public async Task The_reporter_counts_what_it_could_not_deliver_or_encode()
        {
            using var temp = new TempFolder();
            var reporter = new LineProtocolReporter(
                new LineProtocolClient(Url, InstanceLog.Detached, new AvaSdk.Http.HttpSettings { MaxRetry = 0 }, handler: new ScriptedHandler(() => (500, "", null))),
                new MetricSpool(global::AvaSdk.Training.RunFolder.Of(temp.Path)), batchWindow: TimeSpan.FromMilliseconds(10));
            reporter.Report(NewMetric("loss", 1, 1));
            reporter.Report(NewMetric("loss", double.NaN, 2));
            reporter.Report(NewMetric("loss", 3, 3));
            var outcome = await reporter.CompleteAsync(CancellationToken.None);
            Assert.Equal(2, outcome.Undelivered);
            Assert.Equal(1, outcome.NotRepresentable);
            Assert.Equal(RunFolder.Of(temp.Path).MetricSpool, outcome.KeptIn);
            reporter.Dispose();
        }

        [Fact]
        public async Task Platform_progress_follows_training_metrics_of_a_batch_at_a_new_iteration()
        {
            using var temp = new TempFolder();
            var server = new ScriptedHandler(() => (204, "", null));
            var reporter = new LineProtocolReporter(new LineProtocolClient(Url, InstanceLog.Detached, new AvaSdk.Http.HttpSettings { MaxRetry = 0 }, handler: server),
                new MetricSpool(global::AvaSdk.Training.RunFolder.Of(temp.Path)), batchWindow: TimeSpan.FromMilliseconds(10))
            {
                PlatformProgress = true,
                SamplesPerIteration = 128,
                TrainSamples = 50000,
            };
            Metric At(string name, long? iteration, long? batch, MetricPhase phase = MetricPhase.Train) =>
                new Metric(name, 1, iteration, 2, phase, TrainingFramework.MXNet, DateTimeOffset.UnixEpoch, "x", 1, batch);
            reporter.Report(At("lr", 900, null));
            reporter.Report(At("speed", 832, 50));
            reporter.Report(At("accuracy", 832, 50));
            reporter.Report(At("accuracy", 900, 118, MetricPhase.Validation));
            await reporter.CompleteAsync(CancellationToken.None);
            reporter.Dispose();

            var measurements = server.Bodies.SelectMany(body => body.Split('\n')).Select(line => line.Split(',')[0]).ToList();
            Assert.Equal(new[]
            {
                "ava_metric_training_learning_rate", "ava_metric_training_speed", "ava_metric_training_sample_num", "ava_metric_meta_info",
                "ava_metric_training_accuracy", "ava_metric_training_val_accuracy",
            }, measurements);
        }

        [Fact]
        public async Task Replaying_a_spool_keeps_what_is_still_not_sent()
        {
            using var temp = new TempFolder();
            var spool = new MetricSpool(global::AvaSdk.Training.RunFolder.Of(temp.Path));
            spool.Append(new[] { "a value=1", "b value=2", "c value=3" });
            var calls = 0;
            var remaining = await spool.ReplayAsync((batch, _) => Task.FromResult(++calls == 1), batchSize: 2, CancellationToken.None);
            Assert.Equal(1, remaining);
            Assert.Equal(new[] { "c value=3" }, File.ReadAllLines(spool.Path));
        }

        private static Metric NewMetric(string name, double value, long line) =>
            new Metric(name, value, line, null, MetricPhase.Train, TrainingFramework.Generic, DateTimeOffset.UtcNow, "x", line);

        private static async Task WaitUntil(Func<bool> condition)
        {
            for (var i = 0; i < 500 && !condition(); i++)
                await Task.Delay(10);
            Assert.True(condition());
        }

        /// <summary>Answers requests from a script of (status, body, Retry-After) and records what it got and when.</summary>
        private sealed class ScriptedHandler : HttpMessageHandler
        {
            private readonly Func<(int Status, string Body, TimeSpan? RetryAfter)> next;

            public ScriptedHandler(IEnumerable<(int, string, TimeSpan?)> script)
            {
                var queue = new Queue<(int, string, TimeSpan?)>(script);
                next = () => queue.Dequeue();
            }

            public ScriptedHandler(Func<(int, string, TimeSpan?)> next)
            {
                this.next = next;
            }

            public List<string> Bodies { get; } = new List<string>();

            public List<DateTime> Times { get; } = new List<DateTime>();

            protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                lock (Bodies)
                {
                    Times.Add(DateTime.UtcNow);
                }
                var body = await request.Content!.ReadAsStringAsync(cancellationToken);
                lock (Bodies)
                    Bodies.Add(body);
                var (status, reply, retryAfter) = next();
                var response = new HttpResponseMessage((HttpStatusCode)status) { Content = new StringContent(reply) };
                if (retryAfter is TimeSpan delay)
                    response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(delay);
                return response;
            }
        }
    }
}
