using System;
using System.Text.RegularExpressions;
using AvaSdk.Errors;

namespace AvaSdk.Parsing
{
    /// <summary>
    /// A user's rule for finding a metric in a log line: the first capture group of <see cref="Pattern"/> is the value.
    /// Named groups <c>iteration</c> and <c>epoch</c>, when present, fill those columns.
    /// </summary>
    public sealed class MetricDefinition
    {
        public MetricDefinition(string name, string regex)
        {
            if (string.IsNullOrWhiteSpace(name))
                throw Invalid(name, regex, "its Name is empty");
            try
            {
                Pattern = new Regex(regex, RegexOptions.Compiled | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            }
            catch (ArgumentException ex)
            {
                throw Invalid(name, regex, $"its Regex does not compile ({ex.Message})");
            }
            if (Pattern.GetGroupNumbers().Length < 2 || Pattern.GroupNameFromNumber(1) != "1")
                throw Invalid(name, regex, "its Regex has no unnamed capture group for the value");
            Name = name;
        }

        public string Name { get; }

        public Regex Pattern { get; }

        private static AvaException Invalid(string name, string regex, string why) =>
            new AvaException(AvaErrors.MetricDefinitionInvalid, $"The metric definition @{{ Name = '{name}'; Regex = '{regex}' }} is not usable: {why}. Give a Name and a Regex whose first capture group is the value, e.g. @{{ Name = 'loss'; Regex = 'loss: ([-+0-9.eE]+|nan|inf)' }}.",
                name);
    }
}
