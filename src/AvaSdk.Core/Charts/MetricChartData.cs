using System;
using System.Collections.Generic;
using System.Linq;

namespace AvaSdk.Charts
{
    /// <summary>
    /// The metrics a chart is drawn from, grouped as it draws them: one panel per metric name (in the order the names first
    /// came), one series per instance, phase and node within it. A Caffe train net output (output:loss) is drawn in the
    /// panel of the metric it is part of (loss) when both came, as a series of its own. Only numbers are kept, about 24
    /// bytes a metric.
    /// </summary>
    internal sealed class MetricChartData
    {
        private const string NetOutputPrefix = Parsing.CaffeLogParser.TrainOutputPrefix;

        // By metric name: output:X and X name the same panel once both came.
        private readonly Dictionary<string, Panel> panels = new Dictionary<string, Panel>(StringComparer.Ordinal);
        private readonly List<Panel> order = new List<Panel>();
        private readonly Dictionary<SeriesKey, int> seriesIndexes = new Dictionary<SeriesKey, int>();
        private readonly HashSet<string?> instances = new HashSet<string?>();

        public long Count { get; private set; }

        public IReadOnlyList<Panel> Panels => order;

        /// <summary>The series in the order they first came, across panels: a series keeps its colour in every panel.</summary>
        public int SeriesIndex(SeriesKey key) => seriesIndexes[key];

        /// <summary>A series' legend: the instance's id only when there are several to tell apart.</summary>
        public string Label(SeriesKey key) => key.Label(withInstance: instances.Count > 1);

        public void Add(Metric metric)
        {
            var netOutput = metric.Name.StartsWith(NetOutputPrefix, StringComparison.Ordinal);
            var panel = PanelOf(metric.Name, netOutput);
            var key = new SeriesKey(metric.TrainInstanceId, metric.Phase, metric.Node, netOutput);
            if (!seriesIndexes.ContainsKey(key))
                seriesIndexes.Add(key, seriesIndexes.Count);
            instances.Add(metric.TrainInstanceId);
            panel.Add(key, metric);
            Count++;
        }

        private Panel PanelOf(string name, bool netOutput)
        {
            if (panels.TryGetValue(name, out var panel))
                return panel;
            var partner = netOutput ? name.Substring(NetOutputPrefix.Length) : NetOutputPrefix + name;
            if (panels.TryGetValue(partner, out panel))
            {
                // The panel of output:X, which came first, is X's: it takes X's name.
                if (!netOutput)
                    panel.Name = name;
            }
            else
            {
                panel = new Panel(name);
                order.Add(panel);
            }
            panels.Add(name, panel);
            return panel;
        }

        public sealed class Panel
        {
            private readonly Dictionary<SeriesKey, Series> series = new Dictionary<SeriesKey, Series>();
            private readonly List<Series> order = new List<Series>();

            public Panel(string name)
            {
                Name = name;
            }

            public string Name { get; internal set; }

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

    /// <summary>What tells one line from another in a panel; <paramref name="NetOutput"/> marks a Caffe train net output.</summary>
    internal readonly record struct SeriesKey(string? TrainInstanceId, MetricPhase Phase, int? Node, bool NetOutput = false)
    {
        public string Label(bool withInstance)
        {
            var label = Phase.ToString().ToLowerInvariant();
            if (NetOutput)
                label += " output";
            if (withInstance && TrainInstanceId != null)
                label = $"{TrainInstanceId} {label}";
            return Node is int node ? $"{label} node {node}" : label;
        }
    }
}
