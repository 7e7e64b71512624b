using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Newtonsoft.Json.Linq;

namespace AvaSdk.Params
{
    /// <summary>A parsed params file: looks values up by dotted key and lists the keys it holds.</summary>
    public sealed class ParamDocument
    {
        internal ParamDocument(string path, JToken root)
        {
            Path = path;
            Root = root;
        }

        public string Path { get; }

        public JToken Root { get; }

        /// <summary>
        /// Finds the value at <paramref name="key"/>. Property names match exactly, or ignoring case when exactly
        /// one property matches that way (PowerShell users type keys case-insensitively).
        /// </summary>
        public bool TryGetValue(ParamKeyPath key, out JToken? value)
        {
            JToken? current = Root;
            foreach (var segment in key.Segments)
            {
                current = Step(current, segment);
                if (current == null)
                {
                    value = null;
                    return false;
                }
            }
            value = current;
            return true;
        }

        /// <summary>The whole document as plain values (see <see cref="ParamValues"/>).</summary>
        public object? PlainRoot => ParamValues.ToPlain(Root);

        /// <summary><see cref="TryGetValue"/>, as a plain value (see <see cref="ParamValues"/>).</summary>
        public bool TryGetPlainValue(ParamKeyPath key, out object? value)
        {
            var found = TryGetValue(key, out var token);
            value = found ? ParamValues.ToPlain(token) : null;
            return found;
        }

        /// <summary><see cref="TryGetValue"/>, as compact JSON text.</summary>
        public bool TryGetJson(ParamKeyPath key, out string json)
        {
            var found = TryGetValue(key, out var token);
            json = found ? ParamValues.ToJson(token) : string.Empty;
            return found;
        }

        /// <summary>Every key in the document, depth first, in the form tab completion offers.</summary>
        public IEnumerable<string> EnumerateKeys(int maxKeys = 5000)
        {
            var path = new List<ParamKeySegment>();
            return Walk(Root, path).Take(maxKeys);
        }

        /// <summary>
        /// The keys of the document nearest to <paramref name="key"/>, for a "did you mean" hint: those at the smallest
        /// optimal string alignment distance found, ignoring case as lookups do, in document order, at most
        /// <paramref name="count"/>; only the nearest, as git suggests commands, so a near key is not crowded by far ones.
        /// Empty when no key is within a third of the typed key's length (at least 1, at most 3).
        /// </summary>
        public IReadOnlyList<string> ClosestKeys(ParamKeyPath key, int count = 3)
        {
            var typed = key.Text;
            var limit = Math.Min(3, Math.Max(1, typed.Length / 3));
            var near = EnumerateKeys()
                .Select(candidate => (Key: candidate, Distance: EditDistance.OptimalStringAlignment(typed, candidate)))
                .Where(c => c.Distance <= limit)
                .ToList();
            if (near.Count == 0)
                return Array.Empty<string>();
            var nearest = near.Min(c => c.Distance);
            return near.Where(c => c.Distance == nearest).Take(count).Select(c => c.Key).ToList();
        }

        private static IEnumerable<string> Walk(JToken token, List<ParamKeySegment> path)
        {
            IEnumerable<(ParamKeySegment Segment, JToken Child)> children = token switch
            {
                JObject obj => obj.Properties().Select(p => (ParamKeySegment.Named(p.Name), p.Value)),
                JArray array => array.Select((item, i) => (ParamKeySegment.Indexed(i), item)),
                _ => Enumerable.Empty<(ParamKeySegment, JToken)>(),
            };
            foreach (var (segment, child) in children)
            {
                path.Add(segment);
                yield return ParamKeyPath.Format(path);
                foreach (var nested in Walk(child, path))
                    yield return nested;
                path.RemoveAt(path.Count - 1);
            }
        }

        private static JToken? Step(JToken? current, ParamKeySegment segment)
        {
            switch (current)
            {
                case JArray array:
                    var index = segment.Index ?? ParseIndex(segment.Name);
                    return index is int i && i < array.Count ? array[i] : null;
                case JObject obj when segment.Name != null:
                    if (obj.TryGetValue(segment.Name, StringComparison.Ordinal, out var exact))
                        return exact;
                    var loose = obj.Properties()
                        .Where(p => string.Equals(p.Name, segment.Name, StringComparison.OrdinalIgnoreCase))
                        .Take(2)
                        .ToList();
                    return loose.Count == 1 ? loose[0].Value : null;
                default:
                    return null;
            }
        }

        private static int? ParseIndex(string? name) =>
            int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var index) ? index : (int?)null;
    }
}
