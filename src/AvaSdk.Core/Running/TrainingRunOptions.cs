using System;
using System.Collections.Generic;
using AvaSdk.Parsing;
using AvaSdk.Reporting;
using AvaSdk.Snapshots;

namespace AvaSdk.Running
{
    public sealed class TrainingRunOptions
    {
        public TrainingRunOptions(string filePath, IReadOnlyList<string> arguments, string workingDirectory, ILogParser parser,
            Training.RunFolder folder, string? trainInstanceId)
        {
            FilePath = filePath;
            Arguments = arguments;
            WorkingDirectory = workingDirectory;
            Parser = parser;
            Folder = folder;
            TrainInstanceId = trainInstanceId;
        }

        public string FilePath { get; }

        public IReadOnlyList<string> Arguments { get; }

        public string WorkingDirectory { get; }

        public ILogParser Parser { get; }

        /// <summary>Where training.log and the snapshots' copies go.</summary>
        public Training.RunFolder Folder { get; }

        public string? TrainInstanceId { get; }

        /// <summary>The node's rank, stamped on every metric, in a job of more than one node; else null.</summary>
        public int? Node { get; set; }

        /// <summary>
        /// The metrics' node is the one the log names (MXNet's Node[n] prefix, a DMLC worker whose rank ps-lite gives at run
        /// time): metrics wait until a line names it; a log that never does gives them <see cref="Node"/>.
        /// </summary>
        public bool NodeFromLog { get; set; }

        /// <summary>How many nodes the job has: a node the log names must be one of them.</summary>
        public int NodeCount { get; set; } = 1;

        /// <summary>Told, on the processor's thread, the log's format once a line has decided it (an auto-detecting parser).</summary>
        public Action<TrainingFramework>? FrameworkDetected { get; set; }

        /// <summary>metrics.jsonl: written before the reporters hear of a metric, so they only send what it holds.</summary>
        public MetricsJsonLinesWriter? Record { get; set; }

        public IList<IMetricReporter> Reporters { get; } = new List<IMetricReporter>();

        public IList<ISnapshotHandler> SnapshotHandlers { get; } = new List<ISnapshotHandler>();

        /// <summary>Variables set for the training process (beside the inherited ones); a null value removes one.</summary>
        public IDictionary<string, string?> Environment { get; } = new Dictionary<string, string?>(StringComparer.Ordinal);

        /// <summary>The secrets masked in the trainer's output before it reaches training.log, and so everything read from it.</summary>
        public SecretMask Secrets { get; set; } = SecretMask.None;

        /// <summary>Hand every raw line to the caller too (for -Verbose); off by default, as it costs a queue item per line.</summary>
        public bool ForwardLines { get; set; }

        /// <summary>What stamps each line's metrics with its arrival time.</summary>
        public TimeProvider Clock { get; set; } = TimeProvider.System;

        /// <summary>How many of the last log lines an error message quotes.</summary>
        public int TailLines { get; set; } = 20;
    }
}
