using System.Collections.Generic;

namespace AvaSdk
{
    /// <summary>The training process saved a snapshot (Caffe) or checkpoint (MXNet): the files it wrote, as the log names them.</summary>
    public sealed class SnapshotEvent
    {
        public SnapshotEvent(IReadOnlyList<string> files, IReadOnlyList<string> companionFiles, long? iteration, int? epoch, TrainingFramework framework, long line)
        {
            Files = files;
            CompanionFiles = companionFiles;
            Iteration = iteration;
            Epoch = epoch;
            Framework = framework;
            Line = line;
        }

        /// <summary>The files, possibly relative to the training process's working directory.</summary>
        public IReadOnlyList<string> Files { get; }

        /// <summary>Files that belong with the snapshot when they exist (MXNet's -symbol.json and .states).</summary>
        public IReadOnlyList<string> CompanionFiles { get; }

        public long? Iteration { get; }

        public int? Epoch { get; }

        public TrainingFramework Framework { get; }

        public long Line { get; }
    }
}
