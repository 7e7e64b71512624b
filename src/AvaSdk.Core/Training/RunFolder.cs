using System.Collections.Generic;

namespace AvaSdk.Training
{
    /// <summary>
    /// The layout of one run folder: <c>run/&lt;id&gt;/</c> of an instance, or <c>./ava-run/</c> of a training without one.
    /// The one place that names the files a run keeps; every reader and writer takes its paths from here.
    /// </summary>
    public sealed class RunFolder
    {
        /// <summary>The folder of a training run without an instance, under the current location.</summary>
        public const string DetachedName = "ava-run";

        private RunFolder(string path, string logs)
        {
            Path = path;
            Logs = logs;
        }

        /// <summary>An instance's run folder: its logs in <c>logs/</c>.</summary>
        public static RunFolder Of(string runPath) => new RunFolder(runPath, System.IO.Path.Combine(runPath, "logs"));

        /// <summary>./ava-run without an instance: one flat folder, logs included.</summary>
        public static RunFolder Detached(string currentLocation)
        {
            var path = System.IO.Path.Combine(currentLocation, DetachedName);
            return new RunFolder(path, path);
        }

        public string Path { get; }

        /// <summary>training.log and ava.log.</summary>
        public string Logs { get; }

        /// <summary>The copies of the trainer's snapshots (the instance's SnapshotPath).</summary>
        public string Output => Combine("output");

        /// <summary>The trainer's raw stdout and stderr, whole lines in arrival order.</summary>
        public string TrainingLog => System.IO.Path.Combine(Logs, "training.log");

        /// <summary>The instance's own log (Serilog).</summary>
        public string InstanceLog => System.IO.Path.Combine(Logs, "ava.log");

        public string Status => Combine("status.json");

        public string Owner => Combine("owner.json");

        /// <summary>The lock taken while owner.json is read and written.</summary>
        public string OwnerGuard => Combine(".owner.guard");

        /// <summary>Every metric, one JSON record a line: the record of truth.</summary>
        public string Metrics => Combine("metrics.jsonl");

        /// <summary>How many records of metrics.jsonl have reached the metrics endpoint.</summary>
        public string MetricsDelivered => Combine("metrics.delivered");

        /// <summary>Line-protocol points a send could not deliver.</summary>
        public string MetricSpool => Combine("metrics-spool.lp");

        /// <summary>Model records the platform did not take, as AvaSdk 0.1.0 kept them (read, never written, now).</summary>
        public string LegacyPendingModels => Combine("platform-models.pending.jsonl");

        /// <summary>What a run owes outside the node (snapshot uploads, model records), one entry a file.</summary>
        public string Outbox => Combine("outbox");

        /// <summary>A model archive of an epoch's snapshot (named by its outbox entry), built here and deleted once stored.</summary>
        public string SnapshotArchive(string entryName) => Combine($"snapshot-model-epoch_{entryName}.tar.gz");

        /// <summary>The files rewritten by replacing them (see IO.AtomicFile), whose temp files a killed writer can leave.</summary>
        public IEnumerable<string> ReplacedFiles => new[] { Status, Owner, MetricsDelivered, MetricSpool };

        private string Combine(string name) => System.IO.Path.Combine(Path, name);
    }
}
