using System;
using System.Management.Automation;
using System.Threading;
using AvaSdk.Errors;
using AvaSdk.PowerShell.Infrastructure;
using AvaSdk.Reporting;

namespace AvaSdk.PowerShell.Cmdlets
{
    [Cmdlet(VerbsCommunications.Write, "AvaMetric")]
    [OutputType(typeof(Metric))]
    public sealed class WriteAvaMetricCommand : AvaCmdlet, IDisposable
    {
        private readonly CancellationTokenSource stopping = new CancellationTokenSource();
        private ScriptMetrics? metrics;
        private int warningsShown;

        // Name, Value, Iteration, Epoch and Phase bind by property name, so AvaSdk.Metric objects and Import-Csv rows pipe in.
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string Name { get; set; } = string.Empty;

        [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
        public double Value { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public long? Iteration { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public int? Epoch { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public MetricPhase Phase { get; set; } = MetricPhase.Train;

        // The object itself, to know an AvaSdk.Metric (kept whole, and not recorded twice) from any other.
        [Parameter(ValueFromPipeline = true)]
        public PSObject? InputObject { get; set; }

        [Parameter]
        public TrainInstance? TrainInstance { get; set; }

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void BeginProcessing()
        {
            var instance = TrainInstance ?? RunspaceInstances.Current;
            if (instance == null)
                ThrowTerminatingError(ToErrorRecord(new AvaException(AvaErrors.TrainInstanceNotFound,
                    "No training instance to record the metrics in: this session has not created one.")));
            try
            {
                metrics = RunCore(() => ScriptMetrics.For(instance!));
            }
            catch (AvaException ex)
            {
                ThrowTerminatingError(ToErrorRecord(ex));
            }
        }

        protected override void ProcessRecord()
        {
            var given = InputObject?.BaseObject as Metric;
            var metric = given != null ? metrics!.Adopt(given) : metrics!.Create(Name, Value, Iteration, Epoch, Phase);
            if (metric != null)
            {
                try
                {
                    RunCore(() => metrics.Record(metric));
                }
                catch (AvaException ex)
                {
                    ThrowTerminatingError(ToErrorRecord(ex));
                }
                for (; warningsShown < metrics.Warnings.Count; warningsShown++)
                    WriteWarning(metrics.Warnings[warningsShown]);
            }
            else
            {
                WriteVerbose($"{given} is already recorded in instance '{given!.TrainInstanceId}'.");
            }
            if (PassThru)
                WriteObject(given ?? metric);
        }

        protected override void EndProcessing()
        {
            ReportOutcome outcome;
            try
            {
                outcome = RunCore(() => metrics!.Complete(stopping.Token));
            }
            catch (AvaException ex)
            {
                ThrowTerminatingError(ToErrorRecord(ex));
                return;
            }
            if (outcome.Undelivered > 0)
                WriteWarning($"{outcome.Undelivered} metric(s) could not be delivered yet; they are kept in '{outcome.KeptIn}' and sent by the next AvaSdk command in this instance.");
        }

        protected override void StopProcessing() => stopping.Cancel();

        protected override string? Hint(AvaError error, object? target) =>
            error == AvaErrors.TrainInstanceNotFound ? "Pass -TrainInstance, or create one with New-AvaTrainInstance first." :
            error == AvaErrors.TrainInstanceCompleted ? Hints.StartOrResume(target) : null;

        public void Dispose()
        {
            metrics?.Dispose();
            stopping.Dispose();
        }
    }
}
