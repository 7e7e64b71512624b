using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using AvaSdk.IO;
using Newtonsoft.Json.Linq;

namespace AvaSdk.Reporting
{
    /// <summary>
    /// metrics.jsonl read back, and how much of it has reached the metrics endpoint: <c>metrics.delivered</c> holds the
    /// number of records whose points were sent or spooled, rewritten atomically after each batch. After a crash the
    /// records past it are encoded again and sent; their points carry the stored timestamps, so InfluxDB (and the probe)
    /// take a second copy of a point as the same point, and nothing is counted twice.
    /// </summary>
    public sealed class MetricJournal
    {
        public MetricJournal(Training.RunFolder folder)
        {
            Path = folder.Metrics;
            PositionPath = folder.MetricsDelivered;
        }

        public string Path { get; }

        public string PositionPath { get; }

        /// <summary>Whole records in metrics.jsonl (a torn last line is not one).</summary>
        public long Count() => LineFile.CountCompleteLines(Path);

        /// <summary>
        /// The records owed to the endpoint: from the first not delivered to <c>Count</c>, the whole records there are now.
        /// A position past the end (the crash lost metrics.jsonl's unflushed tail) is brought back to it. A run folder
        /// without a position file (new, or written by AvaSdk 0.1.0, which delivered or spooled everything before it
        /// exited) counts every record it has as delivered, and says so on disk.
        /// </summary>
        public (long From, long Count) Undelivered()
        {
            var count = Count();
            var delivered = Delivered(count);
            if (delivered > count)
            {
                Save(count);
                delivered = count;
            }
            return (delivered, count);
        }

        /// <summary>How many records are owed, only looking: no position file means none (see <see cref="Undelivered"/>).</summary>
        public long Owed() => SavedPosition() is long delivered ? Math.Max(0, Count() - delivered) : 0;

        private long Delivered(long count)
        {
            if (SavedPosition() is long delivered)
                return delivered;
            Save(count);
            return count;
        }

        private long? SavedPosition() =>
            File.Exists(PositionPath) && long.TryParse(File.ReadAllText(PositionPath).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var delivered)
                ? delivered
                : null;

        public void Save(long delivered)
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(PositionPath)!);
            AtomicFile.WriteAllText(PositionPath, delivered.ToString(CultureInfo.InvariantCulture));
        }

        /// <summary>The metrics of records <paramref name="from"/> on; a record that does not parse is skipped (null).</summary>
        public IEnumerable<Metric?> ReadFrom(long from)
        {
            var index = 0L;
            foreach (var line in LineFile.EnumerateCompleteLines(Path))
            {
                if (index++ >= from)
                    yield return Parse(line);
            }
        }

        /// <summary>One record of metrics.jsonl as the metric it was written from; null when it is not one.</summary>
        public static Metric? Parse(string record) => Parse(record, out _);

        /// <summary>As <see cref="Parse(string)"/>, saying why a record is not a metric in <paramref name="problem"/>.</summary>
        public static Metric? Parse(string record, out string? problem)
        {
            problem = null;
            try
            {
                var json = JsonText.ParseObject(record);
                var name = (string?)json["name"];
                var timestamp = (string?)json["timestamp"];
                if (name == null || timestamp == null)
                {
                    problem = "it has no name or no timestamp.";
                    return null;
                }
                var value = json["value"]?.Type == JTokenType.String
                    ? double.Parse((string)json["value"]!, NumberStyles.Float, CultureInfo.InvariantCulture)
                    : (double)json["value"]!;
                return new Metric(name, value, (long?)json["iteration"], (int?)json["epoch"], Phase((string?)json["phase"]), Framework((string?)json["framework"]),
                    DateTimeOffset.Parse(timestamp, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind), (string?)json["trainInstanceId"],
                    (long?)json["line"] ?? 0, (long?)json["batch"], (int?)json["node"]);
            }
            catch (Exception ex) when (ex is Newtonsoft.Json.JsonException || ex is FormatException || ex is InvalidCastException || ex is ArgumentException || ex is OverflowException)
            {
                problem = ex.Message;
                return null;
            }
        }

        private static MetricPhase Phase(string? text) => text switch
        {
            "test" => MetricPhase.Test,
            "validation" => MetricPhase.Validation,
            _ => MetricPhase.Train,
        };

        private static TrainingFramework Framework(string? text) => text switch
        {
            "caffe" => TrainingFramework.Caffe,
            "mxnet" => TrainingFramework.MXNet,
            _ => TrainingFramework.Generic,
        };
    }
}
