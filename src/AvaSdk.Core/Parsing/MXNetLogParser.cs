using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.RegularExpressions;

namespace AvaSdk.Parsing
{
    /// <summary>
    /// MXNet's Python logging: every Speedometer generation, epoch-end train and validation metrics, time cost, learning
    /// rates, and checkpoints. Prefixes (INFO:root:, timestamps, Node[0]) and ANSI colours are looked past.
    /// MXNet counts batches within an epoch; metrics carry that as <see cref="Metric.Batch"/> and the batches since the
    /// start as <see cref="Metric.Iteration"/>, which needs the epoch length: given, or else learned from the log as the
    /// largest batch of the first completed epoch (until then, later epochs have no iteration).
    /// </summary>
    public sealed class MXNetLogParser : ILogParser
    {
        private const RegexOptions Options = RegexOptions.Compiled | RegexOptions.CultureInvariant;
        private const string Num = "(" + LogNumber.Pattern + ")";

        private static readonly Regex Ansi = new Regex(@"\x1b\[[0-9;]*[A-Za-z]", Options);
        private static readonly Regex EpochMetric = new Regex(@"Epoch\[(\d+)\]\s+(Train|Validation)-([^\s=]+)=(\S+)", Options);
        private static readonly Regex TimeCost = new Regex(@"Epoch\[(\d+)\]\s+Time cost=(\S+)", Options);
        private static readonly Regex Checkpoint = new Regex(@"Saved checkpoint to ""(.+?)-(\d+)\.params""", Options);
        // The scheduler's line (FactorScheduler, MultiFactorScheduler): n counts updates, that is batches since the start.
        private static readonly Regex LearningRateChange = new Regex(@"Update\[(\d+)\]: Change learning rate to " + Num, Options);
        // What training scripts log beside the Speedometer, e.g. "Epoch[0] Batch [100] learning-rate: 0.1".
        private static readonly Regex LearningRate = new Regex(@"\b(?:learning-rate|lr):\s*" + Num, Options);
        private readonly string?[] names = new string?[16];
        private int nextName;

        private readonly long? givenEpochLength;
        private long? learnedEpochLength;
        private int? latestEpoch;
        private long largestBatchOfLatestEpoch = -1;

        /// <param name="batchOfEpoch">Batches per epoch; null to learn it from the log.</param>
        public MXNetLogParser(int? batchOfEpoch = null)
        {
            givenEpochLength = batchOfEpoch;
        }

        private long? EpochLength => givenEpochLength ?? learnedEpochLength;

        // "Node[3]" as distributed MXNet's logging puts it before a worker's lines: ps-lite's rank of the worker.
        private static int? NodePrefix(string line)
        {
            var at = line.IndexOf("Node[", StringComparison.Ordinal);
            if (at < 0)
                return null;
            var start = at + 5;
            var end = line.IndexOf(']', start);
            return end > start && end - start <= 6 && int.TryParse(line.AsSpan(start, end - start), NumberStyles.None, CultureInfo.InvariantCulture, out var rank) ? rank : null;
        }

        public void Parse(string line, in LogLineContext context, ParseOutput output)
        {
            if (line.IndexOf("Epoch[", StringComparison.Ordinal) < 0 && line.IndexOf("Iter[", StringComparison.Ordinal) < 0 &&
                line.IndexOf("Update[", StringComparison.Ordinal) < 0 && line.IndexOf("Saved checkpoint", StringComparison.Ordinal) < 0)
                return;
            if (line.IndexOf('\x1b') >= 0)
                line = Ansi.Replace(line, string.Empty);
            output.Node = NodePrefix(line);

            if (TryReadPosition(line, out var epoch, out var batch, out var positionEnd))
            {
                See(epoch, batch);
                if (batch is long inEpoch)
                    ParseBatchLine(line, positionEnd, epoch, inEpoch, context, output);
                else
                    ParseEpochEnd(line, context, output);
                return;
            }
            var change = LearningRateChange.Match(line);
            if (change.Success)
            {
                if (LogNumber.TryParse(change.Groups[2].Value, out var rate))
                    Add(output, context, "lr", rate, long.Parse(change.Groups[1].Value, CultureInfo.InvariantCulture), latestEpoch, null, MetricPhase.Train);
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

        public IReadOnlyList<string> Formats { get; } = new[] { "MXNet" };

        // A line naming a later epoch means the one before is complete: its largest batch is the epoch length, when
        // none was given.
        private void See(int epoch, long? batch)
        {
            if (latestEpoch is not int previous || epoch > previous)
            {
                if (largestBatchOfLatestEpoch > 0)
                    learnedEpochLength ??= largestBatchOfLatestEpoch;
                largestBatchOfLatestEpoch = -1;
            }
            latestEpoch = epoch;
            if (batch > largestBatchOfLatestEpoch)
                largestBatchOfLatestEpoch = batch.Value;
        }

        // Speedometer lines are nearly all of an MXNet log, so they are scanned directly: "Speed: s samples/sec", then
        // tab- or space-separated name=value pairs; otherwise a learning rate logged for the batch.
        private void ParseBatchLine(string line, int start, int epoch, long batch, in LogLineContext context, ParseOutput output)
        {
            var iteration = Iteration(epoch, batch);
            var speedAt = line.IndexOf("Speed:", start, StringComparison.Ordinal);
            if (speedAt < 0)
            {
                var rate = LearningRate.Match(line, start);
                if (rate.Success && LogNumber.TryParse(rate.Groups[1].Value, out var value))
                    Add(output, context, "lr", value, iteration, epoch, batch, MetricPhase.Train);
                return;
            }
            // Read in place, without a string per token: these lines are most of the log.
            var rest = line.AsSpan(speedAt + "Speed:".Length);
            var speedText = NextToken(ref rest);
            if (!NextToken(ref rest).SequenceEqual("samples/sec"))
                return;
            if (LogNumber.TryParse(speedText, out var speed))
                Add(output, context, "speed", speed, iteration, epoch, batch, MetricPhase.Train);
            for (var token = NextToken(ref rest); !token.IsEmpty; token = NextToken(ref rest))
            {
                var equals = token.IndexOf('=');
                if (equals > 0 && LogNumber.TryParse(token.Slice(equals + 1), out var value))
                    Add(output, context, Name(token.Slice(0, equals)), value, iteration, epoch, batch, MetricPhase.Train);
            }
        }

        // The next space- or tab-separated token of `rest`, which moves past it; empty at the end.
        private static ReadOnlySpan<char> NextToken(ref ReadOnlySpan<char> rest)
        {
            var start = rest.IndexOfAnyExcept(' ', '\t');
            if (start < 0)
            {
                rest = ReadOnlySpan<char>.Empty;
                return ReadOnlySpan<char>.Empty;
            }
            rest = rest.Slice(start);
            var end = rest.IndexOfAny(' ', '\t');
            var token = end < 0 ? rest : rest.Slice(0, end);
            rest = end < 0 ? ReadOnlySpan<char>.Empty : rest.Slice(end);
            return token;
        }

        // A metric's name without "Train-"; the few names of a log come back as the same strings.
        private string Name(ReadOnlySpan<char> token)
        {
            if (token.StartsWith("Train-", StringComparison.Ordinal))
                token = token.Slice("Train-".Length);
            foreach (var known in names)
            {
                if (known != null && token.SequenceEqual(known))
                    return known;
            }
            var name = token.ToString();
            names[nextName++ % names.Length] = name;
            return name;
        }

        private void ParseEpochEnd(string line, in LogLineContext context, ParseOutput output)
        {
            var epochMetric = EpochMetric.Match(line);
            if (epochMetric.Success)
            {
                if (LogNumber.TryParse(epochMetric.Groups[4].Value, out var value))
                {
                    var phase = epochMetric.Groups[2].Value == "Validation" ? MetricPhase.Validation : MetricPhase.Train;
                    Add(output, context, epochMetric.Groups[3].Value, value, null, int.Parse(epochMetric.Groups[1].Value, CultureInfo.InvariantCulture), null, phase);
                }
                return;
            }
            var timeCost = TimeCost.Match(line);
            if (timeCost.Success && LogNumber.TryParse(timeCost.Groups[2].Value, out var seconds))
                Add(output, context, "time-cost", seconds, null, int.Parse(timeCost.Groups[1].Value, CultureInfo.InvariantCulture), null, MetricPhase.Train);
        }

        private long? Iteration(int epoch, long batch) =>
            epoch == 0 ? batch : EpochLength is long length ? epoch * length + batch : null;

        // "Epoch[e]" (or the older "Iter[e]"), then optionally " Batch [n]" or " Batch [a-n]" (a range: its end counts).
        private static bool TryReadPosition(string line, out int epoch, out long? batch, out int end)
        {
            epoch = 0;
            batch = null;
            end = 0;
            var bracket = line.IndexOf("Epoch[", StringComparison.Ordinal);
            var position = bracket >= 0 ? bracket + "Epoch[".Length : line.IndexOf("Iter[", StringComparison.Ordinal) + "Iter[".Length;
            if (position < "Iter[".Length || !TryDigits(line, ref position, out var number) || position >= line.Length || line[position] != ']' || number > int.MaxValue)
                return false;
            epoch = (int)number;
            end = ++position;
            while (position < line.Length && char.IsWhiteSpace(line[position]))
                position++;
            if (string.CompareOrdinal(line, position, "Batch", 0, "Batch".Length) != 0)
                return true;
            position += "Batch".Length;
            while (position < line.Length && char.IsWhiteSpace(line[position]))
                position++;
            if (position >= line.Length || line[position] != '[')
                return true;
            position++;
            if (!TryDigits(line, ref position, out var inEpoch))
                return true;
            if (position < line.Length && line[position] == '-')
            {
                position++;
                if (!TryDigits(line, ref position, out inEpoch))
                    return true;
            }
            if (position >= line.Length || line[position] != ']')
                return true;
            batch = inEpoch;
            end = position + 1;
            return true;
        }

        private static bool TryDigits(string line, ref int position, out long value)
        {
            var start = position;
            value = 0;
            while (position < line.Length && line[position] >= '0' && line[position] <= '9' && position - start < 18)
                value = value * 10 + (line[position++] - '0');
            return position > start;
        }

        private static void Add(ParseOutput output, in LogLineContext context, string name, double value, long? iteration, int? epoch, long? batch, MetricPhase phase) =>
            output.Metrics.Add(new Metric(name, value, iteration, epoch, phase, TrainingFramework.MXNet, context.Timestamp, context.TrainInstanceId, context.LineNumber, batch, context.Node));
    }
}
