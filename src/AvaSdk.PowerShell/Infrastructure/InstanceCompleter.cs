using System.Threading;
using AvaSdk.Errors;
using AvaSdk.Platform;
using AvaSdk.Reporting;
using AvaSdk.Training;

namespace AvaSdk.PowerShell.Infrastructure
{
    /// <summary>
    /// Completes an instance for a cmdlet, in the one order that loses nothing: take ownership, wait for the snapshot
    /// uploads, send the spooled metrics, mark it done or failed in status.json, tell the platform, release. Used by
    /// Complete-AvaTrainInstance and by Invoke-AvaTraining when the job is terminated (SIGTERM).
    /// </summary>
    internal static class InstanceCompleter
    {
        /// <summary>False when the instance could not be completed; the error is written (non-terminating) by <paramref name="cmdlet"/>.</summary>
        public static bool Complete(AvaCmdlet cmdlet, TrainInstance instance, string? errorMessage, CancellationToken stopping)
        {
            try
            {
                if (cmdlet.RunCoreInternal(() => InstanceOwnership.Acquire(instance.RunPath)) is string note)
                    cmdlet.WriteWarning(note);
            }
            catch (AvaException ex)
            {
                cmdlet.WriteError(AvaCmdlet.ToErrorRecord(ex));
                return false;
            }
            var config = new PlatformConfig(instance.Workspace);
            SnapshotUploadWait.Wait(cmdlet, instance.RunPath, stopping);
            ReplayMetrics(cmdlet, instance, config, stopping);
            try
            {
                cmdlet.RunCoreInternal(() =>
                {
                    TrainInstanceStore.MarkComplete(instance, errorMessage, System.DateTimeOffset.Now);
                    return true;
                });
            }
            catch (AvaException ex)
            {
                cmdlet.WriteError(AvaCmdlet.ToErrorRecord(ex));
                return false;
            }
            try
            {
                ReportToPlatform(cmdlet, instance, config, stopping);
            }
            finally
            {
                instance.CloseLog();
                InstanceOwnership.Release(instance.RunPath);
            }
            return true;
        }

        /// <summary>
        /// Sends what an earlier run left undelivered: records of metrics.jsonl a killed run never sent, and the spool.
        /// Undelivered metrics never stop a command: they stay where they are, and a warning says where.
        /// </summary>
        public static void ReplayMetrics(AvaCmdlet cmdlet, TrainInstance instance, PlatformConfig config, CancellationToken stopping)
        {
            long undelivered;
            string? why = null;
            try
            {
                undelivered = cmdlet.RunCoreInternal(() =>
                    MetricDelivery.RecoverJournalAsync(instance.RunPath, config, instance.Id, instance.Log, stopping).GetAwaiter().GetResult() +
                    MetricDelivery.ReplaySpoolAsync(instance.RunPath, config, instance.Id, instance.Log, stopping).GetAwaiter().GetResult());
            }
            catch (AvaException ex) when (ex.ErrorId == "AvaConfigInvalid" || ex.ErrorId == "AvaMetricsUrlInvalid")
            {
                undelivered = new MetricSpool(instance.RunPath).Count;
                why = $" ({ex.Message})";
            }
            catch (System.OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                undelivered = new MetricSpool(instance.RunPath).Count;
                why = " (out of time)";
            }
            if (undelivered > 0)
                cmdlet.WriteWarning($"{undelivered} metric point(s) of instance '{instance.Id}' could not be delivered{why}; they are kept in '{new MetricSpool(instance.RunPath).Path}' (and metrics.jsonl, which holds every metric), and the next AvaSdk command in this instance sends them.");
        }

        private static void ReportToPlatform(AvaCmdlet cmdlet, TrainInstance instance, PlatformConfig config, CancellationToken stopping)
        {
            if (instance.Platform == null)
                return;
            AvaException? failure;
            try
            {
                using var api = PlatformSession.Api(config) ?? throw new AvaException("AvaConfigMissing", AvaErrorKind.ObjectNotFound,
                    $"Instance '{instance.Id}' belongs to the AVA platform, but no API host is configured any more (${PlatformConfig.ApiHostVariable} or atnet_apiserver_host in '{config.FilePath("worker")}').");
                failure = cmdlet.RunCoreInternal(() => PlatformReports.ReportCompletionAsync(instance, api, stopping).GetAwaiter().GetResult());
                if (failure == null)
                    PlatformSession.SendPending(cmdlet, config, api, stopping);
            }
            catch (AvaException ex)
            {
                failure = ex;
            }
            catch (System.OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                failure = new AvaException("AvaPlatformUnreachable", AvaErrorKind.ConnectionError, "there was no time left to send it.");
            }
            if (failure != null)
                cmdlet.WriteWarning($"The AVA platform was not told that instance '{instance.Id}' is {instance.Status.ToString().ToLowerInvariant()}: {failure.Message} " +
                    $"The completion is kept in '{instance.StatusPath}' as not reported; the next AvaSdk command in this workspace, or Complete-AvaTrainInstance -Retry, sends it.");
        }
    }
}
