using System.Linq;
using AvaSdk.Errors;
using AvaSdk.Parsing;
using Xunit;

namespace AvaSdk.Core.Tests.Parsing
{
    public class GenericLogParserTests
    {
        [Fact]
        public void The_first_capture_group_of_a_definition_is_the_value()
        {
            var parser = new GenericLogParser(new[] { new MetricDefinition("loss", @"loss: ([-+0-9.eE]+|nan|inf)") }, readJsonLines: false);
            var metrics = Fixtures.ParseAll(parser, new[] { "step 1 loss: 0.5", "no metric", "step 2 loss: nan" }).Metrics;
            Assert.Equal(2, metrics.Count);
            Assert.Equal(0.5, metrics[0].Value);
            Assert.True(double.IsNaN(metrics[1].Value));
            Assert.Equal(new[] { 1L, 3L }, metrics.Select(m => m.Line));
        }

        [Fact]
        public void Named_iteration_and_epoch_groups_fill_those_columns()
        {
            var parser = new GenericLogParser(new[] { new MetricDefinition("acc", @"epoch (?<epoch>\d+) step (?<iteration>\d+) acc=([0-9.]+)") }, false);
            var metric = Assert.Single(Fixtures.ParseAll(parser, new[] { "epoch 3 step 120 acc=0.75" }).Metrics);
            Assert.Equal((0.75, 3, 120L), (metric.Value, metric.Epoch!.Value, metric.Iteration!.Value));
        }

        [Fact]
        public void A_json_line_yields_one_metric_per_numeric_field()
        {
            var parser = new GenericLogParser(new MetricDefinition[0], readJsonLines: true);
            var metrics = Fixtures.ParseAll(parser, new[]
            {
                "{\"step\": 100, \"epoch\": 2, \"loss\": 0.25, \"lr\": 1e-3, \"note\": \"warmup\", \"phase\": \"validation\", \"acc\": NaN}",
                "{not json}",
            }).Metrics;
            Assert.Equal(new[] { "loss", "lr", "acc" }, metrics.Select(m => m.Name));
            Assert.All(metrics, m => Assert.Equal((100L, 2, MetricPhase.Validation), (m.Iteration!.Value, m.Epoch!.Value, m.Phase)));
            Assert.True(double.IsNaN(metrics[2].Value));
        }

        [Theory]
        [InlineData("", "x: (\\d+)", "its Name is empty")]
        [InlineData("x", "x: (\\d+", "does not compile")]
        [InlineData("x", "x: \\d+", "no unnamed capture group")]
        [InlineData("x", "x: (?<v>\\d+)", "no unnamed capture group")]
        public void Unusable_definitions_are_rejected_with_the_reason(string name, string regex, string reason)
        {
            var error = Assert.Throws<AvaException>(() => new MetricDefinition(name, regex));
            Assert.Equal("AvaMetricDefinitionInvalid", error.ErrorId);
            Assert.Contains(reason, error.Message);
        }

        [Fact]
        public void Definitions_add_to_a_framework_parser()
        {
            var parser = LogParsers.For(TrainingFramework.Caffe, new[] { new MetricDefinition("gpu-mem", @"mem=(\d+)MB") }, null);
            var metrics = Fixtures.ParseAll(parser, new[] { "Iteration 5, loss = 1", "mem=512MB" }).Metrics;
            Assert.Equal(new[] { ("loss", TrainingFramework.Caffe), ("gpu-mem", TrainingFramework.Caffe) }, metrics.Select(m => (m.Name, m.Framework)));
        }
    }
}
