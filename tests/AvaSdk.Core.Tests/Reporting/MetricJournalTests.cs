using AvaSdk.Training;
using System;
using System.IO;
using System.Linq;
using AvaSdk.Reporting;
using Xunit;

namespace AvaSdk.Core.Tests.Reporting
{
    /// <summary>metrics.jsonl read back must give the very points that were sent, or a resend would count twice.</summary>
    public sealed class MetricJournalTests : IDisposable
    {
        private readonly TempFolder folder = new TempFolder();

        [Fact]
        public void A_record_reads_back_as_the_same_point_to_the_tick()
        {
            var metrics = new[]
            {
                new Metric("lr", 0.001, 1000, 3, MetricPhase.Train, TrainingFramework.Caffe, new DateTimeOffset(2026, 12, 2, 6, 49, 37, TimeSpan.Zero).AddTicks(3746204), "run", 747, 40),
                new Metric("accuracy", 0.5, null, null, MetricPhase.Test, TrainingFramework.MXNet, DateTimeOffset.UnixEpoch.AddTicks(1), null, 1),
                new Metric("loss", double.NaN, 7, null, MetricPhase.Validation, TrainingFramework.Generic, DateTimeOffset.UnixEpoch, "run", 2),
                new Metric("loss", 0.25, 8, 1, MetricPhase.Train, TrainingFramework.Generic, DateTimeOffset.UnixEpoch, "run", 3, node: 3),
            };
            using (var writer = new MetricsJsonLinesWriter(global::AvaSdk.Training.RunFolder.Of(folder.Path)))
            {
                foreach (var metric in metrics)
                    writer.Report(metric);
                writer.Flush();
            }
            var journal = new MetricJournal(global::AvaSdk.Training.RunFolder.Of(folder.Path));
            var read = journal.ReadFrom(0).ToList();
            Assert.Equal(metrics.Length, read.Count);
            for (var i = 0; i < metrics.Length; i++)
            {
                Assert.NotNull(read[i]);
                Assert.Equal(metrics[i].Timestamp, read[i]!.Timestamp);
                Assert.Equal(LineProtocol.Encode(metrics[i]), LineProtocol.Encode(read[i]!));
                Assert.Equal((metrics[i].Name, metrics[i].Iteration, metrics[i].Batch, metrics[i].Epoch, metrics[i].Phase, metrics[i].Line, metrics[i].Node),
                    (read[i]!.Name, read[i]!.Iteration, read[i]!.Batch, read[i]!.Epoch, read[i]!.Phase, read[i]!.Line, read[i]!.Node));
            }
            Assert.True(double.IsNaN(read[2]!.Value));
        }

        [Fact]
        public void A_run_folder_without_a_position_counts_what_it_has_as_delivered()
        {
            File.WriteAllText(RunFolder.Of(folder.Path).Metrics, "{\"name\":\"a\",\"value\":1,\"timestamp\":\"2026-01-01T00:00:00Z\"}\n{\"name\":\"b\",\"value\":2,\"timestamp\":\"2026-01-01T00:00:00Z\"}\n");
            var journal = new MetricJournal(global::AvaSdk.Training.RunFolder.Of(folder.Path));
            Assert.Equal((2L, 2L), journal.Undelivered());
            Assert.Equal("2", File.ReadAllText(journal.PositionPath));
            journal.Save(1);
            Assert.Equal((1L, 2L), journal.Undelivered());
            // A position past the end (the crash lost the unflushed tail) comes back to the end.
            journal.Save(5);
            Assert.Equal((2L, 2L), journal.Undelivered());
            Assert.Equal("2", File.ReadAllText(journal.PositionPath));
        }

        public void Dispose() => folder.Dispose();
    }
}
