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
    /// Written by hand rather than through a JSON writer: it sits on the hot path of every metric.
    /// </summary>
    public sealed class MetricsJsonLinesWriter : IMetricReporter, IDisposable
    {
        private readonly StreamWriter file;
        private readonly Dictionary<string, string> quoted = new Dictionary<string, string>(StringComparer.Ordinal);
        private readonly StringBuilder line = new StringBuilder(256);
        private DateTimeOffset lastTimestamp;
        private string lastTimestampText = string.Empty;

        public MetricsJsonLinesWriter(string runFolder)
        {
            Directory.CreateDirectory(runFolder);
            Path = Training.RunFolder.Of(runFolder).Metrics;
            file = new StreamWriter(IO.LineFile.OpenAppend(Path, keepTornLine: false), new UTF8Encoding(false), 64 * 1024);
        }

        public string Path { get; }

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
            json.Append(",\"line\":").Append(metric.Line).Append("}\n");
            file.Write(json);
        }

        public void Flush() => file.Flush();

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
