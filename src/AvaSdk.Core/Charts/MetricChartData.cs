using System;
using System.Collections.Generic;
using System.Linq;

namespace AvaSdk.Charts
{
    /// <summary>
    /// The metrics a chart is drawn from, grouped as it draws them: one panel per metric name (in the order the names first
    /// came), one series per instance, phase and node within it. Only numbers are kept, about 24 bytes a metric.
    /// </summary>
    internal sealed class MetricChartData
    {
        private readonly Dictionary<string, Panel> panels = new Dictionary<string, Panel>(StringComparer.Ordinal);
        private readonly List<Panel> order = new List<Panel>();
        private readonly Dictionary<SeriesKey, int> seriesIndexes = new Dictionary<SeriesKey, int>();

        public long Count { get; private set; }

        public IReadOnlyList<Panel> Panels => order;

        /// <summary>The series in the order they first came, across panels: a series keeps its colour in every panel.</summary>
        public int SeriesIndex(SeriesKey key) => seriesIndexes[key];

        public void Add(Metric metric)
        {
            if (!panels.TryGetValue(metric.Name, out var panel))
            {
                panel = new Panel(metric.Name);
                panels.Add(metric.Name, panel);
                order.Add(panel);
            }
            var key = new SeriesKey(metric.TrainInstanceId, metric.Phase, metric.Node);
            if (!seriesIndexes.ContainsKey(key))
                seriesIndexes.Add(key, seriesIndexes.Count);
            panel.Add(key, metric);
            Count++;
        }

        public sealed class Panel
        {
            private readonly Dictionary<SeriesKey, Series> series = new Dictionary<SeriesKey, Series>();
            private readonly List<Series> order = new List<Series>();

            public Panel(string name)
            {
                Name = name;
            }

            public string Name { get; }

            /// <summary>True when every point has an iteration, so x is the iteration; otherwise x is the time for all of them.</summary>
            public bool ByIteration { get; private set; } = true;

            public IReadOnlyList<Series> Series => order;

            internal void Add(SeriesKey key, Metric metric)
            {
                if (!series.TryGetValue(key, out var line))
                {
                    line = new Series(key);
                    series.Add(key, line);
                    order.Add(line);
                }
                ByIteration &= metric.Iteration.HasValue;
                line.Add(metric);
            }
        }

        public sealed class Series
        {
            private readonly List<double> iterations = new List<double>();
            private readonly List<double> times = new List<double>();
            private readonly List<double> values = new List<double>();

            public Series(SeriesKey key)
            {
                Key = key;
            }

            public SeriesKey Key { get; }

            public int Count => values.Count;

            /// <summary>The points sorted by x (the iteration, or the time as an OLE date), the values as logged.</summary>
            public (double[] Xs, double[] Ys) Points(bool byIteration)
            {
                var xs = (byIteration ? iterations : times).ToArray();
                var ys = values.ToArray();
                // Logs come in order, but a run resumed from a snapshot repeats iterations: a stable sort keeps their order.
                if (!IsAscending(xs))
                {
                    var order = Enumerable.Range(0, xs.Length).OrderBy(i => xs[i]).ToArray();
                    xs = order.Select(i => xs[i]).ToArray();
                    ys = order.Select(i => ys[i]).ToArray();
                }
                return (xs, ys);
            }

            private static bool IsAscending(double[] xs)
            {
                for (var i = 1; i < xs.Length; i++)
                {
                    if (xs[i] < xs[i - 1])
                        return false;
                }
                return true;
            }

            internal void Add(Metric metric)
            {
                iterations.Add(metric.Iteration ?? double.NaN);
                times.Add(metric.Timestamp.UtcDateTime.ToOADate());
                values.Add(metric.Value);
            }
        }
    }

    /// <summary>What tells one line from another in a panel.</summary>
    internal readonly record struct SeriesKey(string? TrainInstanceId, MetricPhase Phase, int? Node)
    {
        public string Label
        {
            get
            {
                var phase = Phase.ToString().ToLowerInvariant();
                var label = TrainInstanceId is null ? phase : $"{TrainInstanceId} {phase}";
                return Node is int node ? $"{label} node {node}" : label;
            }
        }
    }
}
