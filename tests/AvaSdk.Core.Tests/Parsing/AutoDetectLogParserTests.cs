using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using AvaSdk.Parsing;
using Xunit;

namespace AvaSdk.Core.Tests.Parsing
{
    public class AutoDetectLogParserTests
    {
        private static readonly string[] CaffeLines =
        {
            "I0331 11:06:34.719523 24302 solver.cpp:337] Iteration 0, Testing net (#0)",
            "I0331 11:06:34.900000 24302 solver.cpp:404]     Test net output #0: accuracy = 0.1",
            "I0331 11:06:34.923990 24302 solver.cpp:228] Iteration 0, loss = 230.337",
            "I0331 11:06:34.924007 24302 sgd_solver.cpp:106] Iteration 0, lr = 0.001",
            "I0331 11:06:35.254720 24302 solver.cpp:228] Iteration 100, loss = 1.69312",
        };

        private static readonly string[] MXNetLines =
        {
            "INFO:root:Epoch[0] Batch [50]\tSpeed: 707.55 samples/sec\tTrain-accuracy=0.198750",
            "INFO:root:Epoch[0] Train-accuracy=0.5",
            "INFO:root:Epoch[0] Validation-accuracy=0.50267",
        };

        private static AutoDetectLogParser Auto(params MetricDefinition[] definitions) =>
            (AutoDetectLogParser)LogParsers.For(TrainingFramework.Auto, definitions, null);

        // Each line's output, as a run sees it.
        private static List<ParseOutput> ParseEach(ILogParser parser, IEnumerable<string> lines)
        {
            var outputs = new List<ParseOutput>();
            long number = 0;
            foreach (var line in lines)
            {
                var output = new ParseOutput();
                parser.Parse(line, new LogLineContext(++number, DateTimeOffset.UnixEpoch, "test-id"), output);
                outputs.Add(output);
            }
            return outputs;
        }

        [Fact]
        public void Caffe_solver_lines_are_detected_as_Caffe_on_the_first_line_with_a_metric()
        {
            var parser = Auto();
            var outputs = ParseEach(parser, CaffeLines);
            Assert.Equal(TrainingFramework.Caffe, parser.Detected);
            Assert.Equal(new TrainingFramework?[] { null, TrainingFramework.Caffe, null, null, null }, outputs.Select(o => o.DetectedFramework));
            var metrics = outputs.SelectMany(o => o.Metrics).ToList();
            Assert.Equal(new[] { "accuracy", "loss", "lr", "loss" }, metrics.Select(m => m.Name));
            Assert.All(metrics, m => Assert.Equal(TrainingFramework.Caffe, m.Framework));
            // The Testing net line before the choice still gave the test output its iteration.
            Assert.Equal((MetricPhase.Test, 0L), (metrics[0].Phase, metrics[0].Iteration!.Value));
        }

        [Fact]
        public void MXNet_speedometer_lines_are_detected_as_MXNet()
        {
            var parser = Auto();
            var metrics = Fixtures.ParseAll(parser, MXNetLines).Metrics;
            Assert.Equal(TrainingFramework.MXNet, parser.Detected);
            Assert.Equal(new[] { "speed", "accuracy", "accuracy", "accuracy" }, metrics.Select(m => m.Name));
            Assert.All(metrics, m => Assert.Equal(TrainingFramework.MXNet, m.Framework));
        }

        [Fact]
        public void Json_lines_read_before_Caffe_lines_decide_nothing_and_carry_Generic_until_the_choice()
        {
            var parser = Auto();
            var outputs = ParseEach(parser, new[] { "{\"step\": 1, \"loss\": 0.5}", "{\"step\": 2, \"loss\": 0.4}" }.Concat(CaffeLines).Append("{\"step\": 200, \"loss\": 0.3}"));
            Assert.Equal(TrainingFramework.Caffe, parser.Detected);
            Assert.Equal(TrainingFramework.Caffe, outputs[3].DetectedFramework);
            Assert.Equal(new[] { TrainingFramework.Generic, TrainingFramework.Generic }, outputs.Take(2).SelectMany(o => o.Metrics).Select(m => m.Framework));
            Assert.All(outputs.Skip(2).SelectMany(o => o.Metrics), m => Assert.Equal(TrainingFramework.Caffe, m.Framework));
            Assert.Equal(0.3, outputs[^1].Metrics.Single().Value);
        }

        [Fact]
        public void Json_lines_alone_decide_nothing_and_their_metrics_are_Generic()
        {
            var parser = Auto();
            var metrics = Fixtures.ParseAll(parser, new[] { "{\"step\": 1, \"loss\": 0.5, \"acc\": 0.25}", "plain text", "{\"step\": 2, \"loss\": 0.4}" }).Metrics;
            Assert.Null(parser.Detected);
            Assert.Equal(new[] { "loss", "acc", "loss" }, metrics.Select(m => m.Name));
            Assert.All(metrics, m => Assert.Equal(TrainingFramework.Generic, m.Framework));
        }

        [Fact]
        public void Metric_definitions_apply_and_carry_the_detected_framework_from_the_choice_on()
        {
            var parser = Auto(new MetricDefinition("top1", @"top1 = ([0-9.]+)"));
            var metrics = Fixtures.ParseAll(parser, new[] { "top1 = 0.25" }.Concat(CaffeLines).Append("top1 = 0.5")).Metrics.Where(m => m.Name == "top1").ToList();
            Assert.Equal(new[] { (0.25, TrainingFramework.Generic), (0.5, TrainingFramework.Caffe) }, metrics.Select(m => (m.Value, m.Framework)));
        }

        [Fact]
        public void A_line_several_candidates_read_decides_nothing()
        {
            // Two candidates that read "shared" lines alike, and each a line of its own.
            var caffe = new GenericLogParser(new[] { new MetricDefinition("shared", @"shared=(\d+)"), new MetricDefinition("own", @"caffe=(\d+)") }, false, TrainingFramework.Caffe);
            var mxnet = new GenericLogParser(new[] { new MetricDefinition("shared", @"shared=(\d+)"), new MetricDefinition("own", @"mxnet=(\d+)") }, false, TrainingFramework.MXNet);
            var parser = new AutoDetectLogParser(new GenericLogParser(Array.Empty<MetricDefinition>(), readJsonLines: true), (TrainingFramework.Caffe, caffe), (TrainingFramework.MXNet, mxnet));
            var outputs = ParseEach(parser, new[] { "shared=1", "mxnet=2", "caffe=3", "shared=4" });
            Assert.Equal(TrainingFramework.MXNet, parser.Detected);
            Assert.Equal(new TrainingFramework?[] { null, TrainingFramework.MXNet, null, null }, outputs.Select(o => o.DetectedFramework));
            // One reading of the shared line, with no framework yet; after the choice, only the chosen one reads.
            Assert.Equal(new[] { ("shared", TrainingFramework.Generic), ("own", TrainingFramework.MXNet), ("shared", TrainingFramework.MXNet) },
                outputs.SelectMany(o => o.Metrics).Select(m => (m.Name, m.Framework)));
        }

        [Fact]
        public void Names_every_format_it_tries()
        {
            Assert.Equal(new[] { "Caffe", "MXNet", "JSON lines" }, Auto().Formats);
            Assert.Equal(new[] { "Caffe", "MXNet", "JSON lines", "1 metric definition(s)" }, Auto(new MetricDefinition("x", "x=(\\d+)")).Formats);
        }

        [SkippableTheory]
        [InlineData("caffe/aieater-rocm_caffe_informations-cifar10.log", TrainingFramework.Caffe)]
        [InlineData("caffe/cvjena-cnn-models-VGG19_cvgj-test.log", TrainingFramework.Caffe)]
        [InlineData("mxnet/tornadomeet-resnet-164.log", TrainingFramework.MXNet)]
        [InlineData("mxnet/tornadomeet-resnet-18.log", TrainingFramework.MXNet)]
        public void A_real_log_is_detected_as_its_own_and_read_as_its_parser_reads_it(string fixture, TrainingFramework framework)
        {
            var parser = Auto();
            var detected = Fixtures.ParseFixture(parser, fixture);
            var own = Fixtures.ParseFixture(LogParsers.For(framework, Array.Empty<MetricDefinition>(), null), fixture);
            Assert.Equal(framework, parser.Detected);
            Assert.All(detected.Metrics, m => Assert.Equal(framework, m.Framework));
            Assert.Equal(own.Metrics.Select(m => m.ToString() + m.Line), detected.Metrics.Select(m => m.ToString() + m.Line));
            Assert.Equal(own.Snapshots.Select(s => string.Join(",", s.Files) + s.Epoch), detected.Snapshots.Select(s => string.Join(",", s.Files) + s.Epoch));
        }

        [SkippableTheory]
        [InlineData("keras")]
        [InlineData("lightning")]
        [InlineData("huggingface")]
        [InlineData("pytorch-examples")]
        [InlineData("tqdm")]
        public void Other_trainers_logs_are_taken_for_neither_Caffe_nor_MXNet(string folder)
        {
            var logs = Directory.GetFiles(Path.GetDirectoryName(Fixtures.Path("caffe/SOURCES.md"))! + "/../" + folder, "*.log");
            Assert.NotEmpty(logs);
            foreach (var log in logs)
            {
                var parser = Auto();
                Fixtures.ParseAll(parser, File.ReadLines(log));
                Assert.True(parser.Detected == null, $"{log} was taken for {parser.Detected}");
            }
        }
    }
}
