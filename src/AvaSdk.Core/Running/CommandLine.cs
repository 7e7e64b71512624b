using System.Collections.Generic;
using System.Text;

namespace AvaSdk.Running
{
    /// <summary>
    /// Joins arguments into one command line that the runtime splits back into the same argv (the MSVCRT rules,
    /// which .NET applies on every OS), since netstandard2.0 has no ProcessStartInfo.ArgumentList.
    /// </summary>
    public static class CommandLine
    {
        public static string Join(IEnumerable<string> arguments)
        {
            var line = new StringBuilder();
            foreach (var argument in arguments)
            {
                if (line.Length > 0)
                    line.Append(' ');
                Append(line, argument ?? string.Empty);
            }
            return line.ToString();
        }

        private static void Append(StringBuilder line, string argument)
        {
            if (argument.Length > 0 && argument.IndexOfAny(new[] { ' ', '\t', '\n', '\v', '"' }) < 0)
            {
                line.Append(argument);
                return;
            }
            line.Append('"');
            var backslashes = 0;
            foreach (var c in argument)
            {
                if (c == '\\')
                {
                    backslashes++;
                    continue;
                }
                // Backslashes are literal unless they precede a quote: then each must be doubled.
                line.Append('\\', c == '"' ? backslashes * 2 + 1 : backslashes);
                line.Append(c);
                backslashes = 0;
            }
            line.Append('\\', backslashes * 2);
            line.Append('"');
        }
    }
}
