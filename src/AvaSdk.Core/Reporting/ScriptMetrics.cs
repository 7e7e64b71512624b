using System;
using System.Collections.Generic;
using System.Threading;
using AvaSdk.Errors;
using AvaSdk.Platform;
using AvaSdk.Training;

namespace AvaSdk.Reporting
{
    /// <summary>
    /// Metrics a training script reports itself (Write-AvaMetric): a final evaluation, a value from a Python step. They take
    /// the same durable path as parsed ones: the node's metrics.jsonl first, then the metrics endpoint, with replay after a
    /// crash. While a run of the instance goes on in this process they go through that run, the files' one writer;
    /// otherwise this process takes the run mark itself (another process's run is refused: AvaTrainInstanceBusy).
    /// </summary>
    public sealed class ScriptMetrics : IDisposable
    {
        private readonly TrainInstance instance;
        private readonly SeriesTimes seriesTimes = new SeriesTimes();
        private readonly List<string> warnings = new List<string>();
        private IDisposable? runMark;
        private MetricsJsonLinesWriter? record;
        private LineProtocolReporter? reporter;

        private ScriptMetrics(TrainInstance instance)
        {
            this.instance = instance;
        }

        /// <summary>What could not be set up (a damaged config: metrics stay local), for the caller to show.</summary>
        public IReadOnlyList<string> Warnings => warnings;

        /// <exception cref="AvaException">AvaTrainInstanceCompleted: the instance has ended.</exception>
        public static ScriptMetrics For(TrainInstance instance)
        {
            if (instance.Status != TrainInstanceStatus.Running)
                throw new AvaException(AvaErrors.TrainInstanceCompleted, $"The training instance '{instance.Id}' is already {instance.Status.ToString().ToLowerInvariant()}: it takes no more metrics.", instance.Id);
            return new ScriptMetrics(instance);
        }

        /// <summary>A metric of the script's own, of this instance and node, timed now.</summary>
        public Metric Create(string name, double value, long? iteration, int? epoch, MetricPhase phase) =>
            new Metric(name, value, iteration, epoch, phase, TrainingFramework.Generic, DateTimeOffset.Now, instance.Id, 0, node: instance.JobNode.Tag);

        /// <summary>
        /// A metric from elsewhere (another instance's, a run without one) as this instance's; null when this instance has
        /// already recorded it (its own, from Invoke-AvaTraining or an earlier Write-AvaMetric).
        /// </summary>
        public Metric? Adopt(Metric metric) => metric.TrainInstanceId == instance.Id
            ? null
            : new Metric(metric.Name, metric.Value, metric.Iteration, metric.Epoch, metric.Phase, metric.Framework, metric.Timestamp, instance.Id, 0, metric.Batch, instance.JobNode.Tag);

        /// <summary>Records the metric: through the run going on in this process, else in this node's files.</summary>
        /// <exception cref="AvaException">AvaTrainInstanceBusy: another process owns the instance.</exception>
        public void Record(Metric metric)
        {
            if (record == null && InstanceOwnership.TryRecordInRun(instance.Folder, metric))
                return;
            if (record == null)
                OpenFiles();
            var stamped = seriesTimes.Unique(metric);
            record!.Report(stamped);
            // Durable (and so sendable, and visible to Get-AvaMetric -Wait) as soon as it is written.
            record.Flush();
            if (record.Failure is { } failure)
                throw new AvaException(AvaErrors.DiskFull, $"{record.Path} could not be written ({failure.Message}): the metric was not recorded. Free space in '{instance.Folder.Path}'.", instance.Folder.Path, failure);
            reporter?.Report(stamped);
            reporter?.Flush();
        }

        /// <summary>Makes what was recorded durable and delivers it; returns what is still owed (kept for the next command).</summary>
        public ReportOutcome Complete(CancellationToken stopping)
        {
            if (record == null)
                return ReportOutcome.Delivered;
            record.Flush();
            if (record.Failure is { } failure)
                throw new AvaException(AvaErrors.DiskFull, $"{record.Path} could not be written ({failure.Message}): the metrics after its first {record.Kept} were not recorded nor sent. Free space in '{instance.Folder.Path}'.", instance.Folder.Path, failure);
            if (reporter == null)
                return ReportOutcome.Delivered;
            reporter.Flush();
            return reporter.CompleteAsync(stopping).GetAwaiter().GetResult();
        }

        public void Dispose()
        {
            reporter?.Dispose();
            record?.Dispose();
            runMark?.Dispose();
        }

        private void OpenFiles()
        {
            runMark = InstanceOwnership.BeginRun(instance.Folder, out var note);
            if (note != null)
                warnings.Add(note);
            record = new MetricsJsonLinesWriter(instance.Folder);
            try
            {
                reporter = MetricDelivery.ReporterFor(instance.Folder, new PlatformConfig(instance.Workspace), instance.Id, instance.Log);
                reporter?.Recover();
            }
            catch (AvaConfigException ex)
            {
                warnings.Add($"Metrics will only be kept locally in {record.Path}: {ex.Message}");
            }
        }
    }
}
