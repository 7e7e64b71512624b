using System;
using System.Globalization;

namespace AvaSdk.Parsing
{
    /// <summary>Numbers as training logs print them: signs, exponents, nan, -nan, inf.</summary>
    public static class LogNumber
    {
        /// <summary>A regex fragment matching one such number.</summary>
        public const string Pattern = @"[-+]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[nN][aA][nN]|[iI][nN][fF](?:[iI][nN][iI][tT][yY])?)";

        public static bool TryParse(string text, out double value) => TryParse(text.AsSpan(), out value);

        public static bool TryParse(ReadOnlySpan<char> text, out double value)
        {
            var body = text.TrimStart("+-");
            var negative = text.StartsWith("-", StringComparison.Ordinal);
            if (body.Equals("nan", StringComparison.OrdinalIgnoreCase))
            {
                value = double.NaN;
                return true;
            }
            if (body.Equals("inf", StringComparison.OrdinalIgnoreCase) || body.Equals("infinity", StringComparison.OrdinalIgnoreCase))
            {
                value = negative ? double.NegativeInfinity : double.PositiveInfinity;
                return true;
            }
            return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
        }
    }
}
