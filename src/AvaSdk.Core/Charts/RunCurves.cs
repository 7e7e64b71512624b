using System;
using System.IO;
using AvaSdk.Errors;
using AvaSdk.Training;

namespace AvaSdk.Charts
{
    /// <summary>
    /// The picture of a completed run: <c>&lt;RunPath&gt;/curves.png</c>, every node's recorded metrics drawn as
    /// Export-AvaChart draws them. A chart is a nicety: one that cannot be drawn is a warning, never a failed completion.
    /// </summary>
    public static class RunCurves
    {
        public const int Width = 1000;

        /// <summary>Draws the run's curves; returns the file, or null when there was nothing to draw or it could not be drawn.</summary>
        public static FileInfo? Draw(TrainInstance instance, IWorkObserver observer)
        {
            var path = instance.Folder.Curves;
            try
            {
                var data = new MetricChartData();
                // Records that are not metrics are left out quietly: Get-AvaMetric is where they are reported.
                foreach (var metric in new Metrics.RecordedMetrics(new[] { instance }, _ => true, _ => { }).ReadAll())
                    data.Add(metric);
                if (data.Count == 0)
                    return null;
                return MetricChart.Write(data, path, ChartFormat.Png, new ChartOptions(Width, null, $"Training instance {instance.Id}", false));
            }
            catch (Exception ex) when (ex is AvaException || ex is IOException || ex is UnauthorizedAccessException)
            {
                observer.Warning($"The curves of instance '{instance.Id}' were not drawn into '{path}': {ex.Message} The instance is completed all the same.", (ex as AvaException)?.Error);
                return null;
            }
        }
    }
}
