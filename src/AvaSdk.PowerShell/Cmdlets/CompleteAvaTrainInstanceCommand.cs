using System;
using System.Management.Automation;
using System.Threading;
using AvaSdk.Charts;
using AvaSdk.Errors;
using AvaSdk.Platform;
using AvaSdk.PowerShell.Infrastructure;
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

        [Parameter(ParameterSetName = CompleteSet)]
        public SwitchParameter UploadLogs { get; set; }

        [Parameter(ParameterSetName = CompleteSet)]
        public SwitchParameter NoChart { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = RetrySet)]
        public SwitchParameter Retry { get; set; }

        [Parameter(ParameterSetName = RetrySet)]
        [ValidateNotNullOrEmpty]
        public string? Workspace { get; set; }

        protected override void ProcessRecord()
        {
            RunspaceInstances.CommandStarting();
            if (Retry)
            {
                SendPending();
                return;
            }
            var instance = TrainInstance ?? RunspaceInstances.Current;
            if (instance == null)
                ThrowTerminatingError(ToErrorRecord(new AvaException(AvaErrors.TrainInstanceNotFound, "No training instance to complete: this session has not created one. Pass -TrainInstance, or create one with New-AvaTrainInstance first.")));

            // The script's own failure handling, come after the session-end rule already failed it (in another session).
            if (!string.IsNullOrEmpty(ErrorMessage) && TrainInstanceStore.WasFailedAtSessionEnd(instance!))
            {
                WriteVerbose($"Training instance '{instance!.Id}' already failed when the session that ran it ended; it is left as it is.");
                return;
            }
            var outcome = string.IsNullOrEmpty(ErrorMessage) ? "done" : $"failed ({ErrorMessage})";
            if (!ShouldProcess($"training instance '{instance!.Id}'", $"Mark {outcome}" + (instance.Platform != null ? " and report it to the AVA platform" : string.Empty) + (UploadLogs ? ", then upload its logs" : string.Empty)))
                return;
            try
            {
                RunCore(() => InstanceCompletion.Complete(instance, ErrorMessage, new CmdletObserver(this), stopping.Token));
                RunspaceInstances.Completed(instance);
                // Once the completion has closed the log: what is sent is final. A failed upload is a warning.
                // Node 0 draws every node's curves and uploads the shared logs folder, once every node has ended.
                if (!NoChart && instance.Node == 0)
                    RunCore(() => RunCurves.Draw(instance, new CmdletObserver(this)));
                if (UploadLogs && instance.Node == 0)
                    RunCore(() => RunLogUpload.Upload(instance, new CmdletObserver(this), stopping.Token));
                else if (UploadLogs)
                    WriteVerbose($"Node {instance.Node}'s logs are uploaded by node 0, with every node's, when it completes the instance.");
            }
            catch (AvaException ex)
            {
                WriteError(ToErrorRecord(ex));
                return;
            }
            catch (OperationCanceledException) when (Stopping)
            {
                // Ctrl+C: the instance stays running; what was not sent stays in its run folder.
                return;
            }
            if (PassThru)
                WriteObject(instance);
        }

        protected override string? Hint(AvaError error, object? target) =>
            error == AvaErrors.TrainInstanceCompleted ? Hints.StartOrResume(target) :
            error == AvaErrors.PlatformUnreachable ? Hints.RetryCompletion :
            error == AvaErrors.UploadFailed ? Hints.SendArchiveByHand :
            error == AvaErrors.ChartWriteFailed || error == AvaErrors.ChartFailed || error == AvaErrors.ChartRendererUnavailable ? "-NoChart leaves the chart out." : null;

        protected override void StopProcessing()
        {
            RunspaceInstances.UserStopped(CommandRunspace);
            stopping.Cancel();
        }

        public void Dispose() => stopping.Dispose();

        // What a completion could not send: the metrics instances of the workspace still owe, then the platform's reports.
        private void SendPending()
        {
            var workspace = TrainInstance?.Workspace ?? ResolvePath(Workspace ?? AvaWorkspace.DefaultRoot());
            var config = new PlatformConfig(workspace);
            try
            {
                if (ShouldProcess($"metrics owed in workspace '{workspace}'", "Send to the metrics endpoint"))
                    RunCore(() => InstanceCompletion.SendOwedMetrics(workspace, config, new CmdletObserver(this), stopping.Token));
                using var api = AvaApiClient.Configured(config);
                if (api == null)
                {
                    WriteVerbose($"The workspace '{workspace}' has no AVA API host configured, so there are no completions to send: they are kept locally in status.json.");
                    return;
                }
                if (!ShouldProcess($"completions pending in workspace '{workspace}'", "Send to the AVA platform"))
                    return;
                var sent = RunCore(() => PlatformReports.SendPendingAsync(workspace, api, stopping.Token).GetAwaiter().GetResult());
                WriteVerbose($"Sent {sent} pending completion(s) to the AVA platform.");
            }
            catch (AvaException ex)
            {
                WriteError(ToErrorRecord(ex));
            }
        }
    }
}
