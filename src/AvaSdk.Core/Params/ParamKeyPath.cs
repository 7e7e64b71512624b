using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace AvaSdk.Params
{
    /// <summary>A parsed dotted key such as <c>k2.k3</c>, <c>layers.0.name</c> or <c>layers[0].name</c>.</summary>
    public sealed class ParamKeyPath
    {
        private ParamKeyPath(string text, IReadOnlyList<ParamKeySegment> segments)
        {
            Text = text;
            Segments = segments;
        }

        public string Text { get; }

        public IReadOnlyList<ParamKeySegment> Segments { get; }

        public override string ToString() => Text;

        /// <exception cref="FormatException">The key has an empty part or a malformed index.</exception>
        public static ParamKeyPath Parse(string key)
        {
            if (string.IsNullOrWhiteSpace(key))
                throw new FormatException("The key is empty. Use a dotted path such as 'solver.lr' or 'layers[0].name'.");

            var segments = new List<ParamKeySegment>();
            foreach (var part in key.Split('.'))
            {
                var bracket = part.IndexOf('[');
                var name = bracket < 0 ? part : part.Substring(0, bracket);
                if (name.Length > 0)
                    segments.Add(ParamKeySegment.Named(name));
                else if (bracket != 0)
                    throw Malformed(key, "it has an empty part between dots");

                var rest = bracket < 0 ? string.Empty : part.Substring(bracket);
                while (rest.Length > 0)
                {
                    var close = rest.IndexOf(']');
                    if (rest[0] != '[' || close < 0)
                        throw Malformed(key, $"'{rest}' is not an index like [0]");
                    var digits = rest.Substring(1, close - 1);
                    if (!int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                        throw Malformed(key, $"'[{digits}]' is not an array index");
                    segments.Add(ParamKeySegment.Indexed(index));
                    rest = rest.Substring(close + 1);
                }
            }
            return new ParamKeyPath(key, segments);
        }

        /// <summary>Builds the canonical key text from segments, as tab completion offers it.</summary>
        internal static string Format(IEnumerable<ParamKeySegment> segments)
        {
            var text = new StringBuilder();
            foreach (var segment in segments)
            {
                if (segment.Index is int index)
                    text.Append('[').Append(index.ToString(CultureInfo.InvariantCulture)).Append(']');
                else
                    text.Append(text.Length == 0 ? string.Empty : ".").Append(segment.Name);
            }
            return text.ToString();
        }

        private static FormatException Malformed(string key, string why) =>
            new FormatException($"The key '{key}' is not a valid dotted path: {why}. Use a path such as 'solver.lr', 'layers.0.name' or 'layers[0].name'.");
    }

    /// <summary>One step of a key path: a property name (which may also be an array index, as in <c>layers.0</c>) or an explicit <c>[n]</c> index.</summary>
    public readonly struct ParamKeySegment
    {
        private ParamKeySegment(string? name, int? index)
        {
            Name = name;
            Index = index;
        }

        public string? Name { get; }

        public int? Index { get; }

        public static ParamKeySegment Named(string name) => new ParamKeySegment(name, null);

        public static ParamKeySegment Indexed(int index) => new ParamKeySegment(null, index);

        public override string ToString() => Index is int index ? $"[{index}]" : Name!;
    }
}
