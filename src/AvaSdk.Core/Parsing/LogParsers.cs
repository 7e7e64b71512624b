using System.Collections.Generic;
using System.Linq;

namespace AvaSdk.Parsing
{
    /// <summary>Builds the parser for a training run: the framework's own, plus the user's metric definitions.</summary>
    /// <remarks><c>batchOfEpoch</c> is the epoch length in iterations (see <c>PlatformConfig.BatchOfEpoch</c>); null when unknown.</remarks>
    public static class LogParsers
    {
        public static ILogParser For(TrainingFramework framework, IReadOnlyList<MetricDefinition> definitions, int? batchOfEpoch)
        {
            switch (framework)
            {
                case TrainingFramework.Caffe:
                    return WithDefinitions(new CaffeLogParser(batchOfEpoch), framework, definitions);
                case TrainingFramework.MXNet:
                    return WithDefinitions(new MXNetLogParser(batchOfEpoch), framework, definitions);
                case TrainingFramework.Auto:
                    return new AutoDetectLogParser(new GenericLogParser(definitions, readJsonLines: true),
                        (TrainingFramework.Caffe, new CaffeLogParser(batchOfEpoch)), (TrainingFramework.MXNet, new MXNetLogParser(batchOfEpoch)));
                default:
                    return new GenericLogParser(definitions, readJsonLines: true);
            }
        }

        private static ILogParser WithDefinitions(ILogParser parser, TrainingFramework framework, IReadOnlyList<MetricDefinition> definitions) =>
            definitions.Count == 0 ? parser : new CompositeLogParser(parser, new GenericLogParser(definitions, readJsonLines: false, framework));

        private sealed class CompositeLogParser : ILogParser
        {
            private readonly ILogParser[] parsers;

            public CompositeLogParser(params ILogParser[] parsers)
            {
                this.parsers = parsers;
            }

            public void Parse(string line, in LogLineContext context, ParseOutput output)
            {
                foreach (var parser in parsers)
                    parser.Parse(line, context, output);
            }

            public void Complete(in LogLineContext context, ParseOutput output)
            {
                foreach (var parser in parsers)
                    parser.Complete(context, output);
            }

            public IReadOnlyList<string> Formats => parsers.SelectMany(p => p.Formats).ToList();
        }
    }
}
