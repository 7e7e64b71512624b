using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace AvaSdk.Reporting
{
    /// <summary>
    /// <c>metrics.jsonl</c>: one JSON object per metric, appended as metrics come. The record of truth that every other
    /// reporter can be checked against. NaN and ±Infinity are written as the strings "NaN", "Infinity", "-Infinity".
    /// Written by hand rather than through a JSON writer: it sits on the hot path of every metric. Records wait in a
    /// buffer of this writer's own and reach the file whole; when the file cannot take them (a full disk), it is cut
    /// back to its last whole record and the writer gives up the rest of the run (<see cref="Failure"/>).
    /// </summary>
    public sealed class MetricsJsonLinesWriter : IMetricReporter, IDisposable
    {
        private const int BufferLimit = 64 * 1024;
        private static readonly Encoding Utf8 = new UTF8Encoding(false);

        private readonly FileStream file;
        private readonly MemoryStream pending = new MemoryStream(BufferLimit * 2);
        private char[] chars = new char[512];
        private long pendingRecords;
        private readonly Dictionary<string, string> quoted = new Dictionary<string, string>(StringComparer.Ordinal);
        private readonly StringBuilder line = new StringBuilder(256);
        private DateTimeOffset lastTimestamp;
        private string lastTimestampText = string.Empty;

        public MetricsJsonLinesWriter(Training.RunFolder folder)
        {
            Directory.CreateDirectory(folder.Path);
            Path = folder.Metrics;
            // Unbuffered: the only buffer is `pending`, so what failed to be written can be dropped, never written later.
            file = IO.LineFile.OpenAppend(Path, keepTornLine: false, bufferSize: 0);
        }

        public string Path { get; }

        /// <summary>How many metrics of this writer are in the file, whole.</summary>
        public long Kept { get; private set; }

        /// <summary>Why the file took no more records (a full disk); null while it takes them.</summary>
        public IOException? Failure { get; private set; }

        public void Report(Metric metric)
        {
            var json = line.Clear();
            json.Append("{\"name\":").Append(Quoted(metric.Name));
            json.Append(",\"value\":").Append(Number(metric.Value));
            json.Append(",\"iteration\":");
            if (metric.Iteration is long iteration)
                json.Append(iteration);
            else
                json.Append("null");
            json.Append(",\"batch\":");
            if (metric.Batch is long batch)
                json.Append(batch);
            else
                json.Append("null");
            json.Append(",\"epoch\":");
            if (metric.Epoch is int epoch)
                json.Append(epoch);
            else
                json.Append("null");
            json.Append(",\"phase\":").Append(PhaseName(metric.Phase));
            json.Append(",\"framework\":").Append(FrameworkName(metric.Framework));
            json.Append(",\"timestamp\":\"").Append(Timestamp(metric.Timestamp));
            json.Append("\",\"trainInstanceId\":").Append(metric.TrainInstanceId == null ? "null" : Quoted(metric.TrainInstanceId));
            if (metric.Node is int node)
                json.Append(",\"node\":").Append(node);
            json.Append(",\"line\":").Append(metric.Line).Append("}\n");
            if (Failure != null)
                return;
            if (chars.Length < json.Length)
                chars = new char[Math.Max(json.Length, chars.Length * 2)];
            json.CopyTo(0, chars, 0, json.Length);
            var bytes = Utf8.GetByteCount(chars, 0, json.Length);
            var start = (int)pending.Length;
            pending.SetLength(start + bytes);
            Utf8.GetBytes(chars, 0, json.Length, pending.GetBuffer(), start);
            pendingRecords++;
            if (pending.Length >= BufferLimit)
                Flush();
        }

        /// <summary>Writes the buffered records; on a failed write the file is cut back to its last whole record, and <see cref="Failure"/> set.</summary>
        public void Flush()
        {
            if (Failure != null || pending.Length == 0)
                return;
            var whole = file.Length;
            try
            {
                file.Write(pending.GetBuffer(), 0, (int)pending.Length);
                Kept += pendingRecords;
            }
            catch (IOException ex)
            {
                Failure = ex;
                try
                {
                    file.SetLength(whole);
                }
                catch (IOException)
                {
                    // A torn last record is still cut by the next writer (LineFile.OpenAppend) and skipped by every reader.
                }
            }
            pending.SetLength(0);
            pendingRecords = 0;
        }

        void IMetricReporter.GiveUpAfter(long kept)
        {
            // This is the file that could not keep them.
        }

        public Task<ReportOutcome> CompleteAsync(CancellationToken cancellationToken)
        {
            Flush();
            return Task.FromResult(ReportOutcome.Delivered);
        }

        public void Dispose() => file.Dispose();

        private static string Number(double value)
        {
            if (double.IsNaN(value))
                return "\"NaN\"";
            if (double.IsPositiveInfinity(value))
                return "\"Infinity\"";
            if (double.IsNegativeInfinity(value))
                return "\"-Infinity\"";
            return value.ToString("R", CultureInfo.InvariantCulture);
        }

        private static string PhaseName(MetricPhase phase) => phase switch
        {
            MetricPhase.Test => "\"test\"",
            MetricPhase.Validation => "\"validation\"",
            _ => "\"train\"",
        };

        private static string FrameworkName(TrainingFramework framework) => framework switch
        {
            TrainingFramework.Caffe => "\"caffe\"",
            TrainingFramework.MXNet => "\"mxnet\"",
            _ => "\"generic\"",
        };

        // The metrics of one line share its timestamp, so the last one formatted is usually the next one needed.
        private string Timestamp(DateTimeOffset timestamp)
        {
            if (timestamp != lastTimestamp || lastTimestampText.Length == 0)
            {
                lastTimestamp = timestamp;
                lastTimestampText = timestamp.ToString("o", CultureInfo.InvariantCulture);
            }
            return lastTimestampText;
        }

        private string Quoted(string text)
        {
            if (quoted.TryGetValue(text, out var cached))
                return cached;
            var json = new StringBuilder(text.Length + 2).Append('"');
            foreach (var c in text)
            {
                switch (c)
                {
                    case '"': json.Append("\\\""); break;
                    case '\\': json.Append("\\\\"); break;
                    case '\n': json.Append("\\n"); break;
                    case '\r': json.Append("\\r"); break;
                    case '\t': json.Append("\\t"); break;
                    default:
                        if (c < ' ')
                            json.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                        else
                            json.Append(c);
                        break;
                }
            }
            var result = json.Append('"').ToString();
            // Names repeat endlessly; only a bounded number of distinct ones is kept.
            if (quoted.Count < 1024)
                quoted[text] = result;
            return result;
        }
    }
}
