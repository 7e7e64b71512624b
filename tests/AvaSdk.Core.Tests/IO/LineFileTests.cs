using AvaSdk.Training;
using System;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AvaSdk.IO;
using AvaSdk.Reporting;
using Newtonsoft.Json.Linq;
using Xunit;

namespace AvaSdk.Core.Tests.IO
{
    /// <summary>A process killed mid-write leaves a torn last line: the next writer must not glue its record onto it.</summary>
    public sealed class LineFileTests : IDisposable
    {
        private readonly TempFolder folder = new TempFolder();

        [Fact]
        public void A_metric_written_after_a_torn_record_is_a_line_of_its_own()
        {
            var path = RunFolder.Of(folder.Path).Metrics;
            File.WriteAllText(path, "{\"name\":\"loss\",\"value\":1,\"iteration\":1}\n{\"name\":\"loss\",\"val");
            using (var writer = new MetricsJsonLinesWriter(global::AvaSdk.Training.RunFolder.Of(folder.Path)))
            {
                writer.Report(new Metric("loss", 0.5, 2, null, MetricPhase.Train, TrainingFramework.Caffe, DateTimeOffset.UnixEpoch, "run", 7));
                writer.Flush();
            }
            var lines = File.ReadAllLines(path);
            var records = lines.Select(JObject.Parse).ToList();
            Assert.Equal(new long[] { 1, 2 }, records.Select(r => (long)r["iteration"]!));
            Assert.Equal(0.5, (double)records[1]["value"]!);
        }

        [Fact]
        public void A_log_line_torn_by_a_kill_is_kept_and_ended()
        {
            var path = Path.Combine(folder.Path, "training.log");
            File.WriteAllText(path, "Iteration 1, loss = 1\nIteration 2, lo");
            using (var stream = LineFile.OpenAppend(path, keepTornLine: true))
                stream.Write("resumed\n"u8);
            Assert.Equal(new[] { "Iteration 1, loss = 1", "Iteration 2, lo", "resumed" }, File.ReadAllLines(path));
        }

        [Fact]
        public async Task The_spool_never_sends_a_torn_point_and_keeps_the_whole_ones()
        {
            var spool = new MetricSpool(global::AvaSdk.Training.RunFolder.Of(folder.Path));
            File.WriteAllText(spool.Path, "loss,batch=1 value=1 1000\nloss,batch=2 val");
            Assert.Equal(1, spool.Count);
            spool.Append(new[] { "loss,batch=3 value=3 3000" });
            var sent = new System.Collections.Generic.List<string>();
            var left = await spool.ReplayAsync((points, _) => { sent.AddRange(points); return Task.FromResult(true); }, 100, CancellationToken.None);
            Assert.Equal(0, left);
            Assert.Equal(new[] { "loss,batch=1 value=1 1000", "loss,batch=3 value=3 3000" }, sent);
        }

        [Theory]
        [InlineData("", "")]
        [InlineData("a\n", "a\n")]
        [InlineData("torn", "")]
        [InlineData("a\nb\ntorn", "a\nb\n")]
        public void Only_whole_lines_survive_an_open_for_append(string before, string after)
        {
            var path = Path.Combine(folder.Path, "records.jsonl");
            File.WriteAllText(path, before);
            using (LineFile.OpenAppend(path, keepTornLine: false))
            {
            }
            Assert.Equal(after, File.ReadAllText(path));
        }

        public void Dispose() => folder.Dispose();
    }
}
