using System;

namespace AvaSdk
{
    public enum MetricPhase
    {
        Train,
        Test,
        Validation,
    }

    public enum TrainingFramework
    {
        Generic,
        Caffe,
        MXNet,
        /// <summary>A run's choice, never a metric's: the format is detected from the log (see <see cref="Parsing.AutoDetectLogParser"/>).</summary>
        Auto,
    }

    /// <summary>One value read from a training log: a loss, a learning rate, an accuracy, a speed…</summary>
    public sealed class Metric
    {
        public Metric(string name, double value, long? iteration, int? epoch, MetricPhase phase, TrainingFramework framework,
            DateTimeOffset timestamp, string? trainInstanceId, long line, long? batch = null, int? node = null)
        {
            Name = name;
            Value = value;
            Iteration = iteration;
            Batch = batch;
            Epoch = epoch;
            Phase = phase;
            Framework = framework;
            Timestamp = timestamp;
            TrainInstanceId = trainInstanceId;
            Line = line;
            Node = node;
        }

        public string Name { get; }

        /// <summary>The value as logged; NaN and ±Infinity are kept.</summary>
        public double Value { get; }

        /// <summary>Batches (iterations) done since training began, across epochs; null when the epoch length is not known yet.</summary>
        public long? Iteration { get; }

        /// <summary>The batch within <see cref="Epoch"/>; null when the log and the epoch length do not tell.</summary>
        public long? Batch { get; }

        public int? Epoch { get; }

        public MetricPhase Phase { get; }

        public TrainingFramework Framework { get; }

        /// <summary>When the line arrived from the training process.</summary>
        public DateTimeOffset Timestamp { get; }

        public string? TrainInstanceId { get; }

        /// <summary>The line number in the training log (stdout and stderr together, in arrival order).</summary>
        public long Line { get; }

        /// <summary>The rank of the node of a multi-node job that recorded it; null when the job has one node.</summary>
        public int? Node { get; }

        internal Metric OnNode(int node) =>
            new Metric(Name, Value, Iteration, Epoch, Phase, Framework, Timestamp, TrainInstanceId, Line, Batch, node);

        internal Metric Of(TrainingFramework framework) =>
            new Metric(Name, Value, Iteration, Epoch, Phase, framework, Timestamp, TrainInstanceId, Line, Batch, Node);

        internal Metric At(DateTimeOffset timestamp) =>
            new Metric(Name, Value, Iteration, Epoch, Phase, Framework, timestamp, TrainInstanceId, Line, Batch, Node);

        public override string ToString() => $"{Name}={Value} ({Phase}, iteration {Iteration}, epoch {Epoch}, batch {Batch})";
    }
}
