using System;
using Xunit;

namespace AvaSdk.Core.Tests.Metrics
{
    public sealed class SeriesTimesTests
    {
        private static readonly DateTimeOffset T = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

        private static Metric At(string name, long? iteration, DateTimeOffset time, MetricPhase phase = MetricPhase.Train) =>
            new Metric(name, 1, iteration, 0, phase, TrainingFramework.MXNet, time, "id", 1);

        [Fact]
        public void A_second_point_of_a_series_in_the_same_instant_moves_one_tick_later_and_other_series_keep_their_time()
        {
            var times = new SeriesTimes();
            Assert.Equal(T, times.Unique(At("speed", 100, T)).Timestamp);
            Assert.Equal(T, times.Unique(At("accuracy", 100, T)).Timestamp);
            Assert.Equal(T.AddTicks(1), times.Unique(At("speed", 100, T)).Timestamp);
            Assert.Equal(T.AddTicks(2), times.Unique(At("speed", 100, T)).Timestamp);
            Assert.Equal(T, times.Unique(At("speed", 200, T)).Timestamp);
            Assert.Equal(T, times.Unique(At("speed", 100, T, MetricPhase.Validation)).Timestamp);
        }

        [Fact]
        public void Names_that_are_one_measurement_are_one_series()
        {
            var times = new SeriesTimes();
            times.Unique(At("lr", 5, T));
            Assert.Equal(T.AddTicks(1), times.Unique(At("learning_rate", 5, T)).Timestamp);
        }

        [Fact]
        public void A_later_instant_does_not_land_on_a_time_an_earlier_clash_took()
        {
            var times = new SeriesTimes();
            times.Unique(At("loss", null, T));
            Assert.Equal(T.AddTicks(1), times.Unique(At("loss", null, T)).Timestamp);
            Assert.Equal(T.AddTicks(2), times.Unique(At("loss", null, T.AddTicks(1))).Timestamp);
            Assert.Equal(T.AddTicks(10), times.Unique(At("loss", null, T.AddTicks(10))).Timestamp);
        }

        [Fact]
        public void The_rest_of_the_metric_is_kept()
        {
            var times = new SeriesTimes();
            times.Unique(At("speed", 100, T));
            var moved = times.Unique(new Metric("speed", 652.68, 100, 0, MetricPhase.Train, TrainingFramework.MXNet, T, "run", 8, 100));
            Assert.Equal(("speed", 652.68, 100L, 0, "run", 8L, 100L), (moved.Name, moved.Value, moved.Iteration!.Value, moved.Epoch!.Value, moved.TrainInstanceId, moved.Line, moved.Batch!.Value));
        }
    }
}
