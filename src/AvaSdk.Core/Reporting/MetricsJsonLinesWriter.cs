using System;
using System.Globalization;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Newtonsoft.Json;

namespace AvaSdk.Reporting
{
    /// <summary>
    /// <c>metrics.jsonl</c>: one JSON object per metric, appended as metrics come. The record of truth that every other
    /// reporter can be checked against. NaN and ±Infinity are written as the strings "NaN", "Infinity", "-Infinity".
    /// </summary>
    public sealed class MetricsJsonLinesWriter : IMetricReporter, IDisposable
    {
        public const string FileName = "metrics.jsonl";

        private readonly StreamWriter file;
        private readonly JsonTextWriter json;

        public MetricsJsonLinesWriter(string runFolder)
        {
            Directory.CreateDirectory(runFolder);
            Path = System.IO.Path.Combine(runFolder, FileName);
            file = new StreamWriter(new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite), new UTF8Encoding(false), 64 * 1024);
            json = new JsonTextWriter(file) { FloatFormatHandling = FloatFormatHandling.String, Formatting = Formatting.None, CloseOutput = false };
        }

        public string Path { get; }

        public void Report(Metric metric)
        {
            json.WriteStartObject();
            json.WritePropertyName("name");
            json.WriteValue(metric.Name);
            json.WritePropertyName("value");
            json.WriteValue(metric.Value);
            json.WritePropertyName("iteration");
            json.WriteValue(metric.Iteration);
            json.WritePropertyName("epoch");
            json.WriteValue(metric.Epoch);
            json.WritePropertyName("phase");
            json.WriteValue(metric.Phase.ToString().ToLowerInvariant());
            json.WritePropertyName("framework");
            json.WriteValue(metric.Framework.ToString().ToLowerInvariant());
            json.WritePropertyName("timestamp");
            json.WriteValue(metric.Timestamp.ToString("o", CultureInfo.InvariantCulture));
            json.WritePropertyName("trainInstanceId");
            json.WriteValue(metric.TrainInstanceId);
            json.WritePropertyName("line");
            json.WriteValue(metric.Line);
            json.WriteEndObject();
            json.WriteWhitespace("\n");
        }

        public void Flush()
        {
            json.Flush();
            file.Flush();
        }

        public Task<ReportOutcome> CompleteAsync(CancellationToken cancellationToken)
        {
            Flush();
            return Task.FromResult(ReportOutcome.Delivered);
        }

        public void Dispose()
        {
            ((IDisposable)json).Dispose();
            file.Dispose();
        }
    }
}
