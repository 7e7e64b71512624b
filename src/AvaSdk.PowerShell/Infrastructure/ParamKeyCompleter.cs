using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using AvaSdk.Params;
using AvaSdk.Training;

namespace AvaSdk.PowerShell.Infrastructure
{
    /// <summary>Completes Get-AvaParam -Key from the keys in the params file the command would read.</summary>
    public sealed class ParamKeyCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var typed = Completion.Typed(wordToComplete);
            ParamDocument? document;
            try
            {
                document = ParamFileReader.TryRead(ParamsFile(fakeBoundParameters));
            }
            catch (Exception)
            {
                // Completion never fails loudly: a bad or unreadable file simply offers nothing.
                return Enumerable.Empty<CompletionResult>();
            }
            if (document == null)
                return Enumerable.Empty<CompletionResult>();

            return document.EnumerateKeys()
                .Where(key => key.StartsWith(typed, StringComparison.OrdinalIgnoreCase))
                .Select(key => new CompletionResult(Completion.Quote(key), key, CompletionResultType.ParameterValue, Preview(document, key)));
        }

        private static string ParamsFile(IDictionary fakeBoundParameters)
        {
            var given = fakeBoundParameters.Contains("Path") ? fakeBoundParameters["Path"] as string : null;
            return Completion.FullPath(given ?? new AvaWorkspace(Completion.FullPath(AvaWorkspace.DefaultRoot())).ParamsPath);
        }

        private static string Preview(ParamDocument document, string key)
        {
            string text;
            try
            {
                text = document.TryGetJson(ParamKeyPath.Parse(key), out var json) ? json : key;
            }
            catch (FormatException)
            {
                // A property name with dots or brackets cannot be addressed as a path; show its name only.
                text = key;
            }
            return text.Length > 80 ? text.Substring(0, 77) + "..." : text;
        }
    }
}
