using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security;
using System.Text;
using System.Text.RegularExpressions;
using AvaSdk.Errors;
using AvaSdk.IO;
using ScottPlot;
using SkiaSharp;

namespace AvaSdk.Charts
{
    /// <summary>
    /// Draws metrics into a file: one panel per metric name, stacked, under an optional title. PNG and SVG come from
    /// ScottPlot (PNG through SkiaSharp's raster surface, SVG as each panel's own SVG placed in one document); HTML is
    /// <see cref="HtmlChartPage"/>. The file appears whole or not at all.
    /// </summary>
    internal static class MetricChart
    {
        /// <summary>The band above the panels that holds the title, when there is one.</summary>
        public const int TitleHeight = 40;

        public static FileInfo Write(MetricChartData data, string path, ChartFormat format, ChartOptions options)
        {
            if (data.Count == 0)
                throw new AvaException(AvaErrors.ChartEmpty, $"No metric came to draw, so '{path}' was not written.", path);
            var titleHeight = string.IsNullOrEmpty(options.Title) ? 0 : TitleHeight;
            var height = options.Height ?? titleHeight + data.Panels.Count * ChartOptions.DefaultPanelHeight;
            var panelHeight = (height - titleHeight) / data.Panels.Count;
            if (panelHeight < ChartOptions.MinimumPanelHeight)
                throw new AvaException(AvaErrors.ChartTooSmall,
                    $"{data.Panels.Count} panels do not fit in {height} pixels: each needs at least {ChartOptions.MinimumPanelHeight}, so the chart needs {titleHeight + data.Panels.Count * ChartOptions.MinimumPanelHeight}.", height);

            var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
            if (!Directory.Exists(folder))
                throw new AvaException(AvaErrors.ChartWriteFailed, $"The folder '{folder}' does not exist, so the chart '{path}' was not written.", path);

            byte[] bytes;
            List<ChartPanel> panels = new List<ChartPanel>();
            try
            {
                EmbeddedFont.Register();
                foreach (var panel in data.Panels)
                    panels.Add(ChartPanel.Build(data, panel, options, options.Width));
                AlignDataAreas(panels, options.Width, panelHeight);
                var layout = new Layout(options.Width, height, titleHeight, panelHeight, options.Title);
                bytes = format switch
                {
                    ChartFormat.Png => Png(panels, layout),
                    ChartFormat.Svg => Encoding.UTF8.GetBytes(Svg(panels, layout)),
                    _ => Encoding.UTF8.GetBytes(HtmlChartPage.Render(panels, layout)),
                };
            }
            catch (Exception e) when (e is DllNotFoundException || e is EntryPointNotFoundException || e is TypeInitializationException { InnerException: DllNotFoundException })
            {
                throw new AvaException(AvaErrors.ChartRendererUnavailable,
                    $"The chart could not be drawn: SkiaSharp's native library does not load on this platform ({System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier}): {e.GetBaseException().Message}", path, e);
            }
            catch (Exception e) when (e is not AvaException)
            {
                // ScottPlot and SkiaSharp throw what they like (an autoscaler's InvalidOperationException): a caller gets one id.
                throw new AvaException(AvaErrors.ChartFailed, $"The chart '{path}' could not be drawn: {e.GetType().Name}: {e.Message}", path, e);
            }
            finally
            {
                foreach (var panel in panels)
                    panel.Dispose();
            }

            try
            {
                AtomicFile.WriteAllBytes(path, bytes);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is SecurityException)
            {
                throw new AvaException(AvaErrors.ChartWriteFailed, $"The chart could not be written to '{path}': {e.Message}", path, e);
            }
            return new FileInfo(path);
        }

        /// <summary>
        /// Gives every panel the same margins left and right, the widest any needs (its y tick labels, its legend), so
        /// that the data areas are one above the other: an iteration is at the same x in every panel.
        /// </summary>
        private static void AlignDataAreas(IReadOnlyList<ChartPanel> panels, int width, int panelHeight)
        {
            var figure = new PixelRect(0, width, panelHeight, 0);
            using var paint = Paint.NewDisposablePaint();
            var areas = panels.Select(p => new ScottPlot.LayoutEngines.Automatic().GetLayout(figure, p.Plot, paint).DataRect).ToList();
            var left = areas.Max(a => a.Left);
            var right = areas.Max(a => width - a.Right);
            for (var i = 0; i < panels.Count; i++)
                panels[i].Plot.Layout.Fixed(new PixelPadding(left, right, panelHeight - areas[i].Bottom, areas[i].Top));
        }

        private static byte[] Png(IReadOnlyList<ChartPanel> panels, Layout layout)
        {
            using var surface = SKSurface.Create(new SKImageInfo(layout.Width, layout.Height, SKColorType.Rgba8888, SKAlphaType.Premul))
                ?? throw new InvalidOperationException($"SkiaSharp could not make a {layout.Width}×{layout.Height} surface.");
            var canvas = surface.Canvas;
            canvas.Clear(SKColors.White);
            if (layout.Title is string title)
            {
                using var typeface = EmbeddedFont.Typeface();
                using var font = new SKFont(typeface, 20);
                using var paint = new SKPaint { Color = SKColors.Black, IsAntialias = true };
                canvas.DrawText(title, layout.Width / 2f, layout.TitleHeight * 0.7f, SKTextAlign.Center, font, paint);
            }
            for (var i = 0; i < panels.Count; i++)
            {
                var top = layout.PanelTop(i);
                // ScottPlot clears the whole canvas before it draws a plot: the clip keeps what is above.
                canvas.Save();
                canvas.ClipRect(new SKRect(0, top, layout.Width, top + layout.PanelHeight));
                panels[i].Plot.Render(canvas, new PixelRect(0, layout.Width, top + layout.PanelHeight, top));
                canvas.Restore();
            }
            // zlib's fastest level with the Sub filter only: a tenth of the default's time (about 20 ms against 200 for
            // curves.png of 1000×940), for a file about a third larger.
            using var pixels = surface.PeekPixels();
            using var png = pixels.Encode(new SKPngEncoderOptions(SKPngEncoderFilterFlags.Sub, 1))
                ?? throw new InvalidOperationException("SkiaSharp could not encode the PNG.");
            return png.ToArray();
        }

        private static string Svg(IReadOnlyList<ChartPanel> panels, Layout layout)
        {
            var svg = new StringBuilder();
            svg.Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{layout.Width}\" height=\"{layout.Height}\" viewBox=\"0 0 {layout.Width} {layout.Height}\">\n");
            svg.Append($"<rect width=\"{layout.Width}\" height=\"{layout.Height}\" fill=\"white\"/>\n");
            if (layout.Title is string title)
                svg.Append($"<text x=\"{layout.Width / 2}\" y=\"{(int)(layout.TitleHeight * 0.7)}\" text-anchor=\"middle\" font-family=\"{EmbeddedFont.Name}, sans-serif\" font-size=\"20\">{SecurityElement.Escape(title)}</text>\n");
            for (var i = 0; i < panels.Count; i++)
                svg.Append(PanelSvg(panels[i], i, layout, y: layout.PanelTop(i))).Append('\n');
            svg.Append("</svg>\n");
            return svg.ToString();
        }

        /// <summary>
        /// The panel's own SVG document as an element of another: an <c>svg</c> placed at <paramref name="y"/> (the SVG way
        /// of nesting a picture), marked with the metric's name, its ids (clip paths) made unique among the panels.
        /// </summary>
        internal static string PanelSvg(ChartPanel panel, int index, Layout layout, int y)
        {
            var document = panel.Plot.GetSvgXml(layout.Width, layout.PanelHeight);
            var element = document.Substring(document.IndexOf("<svg", StringComparison.Ordinal));
            element = Regex.Replace(element, "(id=\"|url\\(#|href=\"#)", $"$1p{index}-");
            var attributes = $"<svg class=\"panel\" data-metric=\"{SecurityElement.Escape(panel.Name)}\" x=\"0\" y=\"{y}\"";
            return attributes + element.Substring("<svg".Length);
        }

        /// <summary>Where things go: the title band on top, then the panels, each as wide as the chart.</summary>
        internal sealed record Layout(int Width, int Height, int TitleHeight, int PanelHeight, string? Title)
        {
            public int PanelTop(int index) => TitleHeight + index * PanelHeight;
        }
    }
}
