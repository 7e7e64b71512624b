using System.Linq;
using AvaSdk.Parsing;
using Xunit;

namespace AvaSdk.Core.Tests.Parsing
{
    public class MXNetLogParserTests
    {
        private static ParseOutput Parse(params string[] lines) => Fixtures.ParseAll(new MXNetLogParser(), lines);

        [Fact]
        public void Reads_a_speedometer_line_with_one_metric()
        {
            var metrics = Parse("INFO:root:Epoch[0] Batch [50]\tSpeed: 707.55 samples/sec\tTrain-accuracy=0.198750").Metrics;
            Assert.Equal(new[] { ("speed", 707.55), ("accuracy", 0.19875) }, metrics.Select(m => (m.Name, m.Value)));
            Assert.All(metrics, m => Assert.Equal((0, 50L, 50L, MetricPhase.Train), (m.Epoch!.Value, m.Batch!.Value, m.Iteration!.Value, m.Phase)));
        }

        [Fact]
        public void Reads_a_speedometer_line_with_several_metrics_and_a_batch_range()
        {
            var metrics = Parse("2018-03-01 10:00:00,123 Node[0] Epoch[3] Batch [100-200]\tSpeed: 1234.5 samples/sec\taccuracy=0.5\tcross-entropy=1.25e+00").Metrics;
            Assert.Equal(new[] { ("speed", 1234.5), ("accuracy", 0.5), ("cross-entropy", 1.25) }, metrics.Select(m => (m.Name, m.Value)));
            Assert.All(metrics, m => Assert.Equal((3, 200L, (long?)null), (m.Epoch!.Value, m.Batch!.Value, m.Iteration)));
        }

        [Theory]
        [InlineData("2018-03-01 10:00:00,123 Node[3] Epoch[3] Batch [100]\tSpeed: 1.5 samples/sec\taccuracy=0.5", 3)]
        [InlineData("INFO:root:Node[12] Epoch[0] Train-accuracy=0.5", 12)]
        [InlineData("INFO:root:Epoch[0] Batch [20]\tSpeed: 1.5 samples/sec\taccuracy=0.5", null)]
        [InlineData("INFO:root:Node[x] Epoch[0] Train-accuracy=0.5", null)]
        public void Tells_the_node_a_worker_s_line_names(string line, int? node)
        {
            Assert.Equal(node, Parse(line).Node);
        }

        [Fact]
        public void Reads_the_older_iter_form_and_nan()
        {
            var metrics = Parse("INFO:root:Iter[2] Batch [20]\tSpeed: 100.00 samples/sec\tTrain-ce=nan").Metrics;
            Assert.Equal(2, metrics.Count);
            Assert.True(double.IsNaN(metrics[1].Value));
            Assert.Equal(("ce", 2), (metrics[1].Name, metrics[1].Epoch!.Value));
        }

        [Fact]
        public void Reads_epoch_end_train_validation_and_time_cost()
        {
            var metrics = Parse(
                "INFO:root:Epoch[4] Train-accuracy=0.91",
                "INFO:root:Epoch[4] Validation-top_k_accuracy_5=0.424605",
                "INFO:root:Epoch[4] Time cost=72.598").Metrics;
            Assert.Equal(new[]
            {
                ("accuracy", MetricPhase.Train, 0.91), ("top_k_accuracy_5", MetricPhase.Validation, 0.424605), ("time-cost", MetricPhase.Train, 72.598),
            }, metrics.Select(m => (m.Name, m.Phase, m.Value)));
            Assert.All(metrics, m => Assert.Equal(4, m.Epoch));
            Assert.All(metrics, m => Assert.Null(m.Iteration));
        }

        [Fact]
        public void A_given_epoch_length_makes_the_iteration_cumulative()
        {
            var metrics = Fixtures.ParseAll(new MXNetLogParser(batchOfEpoch: 391), new[]
            {
                "INFO:root:Epoch[0] Batch [50]\tSpeed: 707.55 samples/sec\tTrain-accuracy=0.198750",
                "INFO:root:Epoch[2] Batch [100]\tSpeed: 685.46 samples/sec\tTrain-accuracy=0.5",
            }).Metrics;
            Assert.Equal(new[] { (0, 50L, 50L), (0, 50L, 50L), (2, 100L, 882L), (2, 100L, 882L) },
                metrics.Select(m => (m.Epoch!.Value, m.Batch!.Value, m.Iteration!.Value)));
        }

        [Fact]
        public void Without_an_epoch_length_it_is_learned_from_the_first_completed_epoch()
        {
            var metrics = Parse(
                "INFO:root:Epoch[0] Batch [50]\tSpeed: 1 samples/sec",
                "INFO:root:Epoch[0] Batch [100]\tSpeed: 2 samples/sec",
                "INFO:root:Epoch[1] Batch [50]\tSpeed: 3 samples/sec",
                "INFO:root:Epoch[2] Batch [50]\tSpeed: 4 samples/sec").Metrics;
            Assert.Equal(new long?[] { 50, 100, 150, 250 }, metrics.Select(m => m.Iteration));
            Assert.Equal(new long?[] { 50, 100, 50, 50 }, metrics.Select(m => m.Batch));

            var unknown = Parse(
                "INFO:root:Epoch[1] Batch [50]\tSpeed: 3 samples/sec",
                "INFO:root:Epoch[1] Time cost=72.598",
                "INFO:root:Epoch[2] Batch [50]\tSpeed: 4 samples/sec").Metrics;
            Assert.Equal(new long?[] { null, null, 150 }, unknown.Select(m => m.Iteration));
        }

        [Theory]
        [InlineData("INFO:root:Epoch[2] Batch [100]\tlearning-rate: 0.05", 2, 100L)]
        [InlineData("INFO:root:Epoch[2] Batch [100] lr: 5e-2", 2, 100L)]
        [InlineData("INFO:root:Epoch[2] Batch [100]\tSpeed: 685.46 samples/sec\tlr=0.05", 2, 100L)]
        public void Reads_the_learning_rate_logged_for_a_batch(string line, int epoch, long batch)
        {
            var lr = Parse(line).Metrics.Single(m => m.Name == "lr");
            Assert.Equal((0.05, epoch, batch, MetricPhase.Train), (lr.Value, lr.Epoch!.Value, lr.Batch!.Value, lr.Phase));
        }

        [Fact]
        public void Reads_the_schedulers_learning_rate_change_at_its_update_count()
        {
            var metrics = Parse(
                "INFO:root:Update[7]: Change learning rate to 1.00000e-01",
                "INFO:root:Epoch[219] Validation-accuracy=0.9",
                "INFO:root:Update[85801]: Change learning rate to 1.00000e-02").Metrics.Where(m => m.Name == "lr").ToList();
            Assert.Equal(new[] { (0.1, 7L, (int?)null), (0.01, 85801L, (int?)219) }, metrics.Select(m => (m.Value, m.Iteration!.Value, m.Epoch)));
            Assert.All(metrics, m => Assert.Null(m.Batch));
        }

        [Fact]
        public void Looks_past_ansi_colours()
        {
            var metric = Assert.Single(Parse("INFO:root:\u001b[91mEpoch[1] Validation-accuracy=0.5\u001b[0m").Metrics);
            Assert.Equal(("accuracy", 0.5), (metric.Name, metric.Value));
        }

        [Fact]
        public void A_checkpoint_is_a_snapshot_event_with_its_symbol_and_states_files()
        {
            var snapshot = Assert.Single(Parse("INFO:root:Saved checkpoint to \"model/resnet-cifar10-164-0003.params\"").Snapshots);
            Assert.Equal(new[] { "model/resnet-cifar10-164-0003.params" }, snapshot.Files);
            Assert.Equal(new[] { "model/resnet-cifar10-164-symbol.json", "model/resnet-cifar10-164-0003.states" }, snapshot.CompanionFiles);
            Assert.Equal(3, snapshot.Epoch);
        }

        [Fact]
        public void Ignores_native_and_other_lines()
        {
            Assert.Empty(Parse(
                "[13:55:23] src/io/iter_image_recordio.cc:209: ImageRecordIOParser: train.rec, use 4 threads for decoding..",
                "INFO:root:Start training with [gpu(2), gpu(3)]",
                "INFO:root:Epoch[0] Resetting Data Iterator",
                "nohup: ignoring input").Metrics);
        }

        // Counts from the logs themselves: Speedometer lines (each a speed and one metric), Validation lines,
        // Time cost lines, checkpoint lines, the scheduler's learning rate changes.
        [SkippableTheory]
        [InlineData("mxnet/tornadomeet-resnet-164.log", 2100, 300, 300, 300, 3)]
        [InlineData("mxnet/tornadomeet-resnet-18.log", 12100, 241, 121, 121, 3)]
        [InlineData("mxnet/tornadomeet-resnet-50.log", 25200, 252, 126, 126, 2)]
        public void Parses_the_real_logs_completely(string fixture, int speedometerLines, int validation, int timeCost, int checkpoints, int learningRateChanges)
        {
            var output = Fixtures.ParseFixture(new MXNetLogParser(), fixture);
            var metrics = output.Metrics;
            Assert.Equal(speedometerLines, metrics.Count(m => m.Name == "speed"));
            Assert.Equal(speedometerLines, metrics.Count(m => m.Phase == MetricPhase.Train && m.Batch != null && m.Name != "speed"));
            Assert.Equal(validation, metrics.Count(m => m.Phase == MetricPhase.Validation));
            Assert.Equal(timeCost, metrics.Count(m => m.Name == "time-cost"));
            Assert.Equal(learningRateChanges, metrics.Count(m => m.Name == "lr"));
            Assert.Equal(speedometerLines * 2 + validation + timeCost + learningRateChanges, metrics.Count);
            Assert.Equal(checkpoints, output.Snapshots.Count);
        }

        [SkippableFact]
        public void Reads_the_values_the_resnet_164_log_holds()
        {
            var output = Fixtures.ParseFixture(new MXNetLogParser(), "mxnet/tornadomeet-resnet-164.log");
            var first = output.Metrics.First(m => m.Name == "accuracy");
            Assert.Equal((0.19875, 0, 50L), (first.Value, first.Epoch!.Value, first.Iteration!.Value));
            var firstValidation = output.Metrics.First(m => m.Phase == MetricPhase.Validation);
            Assert.Equal((0.50267, 0), (firstValidation.Value, firstValidation.Epoch!.Value));
            Assert.Equal(1, output.Snapshots[0].Epoch);
            Assert.Equal("model/resnet-cifar10-164-0001.params", output.Snapshots[0].Files[0]);
        }
    }
}
