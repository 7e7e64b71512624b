using System;
using System.Collections.Generic;
using AvaSdk.Reporting;

namespace AvaSdk
{
    /// <summary>
    /// Makes every metric's time unique within its series (what InfluxDB and the probe take as one point: the measurement
    /// and the tags, see <see cref="LineProtocol"/>): a metric whose series already has a point at its time, or later, is
    /// moved to one tick (100 ns) after that point. Lines read in the same instant share a time, so without this two values
    /// of one series would be one point, and one of them lost. The time is fixed before metrics.jsonl is written, so a
    /// replay rewrites the same points.
    /// </summary>
    internal sealed class SeriesTimes
    {
        private readonly Dictionary<Series, long> last = new Dictionary<Series, long>();
        private readonly Dictionary<(string, MetricPhase), string> measurements = new Dictionary<(string, MetricPhase), string>();
        // The latest time given: everything remembered is at or before it.
        private long highest = long.MinValue;

        /// <summary>The metric, or a copy at its series' next free time. Times given are never earlier than the one before.</summary>
        public Metric Unique(Metric metric)
        {
            var ticks = metric.Timestamp.UtcTicks;
            // A time later than any given so far clashes with nothing remembered: only the latest instants' series are kept.
            if (ticks > highest)
                last.Clear();
            var series = new Series(Measurement(metric), metric.Iteration, metric.Epoch, metric.Phase);
            if (last.TryGetValue(series, out var taken) && ticks <= taken)
            {
                ticks = taken + 1;
                metric = metric.At(new DateTimeOffset(ticks, TimeSpan.Zero).ToOffset(metric.Timestamp.Offset));
            }
            last[series] = ticks;
            highest = Math.Max(highest, ticks);
            return metric;
        }

        // Names repeat endlessly; a bounded number of them keeps its measurement.
        private string Measurement(Metric metric)
        {
            if (measurements.TryGetValue((metric.Name, metric.Phase), out var known))
                return known;
            var measurement = LineProtocol.Measurement(metric);
            if (measurements.Count < 1024)
                measurements[(metric.Name, metric.Phase)] = measurement;
            return measurement;
        }

        private readonly record struct Series(string Measurement, long? Iteration, int? Epoch, MetricPhase Phase);
    }
}
