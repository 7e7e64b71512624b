using System.Collections.Generic;
using System.Linq;

namespace AvaSdk.Parsing
{
    /// <summary>
    /// A log whose format is not given: each framework's parser (a candidate) reads every line until a line yields metrics
    /// for exactly one of them; that framework is the log's for the rest of the run, and the others are dropped. Feeding
    /// every candidate every line keeps its state (Caffe's iteration, MXNet's epoch length) as if it had been chosen from
    /// the first line. A line several candidates read decides nothing, and neither do JSON lines nor the user's metric
    /// definitions: the generic parser reads them whatever the choice. Until the choice metrics carry Generic, from it on
    /// the chosen framework.
    /// </summary>
    public sealed class AutoDetectLogParser : ILogParser
    {
        private readonly List<(TrainingFramework Framework, ILogParser Parser, ParseOutput Output)> candidates;
        private GenericLogParser generic;

        public AutoDetectLogParser(GenericLogParser generic, params (TrainingFramework Framework, ILogParser Parser)[] candidates)
        {
            this.generic = generic;
            this.candidates = candidates.Select(c => (c.Framework, c.Parser, new ParseOutput())).ToList();
            Formats = candidates.SelectMany(c => c.Parser.Formats).Concat(generic.Formats).ToList();
        }

        /// <summary>The log's format once a line has decided it; null until then.</summary>
        public TrainingFramework? Detected { get; private set; }

        /// <summary>Every candidate's formats, then the generic parser's: all that was tried.</summary>
        public IReadOnlyList<string> Formats { get; }

        public void Parse(string line, in LogLineContext context, ParseOutput output)
        {
            if (Detected != null)
                candidates[0].Parser.Parse(line, context, output);
            else
                ParseUndecided(line, context, output);
            generic.Parse(line, context, output);
        }

        public void Complete(in LogLineContext context, ParseOutput output)
        {
            foreach (var candidate in candidates)
                candidate.Parser.Complete(context, output);
            generic.Complete(context, output);
        }

        private void ParseUndecided(string line, in LogLineContext context, ParseOutput output)
        {
            var readers = 0;
            var first = -1;
            for (var i = 0; i < candidates.Count; i++)
            {
                var read = candidates[i].Output;
                read.Clear();
                candidates[i].Parser.Parse(line, context, read);
                if (read.Metrics.Count > 0 && readers++ == 0)
                    first = i;
            }
            if (readers == 1)
            {
                Decide(first, output);
                return;
            }
            // Snapshot and node lines are each one framework's own, but they decide nothing: no metric came of them.
            foreach (var (_, _, read) in candidates)
            {
                output.Snapshots.AddRange(read.Snapshots);
                output.Node ??= read.Node;
            }
            // A line several formats share: one reading of it, with no framework yet.
            if (first >= 0)
                output.Metrics.AddRange(candidates[first].Output.Metrics.Select(m => m.Of(TrainingFramework.Generic)));
        }

        private void Decide(int winner, ParseOutput output)
        {
            var (framework, parser, read) = candidates[winner];
            output.Metrics.AddRange(read.Metrics);
            output.Snapshots.AddRange(read.Snapshots);
            output.Node ??= read.Node;
            output.DetectedFramework = framework;
            Detected = framework;
            candidates.Clear();
            candidates.Add((framework, parser, read));
            generic = generic.For(framework);
        }
    }
}
