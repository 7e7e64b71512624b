using System;
using System.Collections.Generic;
using System.Globalization;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace AvaSdk.Parsing
{
    /// <summary>
    /// Any program's log: the user's metric definitions (SageMaker's idea: a name and a regex whose first group is
    /// the value) and, optionally, JSON lines, where each numeric field of an object is a metric.
    /// </summary>
    public sealed class GenericLogParser : ILogParser
    {
        private static readonly HashSet<string> IterationFields = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "step", "iteration", "iter" };

        private readonly IReadOnlyList<MetricDefinition> definitions;
        private readonly bool readJsonLines;
        private readonly TrainingFramework framework;

        public GenericLogParser(IReadOnlyList<MetricDefinition> definitions, bool readJsonLines, TrainingFramework framework = TrainingFramework.Generic)
        {
            this.definitions = definitions;
            this.readJsonLines = readJsonLines;
            this.framework = framework;
            var formats = new List<string>();
            if (readJsonLines)
                formats.Add("JSON lines");
            if (definitions.Count > 0)
                formats.Add($"{definitions.Count} metric definition(s)");
            Formats = formats;
        }

        public IReadOnlyList<string> Formats { get; }

        /// <summary>The same rules, stamping their metrics with <paramref name="other"/>.</summary>
        public GenericLogParser For(TrainingFramework other) => new GenericLogParser(definitions, readJsonLines, other);

        public void Parse(string line, in LogLineContext context, ParseOutput output)
        {
            foreach (var definition in definitions)
            {
                var match = definition.Pattern.Match(line);
                if (!match.Success || !LogNumber.TryParse(match.Groups[1].Value, out var value))
                    continue;
                var iteration = match.Groups["iteration"];
                var epoch = match.Groups["epoch"];
                output.Metrics.Add(new Metric(definition.Name, value,
                    iteration.Success && long.TryParse(iteration.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? i : (long?)null,
                    epoch.Success && int.TryParse(epoch.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var e) ? e : (int?)null,
                    MetricPhase.Train, framework, context.Timestamp, context.TrainInstanceId, context.LineNumber, node: context.Node));
            }
            if (readJsonLines)
                ParseJsonLine(line, context, output);
        }

        public void Complete(in LogLineContext context, ParseOutput output)
        {
        }

        private void ParseJsonLine(string line, in LogLineContext context, ParseOutput output)
        {
            var text = line.Trim();
            if (text.Length < 2 || text[0] != '{' || text[text.Length - 1] != '}')
                return;
            JObject json;
            try
            {
                json = IO.JsonText.ParseObject(text);
            }
            catch (JsonException)
            {
                return;
            }

            long? iteration = null;
            int? epoch = null;
            var phase = MetricPhase.Train;
            foreach (var property in json.Properties())
            {
                if (IterationFields.Contains(property.Name) && property.Value.Type == JTokenType.Integer)
                    iteration = (long)property.Value;
                else if (property.Name.Equals("epoch", StringComparison.OrdinalIgnoreCase) && property.Value.Type == JTokenType.Integer)
                    epoch = (int)property.Value;
                else if (property.Name.Equals("phase", StringComparison.OrdinalIgnoreCase) && property.Value.Type == JTokenType.String)
                    Enum.TryParse((string)property.Value!, ignoreCase: true, out phase);
            }
            foreach (var property in json.Properties())
            {
                var numeric = property.Value.Type == JTokenType.Integer || property.Value.Type == JTokenType.Float;
                if (!numeric || IterationFields.Contains(property.Name) || property.Name.Equals("epoch", StringComparison.OrdinalIgnoreCase))
                    continue;
                output.Metrics.Add(new Metric(property.Name, (double)property.Value, iteration, epoch, phase, framework,
                    context.Timestamp, context.TrainInstanceId, context.LineNumber, node: context.Node));
            }
        }
    }
}
