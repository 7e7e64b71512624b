using System;
using System.Globalization;
using System.Text.RegularExpressions;

namespace AvaSdk.Parsing
{
    /// <summary>
    /// MXNet's Python logging: every Speedometer generation, epoch-end train and validation metrics, time cost,
    /// and checkpoints. Prefixes (INFO:root:, timestamps, Node[0]) and ANSI colours are looked past.
    /// </summary>
    public sealed class MXNetLogParser : ILogParser
    {
        private const RegexOptions Options = RegexOptions.Compiled | RegexOptions.CultureInvariant;
        private const string Num = "(" + LogNumber.Pattern + ")";

        private static readonly Regex Ansi = new Regex(@"\x1b\[[0-9;]*[A-Za-z]", Options);
        private static readonly Regex Speedometer = new Regex(@"(?:Epoch|Iter)\[(\d+)\]\s*Batch\s*\[(\d+)(?:-(\d+))?\]\s+Speed:\s*" + Num + @"\s*samples/sec(.*)$", Options);
        private static readonly Regex NameValue = new Regex(@"([^\s=]+)=" + Num + @"(?=\s|$)", Options);
        private static readonly Regex EpochMetric = new Regex(@"Epoch\[(\d+)\]\s+(Train|Validation)-([^\s=]+)=" + Num, Options);
        private static readonly Regex TimeCost = new Regex(@"Epoch\[(\d+)\]\s+Time cost=" + Num, Options);
        private static readonly Regex Checkpoint = new Regex(@"Saved checkpoint to ""(.+?)-(\d+)\.params""", Options);

        public void Parse(string line, in LogLineContext context, ParseOutput output)
        {
            if (line.IndexOf("Epoch[", StringComparison.Ordinal) < 0 && line.IndexOf("Iter[", StringComparison.Ordinal) < 0 &&
                line.IndexOf("Saved checkpoint", StringComparison.Ordinal) < 0)
                return;
            if (line.IndexOf('\x1b') >= 0)
                line = Ansi.Replace(line, string.Empty);

            var speedometer = Speedometer.Match(line);
            if (speedometer.Success)
            {
                var epoch = int.Parse(speedometer.Groups[1].Value, CultureInfo.InvariantCulture);
                var batch = long.Parse((speedometer.Groups[3].Success ? speedometer.Groups[3] : speedometer.Groups[2]).Value, CultureInfo.InvariantCulture);
                if (LogNumber.TryParse(speedometer.Groups[4].Value, out var speed))
                    Add(output, context, "speed", speed, batch, epoch, MetricPhase.Train);
                for (var pair = NameValue.Match(speedometer.Groups[5].Value); pair.Success; pair = pair.NextMatch())
                {
                    if (LogNumber.TryParse(pair.Groups[2].Value, out var value))
                        Add(output, context, TrimPhase(pair.Groups[1].Value), value, batch, epoch, MetricPhase.Train);
                }
                return;
            }
            var epochMetric = EpochMetric.Match(line);
            if (epochMetric.Success)
            {
                if (LogNumber.TryParse(epochMetric.Groups[4].Value, out var value))
                {
                    var phase = epochMetric.Groups[2].Value == "Validation" ? MetricPhase.Validation : MetricPhase.Train;
                    Add(output, context, epochMetric.Groups[3].Value, value, null, int.Parse(epochMetric.Groups[1].Value, CultureInfo.InvariantCulture), phase);
                }
                return;
            }
            var timeCost = TimeCost.Match(line);
            if (timeCost.Success)
            {
                if (LogNumber.TryParse(timeCost.Groups[2].Value, out var value))
                    Add(output, context, "time-cost", value, null, int.Parse(timeCost.Groups[1].Value, CultureInfo.InvariantCulture), MetricPhase.Train);
                return;
            }
            var checkpoint = Checkpoint.Match(line);
            if (checkpoint.Success)
            {
                var prefix = checkpoint.Groups[1].Value;
                var number = checkpoint.Groups[2].Value;
                // mx.model.save_checkpoint names the file after the number of epochs done.
                var epochsDone = int.Parse(number, CultureInfo.InvariantCulture);
                output.Snapshots.Add(new SnapshotEvent(
                    new[] { $"{prefix}-{number}.params" },
                    new[] { $"{prefix}-symbol.json", $"{prefix}-{number}.states" },
                    null, epochsDone, TrainingFramework.MXNet, context.LineNumber));
            }
        }

        public void Complete(in LogLineContext context, ParseOutput output)
        {
        }

        private static string TrimPhase(string name) =>
            name.StartsWith("Train-", StringComparison.Ordinal) ? name.Substring("Train-".Length) : name;

        private static void Add(ParseOutput output, in LogLineContext context, string name, double value, long? batch, int epoch, MetricPhase phase) =>
            output.Metrics.Add(new Metric(name, value, batch, epoch, phase, TrainingFramework.MXNet, context.Timestamp, context.TrainInstanceId, context.LineNumber));
    }
}
