using System;
using Serilog;

namespace AvaSdk
{
    /// <summary>One run of a training job: its id, its folders in the workspace and its status.</summary>
    public sealed class TrainInstance
    {
        internal TrainInstance(string id, Training.AvaWorkspace workspace, DateTimeOffset startTime, ILogger log)
        {
            Id = id;
            Workspace = workspace.Root;
            ParamsPath = workspace.ParamsPath;
            TrainSetPath = workspace.TrainSetPath;
            ValSetPath = workspace.ValSetPath;
            TestSetPath = workspace.TestSetPath;
            ModelPath = workspace.ModelPath;
            RunPath = workspace.RunPath(id);
            Folder = Training.RunFolder.Of(RunPath);
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

        public TrainInstanceStatus Status { get; internal set; } = TrainInstanceStatus.Running;

        public DateTimeOffset StartTime { get; internal set; }

        public DateTimeOffset? EndTime { get; internal set; }

        public string? ErrorMessage { get; internal set; }

        /// <summary>The AVA training this instance belongs to on the platform; null in local mode.</summary>
        public string? TrainingName => Platform?.TrainingName;

        internal Platform.PlatformLink? Platform { get; set; }

        /// <summary>Set when this instance was resumed after its previous owner ended without completing it: what happened.</summary>
        public string? PreviousOwnerNote { get; internal set; }

        /// <summary>The instance's own log, <c>&lt;LogPath&gt;/ava.log</c>; closed at completion.</summary>
        internal ILogger Log { get; private set; }

        internal void CloseLog()
        {
            (Log as IDisposable)?.Dispose();
            Log = Serilog.Core.Logger.None;
        }

        public override string ToString() => Id;
    }
}
