using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace AvaSdk.Reporting
{
    /// <summary>
    /// InfluxDB line protocol in the AVA probe's scheme: measurement <c>ava_metric_training_&lt;name&gt;</c> for training
    /// metrics and <c>ava_metric_training_val_&lt;name&gt;</c> for test and validation ones (so loss, learning_rate and
    /// val_accuracy keep the original SDK's names), tags sorted by key, one <c>value</c> field, nanosecond time.
    /// The rules are spelled out in tests/golden/probe/SPEC.md.
    /// </summary>
    public static class LineProtocol
    {
        private static readonly long UnixEpochTicks = DateTimeOffset.FromUnixTimeSeconds(0).UtcTicks;

        private static readonly Dictionary<string, string> KnownNames = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["lr"] = "learning_rate",
            ["learning-rate"] = "learning_rate",
            ["acc"] = "accuracy",
            // MXNet's loss metric; the original SDK reported it as the training loss.
            ["cross-entropy"] = "loss",
            ["ce"] = "loss",
        };

        public static string Measurement(Metric metric)
        {
            var name = KnownNames.TryGetValue(metric.Name, out var known) ? known : Sanitize(metric.Name);
            return (metric.Phase == MetricPhase.Train ? "ava_metric_training_" : "ava_metric_training_val_") + name;
        }

        /// <summary>The metric as one line, or null when its value cannot be written (NaN, ±Infinity).</summary>
        public static string? Encode(Metric metric)
        {
            if (double.IsNaN(metric.Value) || double.IsInfinity(metric.Value))
                return null;
            var line = new StringBuilder(160);
            line.Append(Escape(Measurement(metric), measurement: true));
            if (metric.Iteration is long batch)
                Tag(line, "batch", batch.ToString(CultureInfo.InvariantCulture));
            if (metric.Epoch is int epoch)
                Tag(line, "epoch", epoch.ToString(CultureInfo.InvariantCulture));
            if (!string.IsNullOrEmpty(metric.TrainInstanceId))
                Tag(line, "id", metric.TrainInstanceId!);
            Tag(line, "job_type", "training");
            if (metric.Node is int node)
                Tag(line, "node", node.ToString(CultureInfo.InvariantCulture));
            Tag(line, "phase", metric.Phase.ToString().ToLowerInvariant());
            line.Append(" value=").Append(metric.Value.ToString("R", CultureInfo.InvariantCulture));
            line.Append(' ').Append(Nanoseconds(metric.Timestamp));
            return line.ToString();
        }

        /// <summary>
        /// The original SDK's progress points after a training metric at a new iteration: <c>ava_metric_training_sample_num</c>
        /// (field <c>count</c>, an integer without InfluxDB's <c>i</c>, as the probe reads it: the samples seen so far; only
        /// when the samples per iteration are known) and <c>ava_metric_meta_info</c> (<c>value=1</c>; <c>batch</c> is the
        /// iteration, <c>batch_in_epoch</c> the batch).
        /// </summary>
        public static IEnumerable<string> ProgressPoints(Metric metric, long? samplesPerIteration, long? trainSamples)
        {
            if (metric.Iteration is not long iteration)
                yield break;
            var time = Nanoseconds(metric.Timestamp);
            string Tags(bool meta)
            {
                var tags = new StringBuilder();
                Tag(tags, "batch", iteration.ToString(CultureInfo.InvariantCulture));
                if (meta && metric.Batch is long batch)
                    Tag(tags, "batch_in_epoch", batch.ToString(CultureInfo.InvariantCulture));
                if (metric.Epoch is int e)
                    Tag(tags, "epoch", e.ToString(CultureInfo.InvariantCulture));
                if (!string.IsNullOrEmpty(metric.TrainInstanceId))
                    Tag(tags, "id", metric.TrainInstanceId!);
                Tag(tags, "job_type", "training");
                if (metric.Node is int node)
                    Tag(tags, "node", node.ToString(CultureInfo.InvariantCulture));
                return tags.ToString();
            }
            if (samplesPerIteration is long perIteration)
                yield return $"ava_metric_training_sample_num{Tags(false)} count={SamplesSeen(metric, iteration, perIteration, trainSamples).ToString(CultureInfo.InvariantCulture)} {time}";
            yield return $"ava_metric_meta_info{Tags(true)} value=1 {time}";
        }

        // MXNet's last batch of an epoch may be partial, so the original counted whole epochs by the training set's size.
        private static long SamplesSeen(Metric metric, long iteration, long perIteration, long? trainSamples) =>
            metric.Framework == TrainingFramework.MXNet && trainSamples is long samples && metric.Epoch is int epoch && metric.Batch is long batch
                ? epoch * samples + batch * perIteration
                : iteration * perIteration;

        private static string Nanoseconds(DateTimeOffset timestamp) =>
            ((timestamp.UtcTicks - UnixEpochTicks) * 100).ToString(CultureInfo.InvariantCulture);

        public static string Escape(string text, bool measurement = false)
        {
            var escaped = new StringBuilder(text.Length + 8);
            foreach (var c in text)
            {
                if (c == ',' || c == ' ' || (c == '=' && !measurement))
                    escaped.Append('\\');
                escaped.Append(c);
            }
            return escaped.ToString();
        }

        private static void Tag(StringBuilder line, string key, string value) =>
            line.Append(',').Append(Escape(key)).Append('=').Append(Escape(value));

        private static string Sanitize(string name)
        {
            var clean = new StringBuilder(name.Length);
            foreach (var c in name.ToLowerInvariant())
                clean.Append((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ? c : '_');
            return clean.ToString();
        }
    }
}
