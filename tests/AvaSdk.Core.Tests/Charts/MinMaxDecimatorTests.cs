using System;
using System.Linq;
using AvaSdk.Charts;
using Xunit;

namespace AvaSdk.Core.Tests.Charts
{
    public sealed class MinMaxDecimatorTests
    {
        private static int ColumnOf(double x, double xMin, double xMax, int columns) =>
            Math.Clamp((int)((x - xMin) / (xMax - xMin) * columns), 0, columns - 1);

        [Fact]
        public void A_series_with_few_points_per_column_comes_out_unchanged()
        {
            double[] xs = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 };
            double[] ys = { 5, 3, 8, 1, 9, 2, 7, 4, 6, 0 };
            var (keptXs, keptYs) = MinMaxDecimator.Decimate(xs, ys, 0, 9, 100);
            Assert.Equal(xs, keptXs);
            Assert.Equal(ys, keptYs);
        }

        [Fact]
        public void A_million_points_keep_each_columns_lowest_and_highest_value_in_at_most_four_points_a_column()
        {
            const int count = 1_000_000, columns = 800;
            var random = new Random(12);
            var xs = Enumerable.Range(0, count).Select(i => (double)i).ToArray();
            var ys = xs.Select(x => Math.Exp(-x / 200_000) + 0.1 * Math.Sin(x / 5_000) + 0.05 * random.NextDouble()).ToArray();
            ys[123_456] = 40; // a spike one point wide must survive
            ys[654_321] = -40;

            var (keptXs, keptYs) = MinMaxDecimator.Decimate(xs, ys, 0, count - 1, columns);

            Assert.True(keptXs.Length <= 4 * columns, $"{keptXs.Length} points for {columns} columns");
            Assert.Contains(40, keptYs);
            Assert.Contains(-40, keptYs);
            Assert.Equal(keptXs.OrderBy(x => x), keptXs);
            var input = Summary(xs, ys, count - 1, columns);
            var output = Summary(keptXs, keptYs, count - 1, columns);
            Assert.Equal(input, output);
        }

        // Per column: its first, lowest, highest and last value.
        private static (double, double, double, double)[] Summary(double[] xs, double[] ys, double xMax, int columns)
        {
            var summary = new (double First, double Low, double High, double Last)[columns];
            var seen = new bool[columns];
            for (var i = 0; i < xs.Length; i++)
            {
                var column = ColumnOf(xs[i], 0, xMax, columns);
                summary[column] = seen[column]
                    ? (summary[column].First, Math.Min(summary[column].Low, ys[i]), Math.Max(summary[column].High, ys[i]), ys[i])
                    : (ys[i], ys[i], ys[i], ys[i]);
                seen[column] = true;
            }
            return summary;
        }

        [Fact]
        public void NaN_and_infinities_become_one_gap_and_are_never_drawn()
        {
            double[] xs = { 0, 1, 2, 3, 4, 5, 6, 7 };
            double[] ys = { 1, 2, double.NaN, double.PositiveInfinity, double.NegativeInfinity, 3, 4, double.NaN };
            var (keptXs, keptYs) = MinMaxDecimator.Decimate(xs, ys, 0, 7, 100);

            Assert.Equal(new double[] { 1, 2, double.NaN, 3, 4, double.NaN }, keptYs);
            Assert.Equal(new double[] { 0, 1, 2, 5, 6, 7 }, keptXs);
            Assert.Equal(new[] { (0, 2), (3, 2) }, MinMaxDecimator.Segments(keptYs).ToArray());
        }

        [Fact]
        public void A_gap_at_a_columns_edge_survives_decimation_and_one_inside_a_column_does_not()
        {
            // 10 columns of 100 points; column 3 ends with missing values and column 6 has one in its middle.
            var xs = Enumerable.Range(0, 1000).Select(i => (double)i).ToArray();
            var ys = xs.Select(x => x).ToArray();
            for (var i = 380; i < 400; i++)
                ys[i] = double.NaN;
            ys[650] = double.PositiveInfinity;
            var (keptXs, keptYs) = MinMaxDecimator.Decimate(xs, ys, 0, 1000, 10);

            var segments = MinMaxDecimator.Segments(keptYs).ToArray();
            Assert.Equal(2, segments.Length);
            Assert.Equal(379, keptYs[segments[0].Start + segments[0].Length - 1]);
            Assert.Equal(400, keptYs[segments[1].Start]);
            Assert.DoesNotContain(keptYs, y => double.IsInfinity(y));
        }

        [Fact]
        public void Values_that_alternate_with_gaps_still_give_a_bounded_output()
        {
            const int count = 1_000_000, columns = 500;
            var xs = Enumerable.Range(0, count).Select(i => (double)i).ToArray();
            var ys = xs.Select(x => x % 2 == 0 ? double.NaN : x).ToArray();
            var (keptXs, _) = MinMaxDecimator.Decimate(xs, ys, 0, count - 1, columns);
            Assert.True(keptXs.Length <= MinMaxDecimator.MaxPointsPerColumn * columns, $"{keptXs.Length} points");
        }

        [Fact]
        public void A_series_that_is_all_gaps_or_at_one_x_does_not_fail()
        {
            var (_, allGaps) = MinMaxDecimator.Decimate(new double[] { 0, 1, 2 }, new[] { double.NaN, double.NaN, double.PositiveInfinity }, 0, 2, 10);
            Assert.Empty(MinMaxDecimator.Segments(allGaps));

            var (oneXs, oneYs) = MinMaxDecimator.Decimate(new double[] { 5, 5, 5, 5, 5 }, new double[] { 3, 1, 4, 1, 5 }, 5, 5, 10);
            Assert.Equal(new double[] { 3, 1, 5 }, oneYs);
            Assert.All(oneXs, x => Assert.Equal(5, x));
        }
    }
}
