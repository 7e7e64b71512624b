using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using ScottPlot;

namespace AvaSdk.Charts
{
    /// <summary>
    /// One metric's panel as ScottPlot draws it: each series decimated to the panel's width (<see cref="MinMaxDecimator"/>),
    /// which also turns infinities into NaN gaps (ScottPlot breaks a line at a NaN, but an infinity leaves the whole
    /// panel empty), in the colour the series has in every panel.
    /// </summary>
    internal sealed class ChartPanel : IDisposable
    {
        private static readonly IPalette Palette = new ScottPlot.Palettes.Category10();

        /// <summary>
        /// The largest magnitude drawn where it is: a run can log ±1.7976931348623157e308, and ScottPlot's spans and margins
        /// overflow to infinity near it (its autoscaler then throws). A value beyond is drawn at this, on its axis's edge.
        /// </summary>
        private const double LargestDrawnMagnitude = 1e300;

        /// <summary>The width of a net output's line, twice a line's and more: it lies under the loss it is part of.</summary>
        private const float NetOutputLineWidth = 4;

        /// <summary>A series whose points are at least this many pixels apart, on average, marks each with a dot.</summary>
        private const int MarkedPointSpacing = 8;

        private ChartPanel(string name, bool byIteration, bool logScale, Plot plot, IReadOnlyList<DrawnSeries> series)
        {
            Name = name;
            ByIteration = byIteration;
            LogScale = logScale;
            Plot = plot;
            Series = series;
        }

        public string Name { get; }

        /// <summary>True when x is the iteration; otherwise x is the time as an OLE date.</summary>
        public bool ByIteration { get; }

        /// <summary>True when the drawn y is log10 of the value.</summary>
        public bool LogScale { get; }

        public Plot Plot { get; }

        /// <summary>What was drawn, point by point: the HTML page's hover reads it.</summary>
        public IReadOnlyList<DrawnSeries> Series { get; }

        public static ChartPanel Build(MetricChartData data, MetricChartData.Panel panel, ChartOptions options, int columns)
        {
            var points = panel.Series.Select(s => (s.Key, Points: s.Points(panel.ByIteration))).ToList();
            var xs = points.SelectMany(p => p.Points.Xs).Where(double.IsFinite).ToList();
            var (xMin, xMax) = xs.Count > 0 ? (xs.Min(), xs.Max()) : (0d, 1d);

            var plot = new Plot();
            plot.Font.Set(EmbeddedFont.Name);
            plot.Legend.SetBestFontOnEachRender = false;
            var drawn = new List<DrawnSeries>();
            var plottedYs = new List<double>();
            foreach (var (key, (seriesXs, values)) in points)
            {
                var ys = options.LogScale ? values.Select(v => v > 0 ? Math.Log10(v) : double.NaN).ToArray() : values;
                var (keptXs, keptYs) = MinMaxDecimator.Decimate(seriesXs, ys, xMin, xMax, columns);
                var clampedYs = keptYs.Select(y => Math.Clamp(y, -LargestDrawnMagnitude, LargestDrawnMagnitude)).ToArray();
                plottedYs.AddRange(clampedYs);
                var color = Palette.GetColor(data.SeriesIndex(key));
                var line = plot.Add.ScatterLine(keptXs, clampedYs, color);
                line.LineWidth = 1.5f;
                var label = data.Label(key);
                line.LegendText = label;
                // A net output often runs on the loss it is part of: wide and half transparent, the line under it shows
                // through. (Not dashed: SkiaSharp's SVG canvas draws no dashes, and says so on stderr.)
                if (key.NetOutput)
                {
                    line.LineWidth = NetOutputLineWidth;
                    line.Color = color.WithOpacity(0.5);
                }
                // Few points (a test every epoch, a short run) are each worth seeing, not only the line between them.
                if (keptXs.Length * MarkedPointSpacing <= columns)
                {
                    line.MarkerShape = MarkerShape.FilledCircle;
                    line.MarkerSize = 5;
                }
                else
                {
                    // A point alone between gaps has no line to be part of: it is drawn as a dot.
                    var alone = MinMaxDecimator.Segments(keptYs).Where(s => s.Length == 1).Select(s => s.Start).ToArray();
                    if (alone.Length > 0)
                        plot.Add.ScatterPoints(alone.Select(i => keptXs[i]).ToArray(), alone.Select(i => clampedYs[i]).ToArray(), color).MarkerSize = 5;
                }
                // The hover tells the values as logged, not where they are drawn.
                drawn.Add(new DrawnSeries(label, color.ToHex(), keptXs, keptYs));
            }

            var finiteYs = plottedYs.Where(double.IsFinite).ToList();
            var finite = finiteYs.Count > 0;
            // One value all along (a constant learning rate): ScottPlot would centre it in ±1, flattening it onto the axis.
            if (finite && finiteYs.Min() == finiteYs.Max())
            {
                var value = finiteYs[0];
                var margin = options.LogScale ? 0.5 : value == 0 ? 1 : Math.Abs(value) * 0.5;
                plot.Axes.SetLimitsY(value - margin, value + margin);
            }
            else if (finite)
            {
                // Now, not at the first render: the y ticks, which take the room of the y axis, are then known to the layout.
                plot.Axes.AutoScaleY();
            }
            plot.Title(finite ? panel.Name : $"{panel.Name} (no finite value{(options.LogScale ? " above 0" : string.Empty)})");
            if (panel.ByIteration)
            {
                plot.XLabel("iteration");
            }
            else
            {
                plot.Axes.DateTimeTicksBottom();
                plot.XLabel("time (UTC)");
            }
            // The x axis spans the data, without margins: a run from iteration 0 starts at 0, not at -10. (Set once the
            // time axis has replaced the bottom one.)
            if (xMax > xMin)
                plot.Axes.SetLimitsX(xMin, xMax);
            if (!options.LogScale)
            {
                plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { LabelFormatter = ValueLabel };
            }
            else
            {
                plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
                {
                    MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
                    // Whole decades when the values span some; within one, ticks between them.
                    IntegerTicksOnly = finite && finiteYs.Max() - finiteYs.Min() >= 1,
                    LabelFormatter = y => Math.Pow(10, y).ToString("G3", CultureInfo.InvariantCulture),
                };
            }
            // Beside the data area, not in it: a legend inside covers whatever curve runs under it.
            if (drawn.Count > 0)
                plot.ShowLegend(Edge.Right);
            return new ChartPanel(panel.Name, panel.ByIteration, options.LogScale, plot, drawn);
        }

        public void Dispose() => Plot.Dispose();

        // ScottPlot writes out every digit ("1,000,000,000,000,…" for 1e300, wider than the panel): a large value is in
        // scientific notation.
        private static string ValueLabel(double value) =>
            Math.Abs(value) >= 1e6 ? value.ToString("0.##E+0", CultureInfo.InvariantCulture) : ScottPlot.TickGenerators.LabelFormatters.Numeric(value);
    }

    /// <summary>A series as drawn: its label, its colour (#rrggbb), and its decimated points (a NaN y is a gap).</summary>
    internal sealed record DrawnSeries(string Label, string Color, double[] Xs, double[] Ys);
}
