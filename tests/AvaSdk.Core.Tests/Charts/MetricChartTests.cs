using System;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using AvaSdk.Charts;
using AvaSdk.Errors;
using Xunit;

namespace AvaSdk.Core.Tests.Charts
{
    public sealed class MetricChartTests : IDisposable
    {
        private static readonly DateTimeOffset T = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";
        private readonly TempFolder folder = new TempFolder();

        public void Dispose() => folder.Dispose();

        private static Metric M(string name, double value, long? iteration, string instance = "run1", MetricPhase phase = MetricPhase.Train, int? node = null) =>
            new Metric(name, value, iteration, null, phase, TrainingFramework.Caffe, T.AddSeconds(iteration ?? 0), instance, 1, node: node);

        private static MetricChartData Data(params Metric[] metrics)
        {
            var data = new MetricChartData();
            foreach (var metric in metrics)
                data.Add(metric);
            return data;
        }

        private static ChartOptions Options(int width = 600, int? height = null, string? title = null, bool logScale = false) =>
            new ChartOptions(width, height, title, logScale);

        [Fact]
        public void Metrics_group_into_a_panel_per_name_and_a_series_per_instance_phase_and_node()
        {
            var data = Data(
                M("loss", 1, 10), M("lr", 0.1, 10), M("loss", 0.9, 10, phase: MetricPhase.Test), M("loss", 0.8, 20),
                M("loss", 0.7, 10, instance: "run2"), M("loss", 0.6, 10, node: 0), M("loss", 0.5, 10, node: 1), M("accuracy", 0.5, null));

            Assert.Equal(new[] { "loss", "lr", "accuracy" }, data.Panels.Select(p => p.Name));
            var loss = data.Panels[0];
            Assert.Equal(new[] { "run1 train", "run1 test", "run2 train", "run1 train node 0", "run1 train node 1" }, loss.Series.Select(s => data.Label(s.Key)));
            Assert.Equal(2, loss.Series[0].Count);
            Assert.True(loss.ByIteration);
            Assert.False(data.Panels[2].ByIteration);
            Assert.Equal(0, data.SeriesIndex(new SeriesKey("run1", MetricPhase.Train, null)));
        }

        [Fact]
        public void A_series_comes_sorted_by_x_with_repeated_iterations_in_arrival_order()
        {
            var data = Data(M("loss", 1, 100), M("loss", 2, 200), M("loss", 3, 100), M("loss", 4, 300));
            var (xs, ys) = data.Panels[0].Series[0].Points(byIteration: true);
            Assert.Equal(new double[] { 100, 100, 200, 300 }, xs);
            Assert.Equal(new double[] { 1, 3, 2, 4 }, ys);
        }

        [Fact]
        public void A_png_has_the_size_asked_for()
        {
            var path = Path.Combine(folder.Path, "chart.png");
            var file = MetricChart.Write(Data(M("loss", 1, 1), M("loss", 0.5, 2), M("lr", 0.1, 1)), path, ChartFormat.Png, Options(640, 480, "a title"));

            var bytes = File.ReadAllBytes(file.FullName);
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 13, 10, 26, 10 }, bytes.Take(8));
            Assert.Equal(640, ReadBigEndian(bytes, 16));
            Assert.Equal(480, ReadBigEndian(bytes, 20));
        }

        [Fact]
        public void An_svg_is_xml_with_one_panel_per_metric_name_whatever_the_names_hold()
        {
            var path = Path.Combine(folder.Path, "chart.svg");
            MetricChart.Write(Data(M("loss", 1, 1), M("a<b & \"c\"", 2, 1), M("loss", double.NaN, 2), M("lr", double.PositiveInfinity, 1)), path, ChartFormat.Svg, Options(title: "<run>"));

            var svg = XDocument.Load(path);
            var panels = svg.Root!.Elements(Svg + "svg").ToList();
            Assert.Equal(new[] { "loss", "a<b & \"c\"", "lr" }, panels.Select(p => (string?)p.Attribute("data-metric")));
            Assert.Equal(new[] { 40, 340, 640 }, panels.Select(p => (int)p.Attribute("y")!));
            var ids = svg.Descendants().Select(e => (string?)e.Attribute("id")).Where(id => id != null).ToList();
            Assert.Equal(ids.Count, ids.Distinct().Count());
        }

        [Fact]
        public void An_html_page_fetches_nothing_and_keeps_a_metric_name_inside_its_script()
        {
            var path = Path.Combine(folder.Path, "chart.html");
            MetricChart.Write(Data(M("</script><script>alert(1)</script>", 1, 1), M("loss", 2, 1), M("loss", 1, 2)), path, ChartFormat.Html, Options());

            var html = File.ReadAllText(path);
            Assert.DoesNotMatch(new Regex(@"<(script|link|img)[^>]*(src|href)\s*=", RegexOptions.IgnoreCase), html);
            Assert.DoesNotContain("@import", html);
            Assert.DoesNotContain("<script>alert", html);
            Assert.Single(Regex.Matches(html, "<script>"));
            Assert.Equal(2, Regex.Matches(html, "<div class=\"panel\"").Count);
        }

        [Fact]
        public void A_million_points_give_files_whose_size_does_not_grow_with_them()
        {
            var big = new MetricChartData();
            var small = new MetricChartData();
            var random = new Random(3);
            for (var i = 0; i < 1_000_000; i++)
            {
                var metric = M("loss", i % 997 == 0 ? double.NaN : Math.Exp(-i / 300_000.0) + 0.1 * random.NextDouble(), i);
                big.Add(metric);
                if (i % 100 == 0)
                    small.Add(metric);
            }
            foreach (var format in new[] { ChartFormat.Svg, ChartFormat.Html })
            {
                var bigFile = MetricChart.Write(big, Path.Combine(folder.Path, $"big.{format}"), format, Options());
                var smallFile = MetricChart.Write(small, Path.Combine(folder.Path, $"small.{format}"), format, Options());
                Assert.True(bigFile.Length < 2 * smallFile.Length, $"{format}: {bigFile.Length} bytes for 1,000,000 points, {smallFile.Length} for 10,000");
            }
        }

        [Fact]
        public void Nothing_to_draw_too_little_room_and_a_missing_folder_are_errors_and_write_nothing()
        {
            var path = Path.Combine(folder.Path, "chart.png");
            Assert.Equal(AvaErrors.ChartEmpty, Assert.Throws<AvaException>(() => MetricChart.Write(new MetricChartData(), path, ChartFormat.Png, Options())).Error);
            var threePanels = Data(M("a", 1, 1), M("b", 1, 1), M("c", 1, 1));
            Assert.Equal(AvaErrors.ChartTooSmall, Assert.Throws<AvaException>(() => MetricChart.Write(threePanels, path, ChartFormat.Png, Options(height: 300))).Error);
            Assert.False(File.Exists(path));
            var missing = Path.Combine(folder.Path, "missing", "chart.png");
            Assert.Equal(AvaErrors.ChartWriteFailed, Assert.Throws<AvaException>(() => MetricChart.Write(threePanels, missing, ChartFormat.Png, Options())).Error);
        }

        [Fact]
        public void The_format_follows_the_extension()
        {
            Assert.Equal(ChartFormat.Png, ChartFormats.FromExtension("a/b.PNG"));
            Assert.Equal(ChartFormat.Svg, ChartFormats.FromExtension("b.svg"));
            Assert.Equal(ChartFormat.Html, ChartFormats.FromExtension("b.htm"));
            Assert.Null(ChartFormats.FromExtension("b.txt"));
        }

        private static int ReadBigEndian(byte[] bytes, int at) => (bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3];
    }
}
