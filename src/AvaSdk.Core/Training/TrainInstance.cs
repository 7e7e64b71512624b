using System;
using System.Linq;
using Serilog;

namespace AvaSdk
{
    /// <summary>One run of a training job: its id, its folders in the workspace and its status.</summary>
    public sealed class TrainInstance
    {
        internal TrainInstance(string id, Training.AvaWorkspace workspace, DateTimeOffset startTime, ILogger log, Training.JobNode node)
        {
            JobNode = node;
            Id = id;
            Workspace = workspace.Root;
            ParamsPath = workspace.ParamsPath;
            TrainSetPath = workspace.TrainSetPath;
            ValSetPath = workspace.ValSetPath;
            TestSetPath = workspace.TestSetPath;
            ModelPath = workspace.ModelPath;
            RunPath = workspace.RunPath(id);
            Folder = Training.RunFolder.Of(RunPath, node.Tag);
            SnapshotPath = Folder.Output;
            LogPath = Folder.Logs;
            StatusPath = Folder.Status;
            StartTime = startTime;
            Log = log;
        }

        public string Id { get; }

        public string Workspace { get; }

        public string ParamsPath { get; }

        public string TrainSetPath { get; }

        public string ValSetPath { get; }

        public string TestSetPath { get; }

        public string ModelPath { get; }

        public string RunPath { get; }

        /// <summary>The files in <see cref="RunPath"/>.</summary>
        internal Training.RunFolder Folder { get; }

        public string SnapshotPath { get; }

        public string LogPath { get; }

        public string StatusPath { get; }

        /// <summary>This process's node of the job (0 on a single-node job).</summary>
        public int Node => JobNode.Rank;

        /// <summary>How many nodes the job has.</summary>
        public int NodeCount => JobNode.Size;

        /// <summary>The nodes of a multi-node job as they recorded themselves (start, end, status); empty for a single-node job.</summary>
        public System.Collections.Generic.IReadOnlyList<NodeRecord> Nodes => NodeCount > 1 ? NodeRecord.ReadAll(Folder.Nodes) : Array.Empty<NodeRecord>();

        internal Training.JobNode JobNode { get; }

        /// <summary>
        /// Whether a live process owns the instance (any node's part of it), as its owner files say now: a running instance
        /// without one was abandoned (killed, or its host lost). <see cref="Status"/> stays what status.json says.
        /// </summary>
        public bool OwnerAlive => Training.InstanceOwnership.HasLiveOwner(RunPath, NodeCount);

        public TrainInstanceStatus Status { get; internal set; } = TrainInstanceStatus.Running;

        public DateTimeOffset StartTime { get; internal set; }

        public DateTimeOffset? EndTime { get; internal set; }

        public string? ErrorMessage { get; internal set; }

        /// <summary>The log's format as a run detected it (-Framework Auto); null until one did. In a job of several nodes,
        /// node 0's; each node's is in <see cref="Nodes"/>.</summary>
        public TrainingFramework? Framework { get; internal set; }
        /// <summary>AvaSdk completed it because the session that ran it ended without completing it.</summary>
        public bool CompletedAtSessionEnd { get; internal set; }

        /// <summary>The AVA training this instance belongs to on the platform; null in local mode.</summary>
        public string? TrainingName => Platform?.TrainingName;

        internal Platform.PlatformLink? Platform { get; set; }

        /// <summary>
        /// Metrics recorded in metrics.jsonl (every node's file) but not yet delivered to the metrics endpoint (the next
        /// command sends them).
        /// </summary>
        public long UndeliveredMetrics => Enumerable.Range(0, NodeCount)
            .Select(rank => Training.RunFolder.Of(RunPath, NodeCount > 1 ? rank : null))
            .Sum(folder => new Reporting.MetricJournal(folder).Owed() + new Reporting.MetricSpool(folder).Count);

        /// <summary>Snapshot models still to upload (the outbox; the next command sends them).</summary>
        public int SnapshotUploadsOwed => new Snapshots.SnapshotOutbox(Folder).Entries().Count(e => e.StoredAt == null);

        /// <summary>What the platform has not been told yet: the completion, and model records of stored archives.</summary>
        public int PlatformReportsOwed =>
            (Platform is { Reported: false } ? 1 : 0) + new Snapshots.SnapshotOutbox(Folder).Entries().Count(e => e.StoredAt != null && e.Model != null) +
            (System.IO.File.Exists(Folder.LegacyPendingModels) ? System.IO.File.ReadAllLines(Folder.LegacyPendingModels).Count(l => l.Trim().Length > 0) : 0);

        /// <summary>Files in <see cref="SnapshotPath"/>: the copies of the trainer's snapshots.</summary>
        public int SnapshotFileCount => System.IO.Directory.Exists(SnapshotPath) ? System.IO.Directory.GetFiles(SnapshotPath).Length : 0;

        /// <summary>Set when this instance was resumed after its previous owner ended without completing it: what happened.</summary>
        public string? PreviousOwnerNote { get; internal set; }

        /// <summary>
        /// Writes a line of the training script's own to the instance's ava.log, beside the module's lines (the original
        /// SDK's initialize_logger gave scripts the same log). Several processes may write it at once.
        /// </summary>
        public void WriteLog(ScriptLogLevel level, string message)
        {
            switch (level)
            {
                case ScriptLogLevel.Debug: Log.Debug("{Message:l}", message); break;
                case ScriptLogLevel.Warning: Log.Warning("{Message:l}", message); break;
                case ScriptLogLevel.Error: Log.Error("{Message:l}", message); break;
                default: Log.Information("{Message:l}", message); break;
            }
        }

        /// <summary>The instance's own log, <c>&lt;LogPath&gt;/ava.log</c>; closed at completion.</summary>
        internal ILogger Log { get; private set; }

        internal void CloseLog()
        {
            (Log as IDisposable)?.Dispose();
            Log = Serilog.Core.Logger.None;
        }

        public override string ToString() => Id;
    }

    /// <summary>How much a line a training script logs matters (Write-AvaLog -Level).</summary>
    public enum ScriptLogLevel
    {
        Debug,
        Information,
        Warning,
        Error,
    }
}
