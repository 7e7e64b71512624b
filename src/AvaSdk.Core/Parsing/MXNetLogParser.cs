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

        private static readonly Regex Ansi = new Regex(@"\x1b\[[0-9;]*[A-Za-z]", Options);
        private static readonly Regex EpochMetric = new Regex(@"Epoch\[(\d+)\]\s+(Train|Validation)-([^\s=]+)=(\S+)", Options);
        private static readonly Regex TimeCost = new Regex(@"Epoch\[(\d+)\]\s+Time cost=(\S+)", Options);
        private static readonly Regex Checkpoint = new Regex(@"Saved checkpoint to ""(.+?)-(\d+)\.params""", Options);

        public void Parse(string line, in LogLineContext context, ParseOutput output)
        {
            if (line.IndexOf("Epoch[", StringComparison.Ordinal) < 0 && line.IndexOf("Iter[", StringComparison.Ordinal) < 0 &&
                line.IndexOf("Saved checkpoint", StringComparison.Ordinal) < 0)
                return;
            if (line.IndexOf('\x1b') >= 0)
                line = Ansi.Replace(line, string.Empty);

            if (TryParseSpeedometer(line, context, output))
                return;
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

        // Speedometer lines are nearly all of an MXNet log, so they are scanned directly: "Epoch[e] Batch [n]" (or
        // "Iter[e]", "Batch [a-b]"), "Speed: s samples/sec", then tab- or space-separated name=value pairs.
        private static bool TryParseSpeedometer(string line, in LogLineContext context, ParseOutput output)
        {
            var speedAt = line.IndexOf("Speed:", StringComparison.Ordinal);
            if (speedAt < 0)
                return false;
            var bracket = line.LastIndexOf("Epoch[", speedAt, StringComparison.Ordinal);
            var open = bracket >= 0 ? bracket + "Epoch[".Length : line.LastIndexOf("Iter[", speedAt, StringComparison.Ordinal) + "Iter[".Length;
            if (open < "Iter[".Length)
                return false;
            var position = open;
            if (!TryDigits(line, ref position, out var epoch) || position >= line.Length || line[position] != ']')
                return false;
            var batchAt = line.IndexOf("Batch", position, speedAt - position, StringComparison.Ordinal);
            if (batchAt < 0)
                return false;
            position = line.IndexOf('[', batchAt, speedAt - batchAt) + 1;
            if (position <= 0 || !TryDigits(line, ref position, out var batch))
                return false;
            if (position < line.Length && line[position] == '-')
            {
                // A "Batch [a-b]" range: the metrics belong to its end.
                position++;
                if (!TryDigits(line, ref position, out batch))
                    return false;
            }
            if (position >= line.Length || line[position] != ']')
                return false;

            var tokens = line.Substring(speedAt + "Speed:".Length).Split(Separators, StringSplitOptions.RemoveEmptyEntries);
            if (tokens.Length < 2 || tokens[1] != "samples/sec")
                return false;
            if (LogNumber.TryParse(tokens[0], out var speed))
                Add(output, context, "speed", speed, batch, (int)epoch, MetricPhase.Train);
            for (var i = 2; i < tokens.Length; i++)
            {
                var equals = tokens[i].IndexOf('=');
                if (equals > 0 && LogNumber.TryParse(tokens[i].Substring(equals + 1), out var value))
                    Add(output, context, TrimPhase(tokens[i].Substring(0, equals)), value, batch, (int)epoch, MetricPhase.Train);
            }
            return true;
        }

        private static readonly char[] Separators = { ' ', '\t' };

        private static bool TryDigits(string line, ref int position, out long value)
        {
            var start = position;
            value = 0;
            while (position < line.Length && line[position] >= '0' && line[position] <= '9' && position - start < 18)
                value = value * 10 + (line[position++] - '0');
            return position > start;
        }

        private static string TrimPhase(string name) =>
            name.StartsWith("Train-", StringComparison.Ordinal) ? name.Substring("Train-".Length) : name;

        private static void Add(ParseOutput output, in LogLineContext context, string name, double value, long? batch, int epoch, MetricPhase phase) =>
            output.Metrics.Add(new Metric(name, value, batch, epoch, phase, TrainingFramework.MXNet, context.Timestamp, context.TrainInstanceId, context.LineNumber));
    }
}
