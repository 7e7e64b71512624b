using System;
using System.Collections.Generic;

namespace AvaSdk.Charts
{
    /// <summary>
    /// Thins a series to what a chart <c>columns</c> pixels wide can show, without changing its shape: in each pixel column
    /// only the first, lowest, highest and last points are kept (in their order), so every spike and the line's path
    /// through the column survive, and the output is at most a few points per column however many go in. Values that
    /// are not finite (NaN, ±Infinity) are gaps: the output marks them with a NaN y, once per run of them at a column's
    /// edge; a gap narrower than a pixel inside a column cannot be seen and is not kept.
    /// </summary>
    internal static class MinMaxDecimator
    {
        /// <summary>The most points one column can give: a gap, four points, a gap.</summary>
        public const int MaxPointsPerColumn = 6;

        /// <param name="xs">Sorted ascending; finite.</param>
        /// <param name="xMin">The x of the chart's left edge; <paramref name="xMax"/> of its right.</param>
        public static (double[] Xs, double[] Ys) Decimate(ReadOnlySpan<double> xs, ReadOnlySpan<double> ys, double xMin, double xMax, int columns)
        {
            if (xs.Length != ys.Length)
                throw new ArgumentException("xs and ys differ in length.");
            if (columns < 1)
                throw new ArgumentOutOfRangeException(nameof(columns), columns, "A chart has at least one column.");
            var outX = new List<double>(Math.Min(xs.Length, columns * 4) + 2);
            var outY = new List<double>(outX.Capacity);
            var scale = xMax > xMin ? columns / (xMax - xMin) : 0;
            Span<int> kept = stackalloc int[4];
            var i = 0;
            while (i < xs.Length)
            {
                var column = Column(xs[i], xMin, scale, columns);
                int first = -1, last = -1, low = -1, high = -1;
                var gapBefore = double.NaN;
                var gapAfter = double.NaN;
                for (; i < xs.Length && Column(xs[i], xMin, scale, columns) == column; i++)
                {
                    if (!double.IsFinite(ys[i]))
                    {
                        if (first < 0 && double.IsNaN(gapBefore))
                            gapBefore = xs[i];
                        else if (first >= 0 && double.IsNaN(gapAfter))
                            gapAfter = xs[i];
                        continue;
                    }
                    // A finite point after a gap inside the column: the gap is narrower than a pixel.
                    gapAfter = double.NaN;
                    if (first < 0)
                        first = low = high = i;
                    last = i;
                    if (ys[i] < ys[low])
                        low = i;
                    if (ys[i] > ys[high])
                        high = i;
                }
                if (!double.IsNaN(gapBefore))
                    AddGap(outX, outY, gapBefore);
                if (first >= 0)
                {
                    kept[0] = first;
                    kept[1] = low;
                    kept[2] = high;
                    kept[3] = last;
                    kept.Sort();
                    for (var k = 0; k < kept.Length; k++)
                    {
                        if (k > 0 && kept[k] == kept[k - 1])
                            continue;
                        outX.Add(xs[kept[k]]);
                        outY.Add(ys[kept[k]]);
                    }
                }
                if (!double.IsNaN(gapAfter))
                    AddGap(outX, outY, gapAfter);
            }
            return (outX.ToArray(), outY.ToArray());
        }

        /// <summary>The runs of points between gaps (NaN y) of a decimated series, as (start, length); empty runs are skipped.</summary>
        public static IEnumerable<(int Start, int Length)> Segments(double[] ys)
        {
            var start = 0;
            for (var i = 0; i <= ys.Length; i++)
            {
                if (i < ys.Length && !double.IsNaN(ys[i]))
                    continue;
                if (i > start)
                    yield return (start, i - start);
                start = i + 1;
            }
        }

        private static int Column(double x, double xMin, double scale, int columns) =>
            Math.Clamp((int)((x - xMin) * scale), 0, columns - 1);

        // Runs of gaps become one: a chart draws one break however many values were missing.
        private static void AddGap(List<double> xs, List<double> ys, double x)
        {
            if (ys.Count > 0 && double.IsNaN(ys[^1]))
                return;
            xs.Add(x);
            ys.Add(double.NaN);
        }
    }
}
