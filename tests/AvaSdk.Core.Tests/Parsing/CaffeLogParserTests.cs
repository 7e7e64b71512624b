using System.Linq;
using AvaSdk.Parsing;
using Xunit;

namespace AvaSdk.Core.Tests.Parsing
{
    public class CaffeLogParserTests
    {
        private static Metric Single(string line, int? batchOfEpoch = null) =>
            Assert.Single(Fixtures.ParseAll(new CaffeLogParser(batchOfEpoch), new[] { line }).Metrics);

        [Fact]
        public void Reads_the_pre_1_0_loss_line()
        {
            var loss = Single("I0613 10:39:08.560788   202 solver.cpp:310] Iteration 10000, loss = 0.0031008");
            Assert.Equal(("loss", 0.0031008, 10000L, MetricPhase.Train), (loss.Name, loss.Value, loss.Iteration!.Value, loss.Phase));
            Assert.Equal(TrainingFramework.Caffe, loss.Framework);
            Assert.Equal("test-id", loss.TrainInstanceId);
            Assert.Equal(1, loss.Line);
        }

        [Fact]
        public void Reads_the_1_0_loss_line_with_its_speed()
        {
            var metrics = Fixtures.ParseAll(new CaffeLogParser(),
                new[] { "I0613 10:21:26.202908   202 solver.cpp:218] Iteration 0 (-4.41298e+18 iter/s, 3.779s/100 iters), loss = 2.36947" }).Metrics;
            Assert.Equal(new[] { ("speed", -4.41298e+18), ("loss", 2.36947) }, metrics.Select(m => (m.Name, m.Value)));
            Assert.All(metrics, m => Assert.Equal(0, m.Iteration));
        }

        [Fact]
        public void Reads_the_learning_rate()
        {
            var lr = Single("I0613 10:38:57.579257   202 sgd_solver.cpp:105] Iteration 9900, lr = 0.00596843");
            Assert.Equal(("lr", 0.00596843, 9900L), (lr.Name, lr.Value, lr.Iteration!.Value));
        }

        [Theory]
        [InlineData("Iteration 7, loss = nan", double.NaN)]
        [InlineData("Iteration 7, loss = -nan", double.NaN)]
        [InlineData("Iteration 7, loss = inf", double.PositiveInfinity)]
        [InlineData("Iteration 7, loss = -inf", double.NegativeInfinity)]
        [InlineData("Iteration 7, loss = +1.5E-3", 0.0015)]
        [InlineData("Iteration 7, loss = 2e5", 200000.0)]
        [InlineData("Iteration 7, loss = .5", 0.5)]
        public void Keeps_signs_exponents_nan_and_inf(string line, double expected)
        {
            Assert.Equal(expected, Single(line).Value);
        }

        [Fact]
        public void Test_outputs_carry_the_iteration_of_their_testing_line_with_or_without_the_loss_suffix()
        {
            var metrics = Fixtures.ParseAll(new CaffeLogParser(), new[]
            {
                "I0331 11:06:49.697353 24302 solver.cpp:317] Iteration 4000, loss = 0.569912",
                "I0331 11:06:49.697367 24302 solver.cpp:337] Iteration 4000, Testing net (#0)",
                "I0331 11:06:49.878609 24302 solver.cpp:404]     Test net output #0: accuracy = 0.7054",
                "I0331 11:06:49.878630 24302 solver.cpp:404]     Test net output #1: loss = 0.863621 (* 1 = 0.863621 loss)",
                "I0331 11:06:50.000000 24302 solver.cpp:228] Iteration 4100, loss = 0.5",
                "I0331 11:06:50.000001 24302 solver.cpp:244]     Train net output #0: loss = 0.51 (* 1 = 0.51 loss)",
            }).Metrics;
            Assert.Equal(new[]
            {
                ("loss", MetricPhase.Train, 4000L, 0.569912), ("accuracy", MetricPhase.Test, 4000L, 0.7054),
                ("loss", MetricPhase.Test, 4000L, 0.863621), ("loss", MetricPhase.Train, 4100L, 0.5), ("output:loss", MetricPhase.Train, 4100L, 0.51),
            }, metrics.Select(m => (m.Name, m.Phase, m.Iteration!.Value, m.Value)));
        }

        [Fact]
        public void The_raw_train_net_outputs_are_not_the_loss()
        {
            var metrics = Fixtures.ParseAll(new CaffeLogParser(), new[]
            {
                "I0331 11:06:34.923990 24302 solver.cpp:228] Iteration 0, loss = 230.337",
                "I0331 11:06:34.924002 24302 solver.cpp:244]     Train net output #0: loss = 2.30337 (* 1 = 2.30337 loss)",
                "I0331 11:06:34.924003 24302 solver.cpp:244]     Train net output #1: accuracy = 0.1",
            }).Metrics;
            Assert.Equal(new[] { ("loss", 230.337), ("output:loss", 2.30337), ("output:accuracy", 0.1) }, metrics.Select(m => (m.Name, m.Value)));
            Assert.All(metrics, m => Assert.Equal((0L, MetricPhase.Train), (m.Iteration!.Value, m.Phase)));
        }

        [Fact]
        public void Batch_of_epoch_gives_metrics_an_epoch_and_the_batch_within_it()
        {
            var known = Single("Iteration 1400, loss = 1", batchOfEpoch: 1000);
            Assert.Equal((1400L, 1, 400L), (known.Iteration!.Value, known.Epoch!.Value, known.Batch!.Value));
            var unknown = Single("Iteration 1400, loss = 1");
            Assert.Equal((1400L, (int?)null, (long?)null), (unknown.Iteration!.Value, unknown.Epoch, unknown.Batch));
        }

        [Fact]
        public void Ignores_lines_without_metrics()
        {
            Assert.Empty(Fixtures.ParseAll(new CaffeLogParser(), new[]
            {
                "I0613 10:21:25.625161   252 data_layer.cpp:73] Restarting data prefetching from start.",
                "I0613 10:21:21.000001   202 solver.cpp:330] Iteration 0, Testing net (#0)",
                "Iteration 5 done",
            }).Metrics);
        }

        [Fact]
        public void A_binary_proto_snapshot_is_one_event_with_weights_and_solver_state_raised_after_both_are_written()
        {
            var parser = new CaffeLogParser(batchOfEpoch: 2000);
            var output = Fixtures.ParseAll(parser, new[]
            {
                "I0613 10:30:01.000000   202 solver.cpp:445] Snapshotting to binary proto file /ws/out/lenet_iter_5000.caffemodel",
                "I0613 10:30:01.123456   202 sgd_solver.cpp:273] Snapshotting solver state to binary proto file /ws/out/lenet_iter_5000.solverstate",
                "I0613 10:30:02.000000   202 solver.cpp:228] Iteration 5000, loss = 0.1",
            });
            var snapshot = Assert.Single(output.Snapshots);
            Assert.Equal(new[] { "/ws/out/lenet_iter_5000.caffemodel", "/ws/out/lenet_iter_5000.solverstate" }, snapshot.Files);
            Assert.Equal(5000, snapshot.Iteration);
            Assert.Equal(3, snapshot.Epoch);
            Assert.Equal(1, snapshot.Line);
        }

        [Fact]
        public void A_snapshot_that_ends_the_log_is_raised_at_completion()
        {
            var parser = new CaffeLogParser();
            var output = new ParseOutput();
            parser.Parse("Snapshotting to binary proto file a_iter_10.caffemodel", new LogLineContext(1, default, null), output);
            parser.Parse("Snapshotting solver state to binary proto file a_iter_10.solverstate", new LogLineContext(2, default, null), output);
            Assert.Empty(output.Snapshots);
            parser.Complete(new LogLineContext(2, default, null), output);
            Assert.Equal(2, Assert.Single(output.Snapshots).Files.Count);
        }

        [SkippableFact]
        public void Parses_the_cifar10_training_log_completely()
        {
            var output = Fixtures.ParseFixture(new CaffeLogParser(), "caffe/aieater-rocm_caffe_informations-cifar10.log");
            var metrics = output.Metrics;

            // Counted in the log: 41 "Iteration N, loss" lines and 40 train outputs (all named loss), 40 lr lines,
            // 18 test outputs in 9 tests.
            Assert.Equal(40, metrics.Count(m => m.Name == "lr"));
            var losses = metrics.Where(m => m.Phase == MetricPhase.Train && m.Name == "loss").ToList();
            Assert.Equal(41, losses.Count);
            Assert.Equal(losses.Count, losses.Select(m => m.Iteration).Distinct().Count());
            Assert.Equal(40, metrics.Count(m => m.Name == "output:loss"));
            Assert.Equal(18, metrics.Count(m => m.Phase == MetricPhase.Test));
            Assert.Equal(9, metrics.Count(m => m.Phase == MetricPhase.Test && m.Name == "accuracy"));
            Assert.Equal(139, metrics.Count);

            Assert.Equal(230.337, metrics.First(m => m.Name == "loss" && m.Phase == MetricPhase.Train).Value);
            var lastAccuracy = metrics.Last(m => m.Name == "accuracy");
            Assert.Equal((0.7054, 4000L, 854L), (lastAccuracy.Value, lastAccuracy.Iteration!.Value, lastAccuracy.Line));

            var snapshot = Assert.Single(output.Snapshots);
            Assert.Equal(new[] { "examples/cifar10/cifar10_quick_iter_4000.caffemodel.h5", "examples/cifar10/cifar10_quick_iter_4000.solverstate.h5" }, snapshot.Files);
            Assert.Equal(4000, snapshot.Iteration);
        }

        [SkippableTheory]
        [InlineData("caffe/cvjena-cnn-models-AlexNet_cvgj-test.log", "accuracy=0.600099 loss=1.71935 top5=0.818901", 0.828046)]
        [InlineData("caffe/cvjena-cnn-models-VGG19_cvgj-test.log", "accuracy_top1=0.73106 accuracy_top5=0.91236 loss=1.09582", 0.391497)]
        public void Parses_the_test_only_logs(string fixture, string testOutputs, double trainLoss)
        {
            var metrics = Fixtures.ParseFixture(new CaffeLogParser(), fixture).Metrics;
            Assert.Equal(4, metrics.Count);
            Assert.Equal(trainLoss, metrics.Single(m => m.Phase == MetricPhase.Train).Value);
            var tests = metrics.Where(m => m.Phase == MetricPhase.Test).ToList();
            Assert.Equal(testOutputs, string.Join(" ", tests.Select(m => $"{m.Name}={m.Value}")));
            Assert.All(tests, m => Assert.Equal(0, m.Iteration));
        }
    }
}
