using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using AvaSdk.Metrics;

namespace AvaSdk.PowerShell.Infrastructure
{
    /// <summary>Completes -Id from the training instances of the workspace the command would read.</summary>
    public sealed class TrainInstanceIdCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var typed = Completion.Typed(wordToComplete);
            return Completion.Instances(fakeBoundParameters)
                .Where(instance => instance.Id.StartsWith(typed, StringComparison.OrdinalIgnoreCase))
                .Select(instance => new CompletionResult(instance.Id, instance.Id, CompletionResultType.ParameterValue,
                    $"{instance.Status.ToString().ToLowerInvariant()}, started {instance.StartTime:yyyy-MM-dd HH:mm}"));
        }
    }

    /// <summary>
    /// Completes Get-AvaMetric -Name from the names the workspace's instances recorded (those of -Id when it is typed):
    /// only the newest instances, and only the start and the end of each metrics file, so a huge one never holds up the prompt.
    /// </summary>
    public sealed class MetricNameCompleter : IArgumentCompleter
    {
        private const int NewestInstances = 20;
        private const int RecordsPerFile = 1000;

        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var typed = Completion.Typed(wordToComplete);
            var ids = TypedIds(fakeBoundParameters);
            var names = new SortedSet<string>(StringComparer.OrdinalIgnoreCase);
            try
            {
                foreach (var instance in Completion.Instances(fakeBoundParameters)
                    .Where(instance => ids.Count == 0 || ids.Any(id => id.IsMatch(instance.Id)))
                    .OrderByDescending(instance => instance.StartTime)
                    .Take(NewestInstances))
                    names.UnionWith(RecordedMetrics.NamesIn(instance.RunPath, RecordsPerFile));
            }
            catch (Exception)
            {
                // Completion never fails loudly: an unreadable metrics file simply offers what was read before it.
            }
            return names
                .Where(name => name.StartsWith(typed, StringComparison.OrdinalIgnoreCase))
                .Select(name => new CompletionResult(Completion.Quote(WildcardPattern.Escape(name)), name, CompletionResultType.ParameterValue, name));
        }

        // -Id as typed so far: one word or several, each maybe a wildcard.
        private static List<WildcardPattern> TypedIds(IDictionary fakeBoundParameters)
        {
            var given = fakeBoundParameters.Contains("Id") ? fakeBoundParameters["Id"] : null;
            var words = given is string one ? new[] { one } : given is IEnumerable many ? many.Cast<object?>().Select(o => o?.ToString()) : Enumerable.Empty<string?>();
            return words.Where(word => !string.IsNullOrEmpty(word)).Select(word => new WildcardPattern(word!, WildcardOptions.IgnoreCase)).ToList();
        }
    }
}
