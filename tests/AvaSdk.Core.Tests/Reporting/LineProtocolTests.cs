using System.Linq;
using System;
using AvaSdk.Reporting;
using Xunit;

namespace AvaSdk.Core.Tests.Reporting
{
    public class LineProtocolTests
    {
        private static readonly DateTimeOffset At = DateTimeOffset.FromUnixTimeMilliseconds(1498186063000).AddTicks(5);

        private static Metric Metric(string name, double value, MetricPhase phase = MetricPhase.Train, long? iteration = 400, int? epoch = 0, string? id = "5a8f") =>
            new Metric(name, value, iteration, epoch, phase, TrainingFramework.Caffe, At, id, 1);

        [Fact]
        public void Encodes_the_original_sdk_measurements_with_sorted_tags_and_nanoseconds()
        {
            Assert.Equal("ava_metric_training_loss,batch=400,epoch=0,id=5a8f,job_type=training,phase=train value=0.0306422 1498186063000000500",
                LineProtocol.Encode(Metric("loss", 0.0306422)));
            Assert.StartsWith("ava_metric_training_learning_rate,", LineProtocol.Encode(Metric("lr", 0.01)));
            Assert.StartsWith("ava_metric_training_val_accuracy,", LineProtocol.Encode(Metric("accuracy", 0.9, MetricPhase.Test)));
            Assert.StartsWith("ava_metric_training_val_top_k_accuracy_5,", LineProtocol.Encode(Metric("top_k_accuracy_5", 0.4, MetricPhase.Validation)));
            Assert.StartsWith("ava_metric_training_time_cost,", LineProtocol.Encode(Metric("time-cost", 72.5)));
        }

        [Fact]
        public void Leaves_out_tags_that_have_no_value()
        {
            Assert.Equal("ava_metric_training_val_accuracy,job_type=training,phase=validation value=0.5 1498186063000000500",
                LineProtocol.Encode(Metric("accuracy", 0.5, MetricPhase.Validation, iteration: null, epoch: null, id: null)));
        }

        [Fact]
        public void Tags_the_node_of_a_multi_node_job_between_job_type_and_phase()
        {
            var metric = new Metric("loss", 0.5, 400, 0, MetricPhase.Train, TrainingFramework.Caffe, At, "5a8f", 1, 40, node: 2);
            Assert.Equal("ava_metric_training_loss,batch=400,epoch=0,id=5a8f,job_type=training,node=2,phase=train value=0.5 1498186063000000500",
                LineProtocol.Encode(metric));
            Assert.All(LineProtocol.ProgressPoints(metric, 32, null), point => Assert.Contains(",job_type=training,node=2 ", point));
        }

        [Fact]
        public void Escapes_tag_values_as_influxdb_does()
        {
            Assert.Contains(",id=a\\ b\\,c\\=d,", LineProtocol.Encode(Metric("loss", 1, id: "a b,c=d")));
            Assert.Equal("m\\,\\ x=y", LineProtocol.Escape("m, x=y", measurement: true));
        }

        [Theory]
        [InlineData(double.NaN)]
        [InlineData(double.PositiveInfinity)]
        [InlineData(double.NegativeInfinity)]
        public void Cannot_encode_values_line_protocol_has_no_form_for(double value)
        {
            Assert.Null(LineProtocol.Encode(Metric("loss", value)));
        }

        [Fact]
        public void Writes_values_so_they_read_back_exactly()
        {
            Assert.Contains(" value=1E-05 ", LineProtocol.Encode(Metric("lr", 1e-5)));
            Assert.Contains(" value=0.1 ", LineProtocol.Encode(Metric("lr", 0.1)));
        }

        [Fact]
        public void Reports_mxnet_cross_entropy_as_the_training_loss()
        {
            Assert.StartsWith("ava_metric_training_loss,", LineProtocol.Encode(Metric("cross-entropy", 1.2)));
            Assert.StartsWith("ava_metric_training_loss,", LineProtocol.Encode(Metric("ce", 1.2)));
            Assert.StartsWith("ava_metric_training_val_loss,", LineProtocol.Encode(Metric("cross-entropy", 1.2, MetricPhase.Validation)));
            Assert.StartsWith("ava_metric_training_output_loss,", LineProtocol.Encode(Metric("output:loss", 1.2)));
        }

        private static Metric Step(TrainingFramework framework, long? iteration, int? epoch, long? batch) =>
            new Metric("loss", 1, iteration, epoch, MetricPhase.Train, framework, DateTimeOffset.FromUnixTimeSeconds(1498186063), "5a8f", 1, batch);

        [Fact]
        public void Progress_points_carry_samples_seen_and_the_batch_in_epoch_as_the_platform_expects()
        {
            Assert.Equal(new[]
            {
                "ava_metric_training_sample_num,batch=450,epoch=2,id=5a8f,job_type=training count=57600 1498186063000000000",
                "ava_metric_meta_info,batch=450,batch_in_epoch=50,epoch=2,id=5a8f,job_type=training value=1 1498186063000000000",
            }, LineProtocol.ProgressPoints(Step(TrainingFramework.Caffe, 450, 2, 50), 128, 25600));
            Assert.Equal(new[] { "ava_metric_meta_info,batch=7,id=5a8f,job_type=training value=1 1498186063000000000" },
                LineProtocol.ProgressPoints(Step(TrainingFramework.Caffe, 7, null, null), null, null));
        }

        [Fact]
        public void Mxnet_counts_whole_epochs_by_the_training_set()
        {
            // 50000 samples in batches of 128: 391 batches, the last one partial.
            var sampleNum = LineProtocol.ProgressPoints(Step(TrainingFramework.MXNet, 2 * 391 + 50, 2, 50), 128, 50000).First();
            Assert.Equal("ava_metric_training_sample_num,batch=832,epoch=2,id=5a8f,job_type=training count=106400 1498186063000000000", sampleNum);
        }
    }
}
