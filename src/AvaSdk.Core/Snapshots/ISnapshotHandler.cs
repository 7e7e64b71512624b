using System.Threading;
using System.Threading.Tasks;
using Serilog;

namespace AvaSdk.Snapshots
{
    /// <summary>Something done with each snapshot the training writes (copy it into the run, upload it…), off the pipeline thread.</summary>
    public interface ISnapshotHandler
    {
        Task HandleAsync(SnapshotEvent snapshot, SnapshotContext context, CancellationToken cancellationToken);
    }

    public sealed class SnapshotContext
    {
        public SnapshotContext(string workingDirectory, string snapshotPath, string? trainInstanceId, ILogger log, Task trainerExited)
        {
            TrainerExited = trainerExited;
            WorkingDirectory = workingDirectory;
            SnapshotPath = snapshotPath;
            TrainInstanceId = trainInstanceId;
            Log = log;
        }

        /// <summary>The training process's working directory: relative file names in the log are relative to it.</summary>
        public string WorkingDirectory { get; }

        public string SnapshotPath { get; }

        public string? TrainInstanceId { get; }

        public ILogger Log { get; }

        /// <summary>Completes when the training process has exited: from then on its files are as it left them.</summary>
        public Task TrainerExited { get; }
    }
}
