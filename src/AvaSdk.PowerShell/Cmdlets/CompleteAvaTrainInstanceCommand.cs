using System;
using System.Management.Automation;
using System.Threading;
using AvaSdk.Errors;
using AvaSdk.Platform;
using AvaSdk.PowerShell.Infrastructure;
using AvaSdk.Reporting;
using AvaSdk.Training;

namespace AvaSdk.PowerShell.Cmdlets
{
    [Cmdlet(VerbsLifecycle.Complete, "AvaTrainInstance", DefaultParameterSetName = CompleteSet, SupportsShouldProcess = true)]
    [OutputType(typeof(TrainInstance))]
    public sealed class CompleteAvaTrainInstanceCommand : AvaCmdlet, IDisposable
    {
        private const string CompleteSet = "Complete";
        private const string RetrySet = "Retry";
        private readonly CancellationTokenSource stopping = new CancellationTokenSource();

        [Parameter(Position = 0, ValueFromPipeline = true, ParameterSetName = CompleteSet)]
        [Parameter(Position = 0, ValueFromPipeline = true, ParameterSetName = RetrySet)]
        public TrainInstance? TrainInstance { get; set; }

        [Parameter(ParameterSetName = CompleteSet)]
        public string? ErrorMessage { get; set; }

        [Parameter(ParameterSetName = CompleteSet)]
        public SwitchParameter PassThru { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = RetrySet)]
        public SwitchParameter Retry { get; set; }

        [Parameter(ParameterSetName = RetrySet)]
        [ValidateNotNullOrEmpty]
        public string? Workspace { get; set; }

        protected override void ProcessRecord()
        {
            if (Retry)
            {
                SendPending();
                return;
            }
            var instance = TrainInstance ?? SessionTrainInstance.Last;
            if (instance == null)
                ThrowTerminatingError(ToErrorRecord(new AvaException("AvaTrainInstanceNotFound", AvaErrorKind.ObjectNotFound,
                    "No training instance to complete: this session has not created one. Pass -TrainInstance, or create one with New-AvaTrainInstance first.")));

            var outcome = string.IsNullOrEmpty(ErrorMessage) ? "done" : $"failed ({ErrorMessage})";
            if (!ShouldProcess($"training instance '{instance!.Id}'", $"Mark {outcome}" + (instance.Platform != null ? " and report it to the AVA platform" : string.Empty)))
                return;
            try
            {
                if (RunCore(() => InstanceOwnership.Acquire(instance.RunPath)) is string note)
                    WriteWarning(note);
            }
            catch (AvaException ex)
            {
                WriteError(ToErrorRecord(ex));
                return;
            }
            var config = new PlatformConfig(instance.Workspace);
            SnapshotUploadWait.Wait(this, instance.RunPath, stopping.Token);
            ReplayMetrics(instance, config);
            try
            {
                RunCore(() => TrainInstanceStore.MarkComplete(instance, ErrorMessage, DateTimeOffset.Now));
            }
            catch (AvaException ex)
            {
                // One instance among several from the pipeline may fail; the others still complete.
                WriteError(ToErrorRecord(ex));
                return;
            }
            try
            {
                ReportToPlatform(instance, config);
            }
            finally
            {
                instance.CloseLog();
                InstanceOwnership.Release(instance.RunPath);
            }
            if (PassThru)
                WriteObject(instance);
        }

        protected override void StopProcessing() => stopping.Cancel();

        public void Dispose() => stopping.Dispose();

        // Undelivered metrics never stop a completion: they stay in the spool, and a warning says where.
        private void ReplayMetrics(TrainInstance instance, PlatformConfig config)
        {
            long undelivered;
            string? why = null;
            try
            {
                undelivered = RunCore(() => MetricDelivery.ReplaySpoolAsync(instance.RunPath, config, instance.Id, instance.Log, stopping.Token).GetAwaiter().GetResult());
            }
            catch (AvaException ex) when (ex.ErrorId == "AvaConfigInvalid" || ex.ErrorId == "AvaMetricsUrlInvalid")
            {
                undelivered = new MetricSpool(instance.RunPath).Count;
                why = $" ({ex.Message})";
            }
            if (undelivered > 0)
                WriteWarning($"{undelivered} metric point(s) of instance '{instance.Id}' could not be delivered{why}; they are kept in '{new MetricSpool(instance.RunPath).Path}' and metrics.jsonl holds every metric.");
        }

        private void ReportToPlatform(TrainInstance instance, PlatformConfig config)
        {
            if (instance.Platform == null)
                return;
            AvaException? failure;
            try
            {
                using var api = PlatformSession.Api(config) ?? throw new AvaException("AvaConfigMissing", AvaErrorKind.ObjectNotFound,
                    $"Instance '{instance.Id}' belongs to the AVA platform, but no API host is configured any more (${PlatformConfig.ApiHostVariable} or atnet_apiserver_host in '{config.FilePath("worker")}').");
                failure = RunCore(() => PlatformReports.ReportCompletionAsync(instance, api, stopping.Token).GetAwaiter().GetResult());
                if (failure == null)
                    PlatformSession.SendPending(this, config, api, stopping.Token);
            }
            catch (AvaException ex)
            {
                failure = ex;
            }
            if (failure != null)
                WriteWarning($"The AVA platform was not told that instance '{instance.Id}' is {instance.Status.ToString().ToLowerInvariant()}: {failure.Message} " +
                    $"The completion is kept in '{instance.StatusPath}' as not reported; the next AvaSdk command in this workspace, or Complete-AvaTrainInstance -Retry, sends it.");
        }

        private void SendPending()
        {
            var workspace = TrainInstance?.Workspace ?? ResolvePath(Workspace ?? AvaWorkspace.DefaultRoot());
            var config = new PlatformConfig(workspace);
            try
            {
                using var api = PlatformSession.Api(config);
                if (api == null)
                {
                    WriteWarning($"The workspace '{workspace}' has no AVA API host configured, so there is nothing to send: completions are kept locally in status.json.");
                    return;
                }
                if (!ShouldProcess($"completions pending in workspace '{workspace}'", "Send to the AVA platform"))
                    return;
                var sent = RunCore(() => PlatformReports.SendPendingAsync(workspace, api, Logging.InstanceLog.Detached, stopping.Token).GetAwaiter().GetResult());
                WriteVerbose($"Sent {sent} pending completion(s) to the AVA platform.");
            }
            catch (AvaException ex)
            {
                WriteError(ToErrorRecord(ex));
            }
        }
    }
}
