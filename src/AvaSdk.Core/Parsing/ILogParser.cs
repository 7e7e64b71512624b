using System;
using System.Collections.Generic;

namespace AvaSdk.Parsing
{
    /// <summary>Reads one framework's training log, line by line, into metrics and snapshot events.</summary>
    public interface ILogParser
    {
        /// <summary>Parses one line (without its line break) into <paramref name="output"/>.</summary>
        void Parse(string line, in LogLineContext context, ParseOutput output);

        /// <summary>The log has ended: emits whatever was waiting for a following line.</summary>
        void Complete(in LogLineContext context, ParseOutput output);

        /// <summary>The formats it reads, named for messages: "Caffe", "JSON lines", …</summary>
        IReadOnlyList<string> Formats { get; }
    }

    /// <summary>What every metric of a line shares.</summary>
    public readonly struct LogLineContext
    {
        public LogLineContext(long lineNumber, DateTimeOffset timestamp, string? trainInstanceId, int? node = null)
        {
            Node = node;
            LineNumber = lineNumber;
            Timestamp = timestamp;
            TrainInstanceId = trainInstanceId;
        }

        public long LineNumber { get; }

        public DateTimeOffset Timestamp { get; }

        public string? TrainInstanceId { get; }

        /// <summary>The node's rank in a multi-node job; null when the job has one node.</summary>
        public int? Node { get; }
    }

    /// <summary>Collects what parsers find in a line; reused from line to line to spare allocations.</summary>
    public sealed class ParseOutput
    {
        public List<Metric> Metrics { get; } = new List<Metric>();

        public List<SnapshotEvent> Snapshots { get; } = new List<SnapshotEvent>();

        /// <summary>The node the line says it comes from (MXNet's Node[n] prefix), when it says so.</summary>
        public int? Node { get; set; }

        /// <summary>The log's format, when this line decided it (<see cref="AutoDetectLogParser"/>); null on every other line.</summary>
        public TrainingFramework? DetectedFramework { get; set; }

        public void Clear()
        {
            Metrics.Clear();
            Snapshots.Clear();
            Node = null;
            DetectedFramework = null;
        }
    }
}
