using System.IO;
using System.Management.Automation;
using AvaSdk.Charts;
using AvaSdk.Errors;
using AvaSdk.PowerShell.Infrastructure;

namespace AvaSdk.PowerShell.Cmdlets
{
    [Cmdlet(VerbsData.Export, "AvaChart")]
    [OutputType(typeof(FileInfo))]
    public sealed class ExportAvaChartCommand : AvaCmdlet
    {
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = string.Empty;

        [Parameter(Mandatory = true, ValueFromPipeline = true)]
        [AllowNull]
        public Metric?[] InputObject { get; set; } = new Metric?[0];

        [Parameter]
        public ChartFormat Format { get; set; }

        [Parameter]
        public string? Title { get; set; }

        [Parameter]
        [ValidateRange(200, 16384)]
        public int Width { get; set; } = 1000;

        [Parameter]
        [ValidateRange(ChartOptions.MinimumPanelHeight, 16384)]
        public int Height { get; set; }

        [Parameter]
        public SwitchParameter LogScale { get; set; }

        private readonly MetricChartData data = new MetricChartData();
        private string file = string.Empty;
        private ChartFormat format;

        // The path and the format are settled before the first metric, so a wrong one costs no collecting.
        protected override void BeginProcessing()
        {
            file = ResolvePath(Path);
            if (MyInvocation.BoundParameters.ContainsKey(nameof(Format)))
                format = Format;
            else if (ChartFormats.FromExtension(file) is ChartFormat named)
                format = named;
            else
                ThrowTerminatingError(ToErrorRecord(new AvaException(AvaErrors.ChartFormatUnknown,
                    $"'{file}' does not say which kind of chart to write: its extension is not .png, .svg, .html or .htm.", file)));
        }

        protected override void ProcessRecord()
        {
            foreach (var metric in InputObject)
            {
                if (metric != null)
                    data.Add(metric);
            }
        }

        protected override void EndProcessing()
        {
            var progress = new ProgressRecord(0, "Export-AvaChart", $"Drawing {data.Count} metrics in {data.Panels.Count} panels");
            WriteProgress(progress);
            var options = new ChartOptions(Width, MyInvocation.BoundParameters.ContainsKey(nameof(Height)) ? Height : null, Title, LogScale);
            FileInfo written;
            try
            {
                written = RunCore(() => MetricChart.Write(data, file, format, options));
            }
            catch (AvaException ex)
            {
                ThrowTerminatingError(ToErrorRecord(ex));
                throw;
            }
            finally
            {
                progress.RecordType = ProgressRecordType.Completed;
                WriteProgress(progress);
            }
            WriteObject(written);
        }

        protected override string? Hint(AvaError error, object? target) =>
            error == AvaErrors.ChartEmpty ? "Pipe AvaSdk.Metric objects into Export-AvaChart, as Invoke-AvaTraining writes them."
            : error == AvaErrors.ChartFormatUnknown ? "Give -Format Png, Svg or Html, or a -Path ending in .png, .svg or .html."
            : error == AvaErrors.ChartTooSmall ? "Give a larger -Height, leave it out (300 pixels a panel), or draw fewer metrics (Where-Object Name -in ...)."
            : error == AvaErrors.ChartWriteFailed ? "Check that the folder of -Path exists and can be written."
            : error == AvaErrors.ChartFailed ? "Please report it with the metrics that were piped (Export-Csv keeps them)."
            : error == AvaErrors.ChartRendererUnavailable ? "Charts are drawn on Linux (x64, arm64), macOS and Windows (x64)."
            : null;
    }
}
