using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.RegularExpressions;

namespace AvaSdk.Parsing
{
    /// <summary>
    /// Caffe's glog output: losses, learning rates, speeds, train and test net outputs, and snapshots.
    /// Test outputs carry the iteration of the "Testing net" line before them; train outputs, the latest iteration.
    /// </summary>
    public sealed class CaffeLogParser : ILogParser
    {
        private const RegexOptions Options = RegexOptions.Compiled | RegexOptions.CultureInvariant;
        private const string Num = "(" + LogNumber.Pattern + ")";

        private static readonly Regex Loss = new Regex(@"Iteration (\d+)(?: \(" + Num + @" iter/s, [^)]*\))?, loss = " + Num, Options);
        private static readonly Regex LearningRate = new Regex(@"Iteration (\d+), lr = " + Num, Options);
        private static readonly Regex Testing = new Regex(@"Iteration (\d+), Testing net \(#\d+\)", Options);
        private static readonly Regex NetOutput = new Regex(@"(Train|Test) net output #\d+: (\S+) = " + Num, Options);
        private static readonly Regex Snapshot = new Regex(@"Snapshotting (solver state )?to (?:binary proto|HDF5) file (.+?)\s*$", Options);
        private static readonly Regex SnapshotIteration = new Regex(@"_iter_(\d+)\.", Options);

        private readonly int? batchOfEpoch;
        private readonly List<string> snapshotFiles = new List<string>();
        private long snapshotLine;
        private long? iteration;
        private long? testIteration;

        /// <param name="batchOfEpoch">Iterations per epoch, so that metrics and snapshots carry an epoch; null when unknown.</param>
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
                    var test = match.Groups[1].Value == "Test";
                    Add(output, context, match.Groups[2].Value, value, test ? testIteration ?? iteration : iteration, test ? MetricPhase.Test : MetricPhase.Train);
                }
                return;
            }
            if (line.IndexOf("Iteration ", StringComparison.Ordinal) < 0)
                return;

            var loss = Loss.Match(line);
            if (loss.Success)
            {
                iteration = long.Parse(loss.Groups[1].Value, CultureInfo.InvariantCulture);
                if (loss.Groups[2].Success && LogNumber.TryParse(loss.Groups[2].Value, out var speed))
                    Add(output, context, "speed", speed, iteration, MetricPhase.Train);
                if (LogNumber.TryParse(loss.Groups[3].Value, out var value))
                    Add(output, context, "loss", value, iteration, MetricPhase.Train);
                return;
            }
            var lr = LearningRate.Match(line);
            if (lr.Success)
            {
                iteration = long.Parse(lr.Groups[1].Value, CultureInfo.InvariantCulture);
                if (LogNumber.TryParse(lr.Groups[2].Value, out var value))
                    Add(output, context, "lr", value, iteration, MetricPhase.Train);
                return;
            }
            var testing = Testing.Match(line);
            if (testing.Success)
            {
                iteration = long.Parse(testing.Groups[1].Value, CultureInfo.InvariantCulture);
                testIteration = iteration;
            }
        }

        public void Complete(in LogLineContext context, ParseOutput output)
        {
            if (snapshotFiles.Count > 0)
                EmitSnapshot(output);
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
            int? epoch = at is long i && batchOfEpoch is int perEpoch ? (int)(i / perEpoch) : (int?)null;
            output.Metrics.Add(new Metric(name, value, at, epoch, phase, TrainingFramework.Caffe, context.Timestamp, context.TrainInstanceId, context.LineNumber));
        }
    }
}
