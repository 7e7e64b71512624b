using System.Collections.Generic;
using System.Linq;
using System.Security;
using System.Text;
using Newtonsoft.Json;

namespace AvaSdk.Charts
{
    /// <summary>
    /// The chart as one HTML file that needs nothing else, online or off: each panel is ScottPlot's SVG, inline, and a
    /// short inline script shows the values under the pointer from the points drawn (the decimated ones, so the page stays
    /// small whatever the run's length). No script, style or font is fetched.
    /// </summary>
    internal static class HtmlChartPage
    {
        private const string Style = @"
body { font-family: 'DejaVu Sans', sans-serif; margin: 0; background: white; }
h1 { font-size: 20px; font-weight: normal; text-align: center; margin: 0; line-height: 40px; }
.panel { position: relative; }
.panel > svg { display: block; }
.cursor { position: absolute; top: 0; width: 1px; background: #888; pointer-events: none; }
.tip { position: absolute; pointer-events: none; background: rgba(255,255,255,.92); border: 1px solid #aaa; padding: 4px 6px; font-size: 12px; white-space: nowrap; }
";

        // Maps the pointer's pixel to the panel's x through the data area and the axis limits ScottPlot drew with, then
        // shows each series' point nearest that x (a binary search: the points are sorted by x).
        private const string Script = @"
(function () {
  function nearest(xs, x) {
    var lo = 0, hi = xs.length - 1;
    if (hi < 0) return -1;
    while (hi - lo > 1) { var mid = (lo + hi) >> 1; if (xs[mid] < x) lo = mid; else hi = mid; }
    return Math.abs(xs[lo] - x) <= Math.abs(xs[hi] - x) ? lo : hi;
  }
  function esc(s) { return s.replace(/[&<>""]/g, function (c) { return '&#' + c.charCodeAt(0) + ';'; }); }
  function formatX(p, x) {
    return p.byIteration ? 'iteration ' + Math.round(x) : new Date((x - 25569) * 86400000).toISOString().replace('T', ' ').replace('Z', ' UTC');
  }
  function formatY(p, y) { return String(+(p.logScale ? Math.pow(10, y) : y).toPrecision(6)); }
  document.querySelectorAll('.panel').forEach(function (element) {
    var p = AVA_CHART[+element.dataset.index], svg = element.querySelector('svg');
    var tip = element.querySelector('.tip'), cursor = element.querySelector('.cursor');
    element.addEventListener('mousemove', function (event) {
      var box = svg.getBoundingClientRect(), px = event.clientX - box.left, py = event.clientY - box.top;
      if (px < p.area.left || px > p.area.right || py < p.area.top || py > p.area.bottom) { tip.hidden = cursor.hidden = true; return; }
      var x = p.limits.left + (px - p.area.left) / (p.area.right - p.area.left) * (p.limits.right - p.limits.left);
      var lines = [esc(formatX(p, x))];
      p.series.forEach(function (s) {
        var i = nearest(s.xs, x);
        if (i >= 0 && isFinite(s.ys[i])) lines.push('<span style=""color:' + s.color + '"">&#9632;</span> ' + esc(s.label) + ': ' + formatY(p, s.ys[i]) + ' (' + esc(formatX(p, s.xs[i])) + ')');
      });
      tip.innerHTML = lines.join('<br>');
      cursor.style.left = px + 'px'; cursor.style.top = p.area.top + 'px'; cursor.style.height = (p.area.bottom - p.area.top) + 'px';
      tip.style.left = Math.min(px + 12, box.width - tip.offsetWidth - 2) + 'px'; tip.style.top = (py + 12) + 'px';
      tip.hidden = cursor.hidden = false;
    });
    element.addEventListener('mouseleave', function () { tip.hidden = cursor.hidden = true; });
  });
})();
";

        public static string Render(IReadOnlyList<ChartPanel> panels, MetricChart.Layout layout)
        {
            var html = new StringBuilder();
            var title = layout.Title ?? string.Join(", ", panels.Select(p => p.Name));
            html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
            html.Append($"<title>{SecurityElement.Escape(title)}</title>\n<style>{Style}</style>\n</head>\n<body>\n");
            html.Append($"<div style=\"width:{layout.Width}px\">\n");
            if (layout.Title is string heading)
                html.Append($"<h1>{SecurityElement.Escape(heading)}</h1>\n");
            var hover = new List<object>();
            for (var i = 0; i < panels.Count; i++)
            {
                var panel = panels[i];
                // Rendering the SVG is what fixes the data area and the limits the hover maps the pointer through.
                var svg = MetricChart.PanelSvg(panel, i, layout, y: 0);
                html.Append($"<div class=\"panel\" data-index=\"{i}\">\n{svg}\n<div class=\"cursor\" hidden></div><div class=\"tip\" hidden></div>\n</div>\n");
                var render = panel.Plot.LastRender;
                hover.Add(new
                {
                    byIteration = panel.ByIteration,
                    logScale = panel.LogScale,
                    area = new { left = render.DataRect.Left, right = render.DataRect.Right, top = render.DataRect.Top, bottom = render.DataRect.Bottom },
                    limits = new { left = render.AxisLimits.Left, right = render.AxisLimits.Right },
                    series = panel.Series.Select(s => new { label = s.Label, color = s.Color, xs = s.Xs, ys = s.Ys }),
                });
            }
            // EscapeHtml keeps a metric's name from closing the script element; NaN (a gap) is written as JavaScript's NaN.
            var json = JsonConvert.SerializeObject(hover, new JsonSerializerSettings
            {
                StringEscapeHandling = StringEscapeHandling.EscapeHtml,
                FloatFormatHandling = FloatFormatHandling.Symbol,
            });
            html.Append("</div>\n<script>\nvar AVA_CHART = ").Append(json).Append(";\n").Append(Script).Append("</script>\n</body>\n</html>\n");
            return html.ToString();
        }
    }
}
