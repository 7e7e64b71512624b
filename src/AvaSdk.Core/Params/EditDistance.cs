using System;

namespace AvaSdk.Params
{
    /// <summary>How far apart two keys are, for suggesting the key a user meant.</summary>
    internal static class EditDistance
    {
        /// <summary>
        /// The optimal string alignment distance (Damerau-Levenshtein without editing a substring twice), ignoring case:
        /// the fewest insertions, deletions, substitutions and swaps of two neighbours that turn <paramref name="a"/> into
        /// <paramref name="b"/>. A swap counts as one edit, so the typo "solver.rl" is 1 from "solver.lr".
        /// </summary>
        public static int OptimalStringAlignment(string a, string b)
        {
            // Three rows of the full table are enough: a swap looks two rows back.
            var twoBack = new int[b.Length + 1];
            var previous = new int[b.Length + 1];
            var current = new int[b.Length + 1];
            for (var j = 0; j <= b.Length; j++)
                previous[j] = j;
            for (var i = 1; i <= a.Length; i++)
            {
                current[0] = i;
                for (var j = 1; j <= b.Length; j++)
                {
                    var cost = Same(a[i - 1], b[j - 1]) ? 0 : 1;
                    current[j] = Math.Min(Math.Min(previous[j] + 1, current[j - 1] + 1), previous[j - 1] + cost);
                    if (i > 1 && j > 1 && Same(a[i - 1], b[j - 2]) && Same(a[i - 2], b[j - 1]))
                        current[j] = Math.Min(current[j], twoBack[j - 2] + 1);
                }
                (twoBack, previous, current) = (previous, current, twoBack);
            }
            return previous[b.Length];
        }

        private static bool Same(char x, char y) => char.ToUpperInvariant(x) == char.ToUpperInvariant(y);
    }
}
