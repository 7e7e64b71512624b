using System;
using System.Management.Automation;
using AvaSdk.Errors;
using System.Threading;
using AvaSdk.PowerShell.Infrastructure;
using AvaSdk.Reporting;
using AvaSdk.Training;

namespace AvaSdk.PowerShell.Cmdlets
{
    [Cmdlet(VerbsLifecycle.Complete, "AvaTrainInstance")]
    [OutputType(typeof(TrainInstance))]
    public sealed class CompleteAvaTrainInstanceCommand : AvaCmdlet, IDisposable
    {
        private readonly CancellationTokenSource stopping = new CancellationTokenSource();

        [Parameter(Position = 0, ValueFromPipeline = true)]
        public TrainInstance? TrainInstance { get; set; }

        [Parameter]
        public string? ErrorMessage { get; set; }

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            var instance = TrainInstance ?? SessionTrainInstance.Last;
            if (instance == null)
                ThrowTerminatingError(ToErrorRecord(new AvaException("AvaTrainInstanceNotFound", AvaErrorKind.ObjectNotFound,
                    "No training instance to complete: this session has not created one. Pass -TrainInstance, or create one with New-AvaTrainInstance first.")));

            SnapshotUploadWait.Wait(this, instance!.RunPath, stopping.Token);
            try
            {
                var undelivered = RunCore(() => MetricDelivery.ReplaySpoolAsync(instance!.RunPath, instance.Log, CancellationToken.None).GetAwaiter().GetResult());
                if (undelivered > 0)
                    WriteWarning($"{undelivered} metric point(s) of instance '{instance!.Id}' could not be delivered; they are kept in '{new MetricSpool(instance.RunPath).Path}' and metrics.jsonl holds every metric.");
                RunCore(() => TrainInstanceStore.Complete(instance!, ErrorMessage, DateTimeOffset.Now));
            }
            catch (AvaException ex)
            {
                // One instance among several from the pipeline may fail; the others still complete.
                WriteError(ToErrorRecord(ex));
                return;
            }
            if (PassThru)
                WriteObject(instance);
        }

        protected override void StopProcessing() => stopping.Cancel();

        public void Dispose() => stopping.Dispose();
    }
}
