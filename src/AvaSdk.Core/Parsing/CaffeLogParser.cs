using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.RegularExpressions;

namespace AvaSdk.Parsing
{
    /// <summary>
    /// Caffe's glog output: losses, learning rates, speeds, train and test net outputs, and snapshots.
    /// <c>loss</c> is the solver's loss only, one per displayed iteration; the raw train net outputs it is summed from are
    /// <c>output:&lt;name&gt;</c>. Test outputs carry the iteration of the "Testing net" line before them; train outputs,
    /// the latest iteration.
    /// </summary>
    public sealed class CaffeLogParser : ILogParser
    {
        private const RegexOptions Options = RegexOptions.Compiled | RegexOptions.CultureInvariant;
        private const string Num = "(" + LogNumber.Pattern + ")";

        /// <summary>Names a raw train net output, so that it is not taken for the solver's loss it is part of.</summary>
        public const string TrainOutputPrefix = "output:";

        private static readonly Regex NetOutput = new Regex(@"(Train|Test) net output #\d+: (\S+) = " + Num, Options);
        private static readonly Regex Snapshot = new Regex(@"Snapshotting (solver state )?to (?:binary proto|HDF5) file (.+?)\s*$", Options);
        private static readonly Regex SnapshotIteration = new Regex(@"_iter_(\d+)\.", Options);

        private readonly int? batchOfEpoch;
        private readonly List<string> snapshotFiles = new List<string>();
        private long snapshotLine;
        private long? iteration;
        private long? testIteration;

        /// <param name="batchOfEpoch">Iterations per epoch, so that metrics carry an epoch and a batch within it, and snapshots an epoch; null when unknown.</param>
        public CaffeLogParser(int? batchOfEpoch = null)
        {
            this.batchOfEpoch = batchOfEpoch;
        }

        public void Parse(string line, in LogLineContext context, ParseOutput output)
        {
            var isSnapshotLine = line.IndexOf("Snapshotting", StringComparison.Ordinal) >= 0;
            // Caffe logs a snapshot line before writing the file; any later line means the writing is over.
            if (snapshotFiles.Count > 0 && !isSnapshotLine)
                EmitSnapshot(output);

            if (isSnapshotLine)
            {
                ParseSnapshot(line, output, context.LineNumber);
                return;
            }
            if (line.IndexOf(" net output #", StringComparison.Ordinal) >= 0)
            {
                var match = NetOutput.Match(line);
                if (match.Success && LogNumber.TryParse(match.Groups[3].Value, out var value))
                {
                    if (match.Groups[1].Value == "Test")
                        Add(output, context, match.Groups[2].Value, value, testIteration ?? iteration, MetricPhase.Test);
                    else
                        Add(output, context, TrainOutputPrefix + match.Groups[2].Value, value, iteration, MetricPhase.Train);
                }
                return;
            }
            var at = line.IndexOf("Iteration ", StringComparison.Ordinal);
            if (at >= 0)
                ParseIteration(line, at + "Iteration ".Length, context, output);
        }

        public void Complete(in LogLineContext context, ParseOutput output)
        {
            if (snapshotFiles.Count > 0)
                EmitSnapshot(output);
        }

        public IReadOnlyList<string> Formats { get; } = new[] { "Caffe" };

        // Iteration lines are most of a Caffe log, so they are scanned directly rather than with regexes:
        // "Iteration N, loss = X", "Iteration N (x iter/s, ys/D iters), loss = X", "Iteration N, lr = X",
        // "Iteration N, Testing net (#k)".
        private void ParseIteration(string line, int position, in LogLineContext context, ParseOutput output)
        {
            var digitsEnd = position;
            while (digitsEnd < line.Length && line[digitsEnd] >= '0' && line[digitsEnd] <= '9')
                digitsEnd++;
            if (digitsEnd == position || !long.TryParse(line.Substring(position, digitsEnd - position), NumberStyles.None, CultureInfo.InvariantCulture, out var number))
                return;

            if (At(line, digitsEnd, ", loss = "))
            {
                iteration = number;
                AddNumber(output, context, "loss", line, digitsEnd + ", loss = ".Length);
            }
            else if (At(line, digitsEnd, ", lr = "))
            {
                iteration = number;
                AddNumber(output, context, "lr", line, digitsEnd + ", lr = ".Length);
            }
            else if (At(line, digitsEnd, ", Testing net (#"))
            {
                iteration = number;
                testIteration = number;
            }
            else if (At(line, digitsEnd, " ("))
            {
                var close = line.IndexOf("), loss = ", digitsEnd, StringComparison.Ordinal);
                var speedEnd = line.IndexOf(" iter/s", digitsEnd, StringComparison.Ordinal);
                if (close < 0)
                    return;
                iteration = number;
                if (speedEnd > 0 && speedEnd < close)
                    AddNumber(output, context, "speed", line, digitsEnd + 2, speedEnd);
                AddNumber(output, context, "loss", line, close + "), loss = ".Length);
            }
        }

        private static bool At(string line, int position, string text) =>
            string.CompareOrdinal(line, position, text, 0, text.Length) == 0;

        private void AddNumber(ParseOutput output, in LogLineContext context, string name, string line, int start, int end = -1)
        {
            if (end < 0)
            {
                end = start;
                while (end < line.Length && !char.IsWhiteSpace(line[end]) && line[end] != ',' && line[end] != ')')
                    end++;
            }
            if (end > start && LogNumber.TryParse(line.Substring(start, end - start), out var value))
                Add(output, context, name, value, iteration, MetricPhase.Train);
        }

        private void ParseSnapshot(string line, ParseOutput output, long lineNumber)
        {
            var match = Snapshot.Match(line);
            if (!match.Success)
                return;
            var isSolverState = match.Groups[1].Success;
            // A weights file after another without its solver state starts a new snapshot.
            if (!isSolverState && snapshotFiles.Count > 0)
                EmitSnapshot(output);
            if (snapshotFiles.Count == 0)
                snapshotLine = lineNumber;
            snapshotFiles.Add(match.Groups[2].Value);
        }

        private void EmitSnapshot(ParseOutput output)
        {
            var named = SnapshotIteration.Match(snapshotFiles[0]);
            var at = named.Success ? long.Parse(named.Groups[1].Value, CultureInfo.InvariantCulture) : iteration;
            int? epoch = at is long i && batchOfEpoch is int perEpoch ? (int)((i + perEpoch - 1) / perEpoch) : (int?)null;
            output.Snapshots.Add(new SnapshotEvent(snapshotFiles.ToArray(), Array.Empty<string>(), at, epoch, TrainingFramework.Caffe, snapshotLine));
            snapshotFiles.Clear();
        }

        private void Add(ParseOutput output, in LogLineContext context, string name, double value, long? at, MetricPhase phase)
        {
            int? epoch = null;
            long? batch = null;
            if (at is long i && batchOfEpoch is int perEpoch)
            {
                epoch = (int)(i / perEpoch);
                batch = i % perEpoch;
            }
            output.Metrics.Add(new Metric(name, value, at, epoch, phase, TrainingFramework.Caffe, context.Timestamp, context.TrainInstanceId, context.LineNumber, batch, context.Node));
        }
    }
}
