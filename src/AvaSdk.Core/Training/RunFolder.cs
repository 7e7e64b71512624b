using System.Collections.Generic;
using System.IO;

namespace AvaSdk.Training
{
    /// <summary>
    /// The layout of one run folder: <c>run/&lt;id&gt;/</c> of an instance.
    /// The one place that names the files a run keeps; every reader and writer takes its paths from here.
    /// </summary>
    public sealed class RunFolder
    {
        private RunFolder(string path, string logs, int? node)
        {
            Path = path;
            Logs = logs;
            Node = node;
        }

        /// <summary>
        /// An instance's run folder: its logs in <c>logs/</c>. In a job of several nodes each node has files of its own,
        /// named with its rank (<c>metrics.2.jsonl</c>, <c>logs/training.2.log</c>, …), so no file has writers on two nodes;
        /// a single-node job's files have no rank in their names.
        /// </summary>
        public static RunFolder Of(string runPath, int? node = null) => new RunFolder(runPath, System.IO.Path.Combine(runPath, "logs"), node);

        public string Path { get; }

        /// <summary>The rank whose files these are, in a job of several nodes; null in a single-node job.</summary>
        public int? Node { get; }

        /// <summary>training.log and ava.log.</summary>
        public string Logs { get; }

        /// <summary>
        /// The copies of the trainer's snapshots (the instance's SnapshotPath). Node 0's in a job of several nodes; another
        /// node's trainer gets <c>output.&lt;rank&gt;</c>, so no two write one file.
        /// </summary>
        public string Output => Node is int rank and > 0 ? Combine($"output.{rank.ToString(System.Globalization.CultureInfo.InvariantCulture)}") : Combine("output");

        /// <summary>Where the trainer may write logs of its own (AVA_LOG_PATH): logs/, or logs/node&lt;rank&gt; for a node of several.</summary>
        public string TrainerLogs => Node is int rank ? System.IO.Path.Combine(Logs, $"node{rank.ToString(System.Globalization.CultureInfo.InvariantCulture)}") : Logs;

        /// <summary>The trainer's raw stdout and stderr, whole lines in arrival order.</summary>
        public string TrainingLog => System.IO.Path.Combine(Logs, Named("training", ".log"));

        /// <summary>The instance's own log (Serilog).</summary>
        public string InstanceLog => System.IO.Path.Combine(Logs, Named("ava", ".log"));

        /// <summary>The instance's status: written by the node that creates the instance and then by node 0 alone.</summary>
        public string Status => Combine("status.json");

        /// <summary>The process that owns this node's part of the instance.</summary>
        public string Owner => Combine(Named("owner", ".json"));

        /// <summary>The lock taken while the owner file is read and written.</summary>
        public string OwnerGuard => Combine(Named(".owner", ".guard"));

        /// <summary>The nodes of a multi-node job, each with its start and end.</summary>
        public string Nodes => Combine("nodes");

        public string NodeRecord(int rank) => System.IO.Path.Combine(Nodes, rank.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".json");

        /// <summary>Every metric, one JSON record a line: the record of truth.</summary>
        public string Metrics => Combine(Named("metrics", ".jsonl"));

        /// <summary>
        /// The metrics files of every node that recorded any, by rank: metrics.jsonl of a single-node job (rank 0), else
        /// metrics.&lt;rank&gt;.jsonl.
        /// </summary>
        public IReadOnlyList<(int Rank, string File)> AllNodeMetrics()
        {
            var found = new List<(int, string)>();
            if (!Directory.Exists(Path))
                return found;
            foreach (var file in Directory.EnumerateFiles(Path, "metrics*.jsonl"))
            {
                var name = System.IO.Path.GetFileName(file);
                if (name == "metrics.jsonl")
                    found.Add((0, file));
                else if (name.StartsWith("metrics.", System.StringComparison.Ordinal) &&
                    int.TryParse(name.Substring(8, name.Length - 8 - ".jsonl".Length), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var rank))
                    found.Add((rank, file));
            }
            found.Sort((a, b) => a.Item1.CompareTo(b.Item1));
            return found;
        }

        /// <summary>The run's metrics drawn at completion (see Charts.RunCurves); uploaded with the logs.</summary>
        public string Curves => Combine("curves.png");

        /// <summary>How many records of metrics.jsonl have reached the metrics endpoint.</summary>
        public string MetricsDelivered => Combine(Named("metrics", ".delivered"));

        /// <summary>Line-protocol points a send could not deliver.</summary>
        public string MetricSpool => Combine(Named("metrics-spool", ".lp"));

        /// <summary>Model records the platform did not take, as AvaSdk 0.1.0 kept them (read, never written, now).</summary>
        public string LegacyPendingModels => Combine("platform-models.pending.jsonl");

        /// <summary>What a run owes outside the node (snapshot uploads, model records), one entry a file.</summary>
        public string Outbox => Combine("outbox");

        /// <summary>A model archive of an epoch's snapshot (named by its outbox entry), built here and deleted once stored.</summary>
        public string SnapshotArchive(string entryName) => Combine($"snapshot-model-epoch_{entryName}.tar.gz");

        /// <summary>The files rewritten by replacing them (see IO.AtomicFile), whose temp files a killed writer can leave.
        /// Only this node's: another node's temp file may be a write still going on.</summary>
        public IEnumerable<string> ReplacedFiles => Node switch
        {
            null => new[] { Status, Owner, MetricsDelivered, MetricSpool },
            0 => new[] { Status, Owner, MetricsDelivered, MetricSpool, NodeRecord(0) },
            int rank => new[] { Owner, MetricsDelivered, MetricSpool, NodeRecord(rank) },
        };

        private string Combine(string name) => System.IO.Path.Combine(Path, name);

        private string Named(string stem, string extension) =>
            Node is int rank ? $"{stem}.{rank.ToString(System.Globalization.CultureInfo.InvariantCulture)}{extension}" : stem + extension;
    }
}
