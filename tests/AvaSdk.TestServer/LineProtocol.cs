using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace AvaSdk.TestServer
{
    /// <summary>
    /// A strict reader of the probe's line protocol, written from ava-original §4 and InfluxDB's line-protocol rules
    /// (it shares no code with the product): <c>measurement[,tag=value...] field=value[,field=value...] [timestamp]</c>.
    /// <list type="bullet">
    /// <item>Measurement: <c>\,</c> and <c>\ </c> are escapes; an unescaped <c>=</c> is an ordinary character.</item>
    /// <item>Tag keys, tag values and field keys: <c>\,</c> <c>\ </c> <c>\=</c> are escapes; an unescaped <c>=</c> in a
    /// tag value is an error. Any other backslash stays as it is, together with the character after it.</item>
    /// <item>Field values: float (<c>1.0</c>, <c>1e-05</c>, <c>.5</c>, no leading <c>+</c>, finite), integer with the
    /// <c>i</c> suffix (InfluxDB) or without it (the SDK), bool (<c>t T true True TRUE f F false False FALSE</c>), or a
    /// double-quoted string in which <c>\"</c> and <c>\\</c> are escapes and any other backslash is kept.</item>
    /// <item>Timestamp: optional, an integer (nanoseconds), one space after the fields.</item>
    /// <item>Sections are separated by exactly one space; no leading or trailing whitespace, no carriage return;
    /// duplicate tag or field keys are errors. Empty lines and lines starting with <c>#</c> are skipped.</item>
    /// </list>
    /// </summary>
    public static class LineProtocol
    {
        /// <summary>Every point of a body, in order; throws <see cref="LineProtocolException"/> at the first bad line.</summary>
        public static IReadOnlyList<LinePoint> Parse(string body)
        {
            var points = new List<LinePoint>();
            var lines = body.Split('\n');
            for (var i = 0; i < lines.Length; i++)
            {
                var line = lines[i];
                if (line.Length == 0 || line[0] == '#')
                    continue;
                points.Add(ParseLine(line, i + 1));
            }
            return points;
        }

        public static LinePoint ParseLine(string line, int number)
        {
            try
            {
                return new Reader(line).Point(number);
            }
            catch (FormatException e)
            {
                throw new LineProtocolException(number, e.Message);
            }
        }

        private sealed class Reader
        {
            private readonly string text;
            private int at;

            public Reader(string text) => this.text = text;

            private bool End => at >= text.Length;

            private char Current => text[at];

            public LinePoint Point(int number)
            {
                if (text.IndexOf('\r') >= 0)
                    throw new FormatException("carriage return in line");
                if (char.IsWhiteSpace(text[0]))
                    throw new FormatException("leading whitespace");
                var measurement = Token("measurement", ", ", ", ");
                if (measurement.Length == 0)
                    throw new FormatException("empty measurement");
                var tags = new List<KeyValuePair<string, string>>();
                while (!End && Current == ',')
                {
                    at++;
                    var key = Token("tag key", ",= ", ",= ");
                    if (key.Length == 0)
                        throw new FormatException($"empty tag key at column {at + 1}");
                    if (End || Current != '=')
                        throw new FormatException($"tag '{key}' has no '='");
                    at++;
                    var value = Token("tag value", ",= ", ",= ");
                    if (!End && Current == '=')
                        throw new FormatException($"unescaped '=' in the value of tag '{key}'");
                    if (value.Length == 0)
                        throw new FormatException($"tag '{key}' has an empty value");
                    foreach (var tag in tags)
                        if (tag.Key == key)
                            throw new FormatException($"duplicate tag '{key}'");
                    tags.Add(new KeyValuePair<string, string>(key, value));
                }
                if (End)
                    throw new FormatException("no field set");
                at++; // the space before the fields
                if (End || Current == ' ')
                    throw new FormatException("no field set after the measurement and tags");
                var fields = new List<KeyValuePair<string, FieldValue>>();
                while (true)
                {
                    var key = Token("field key", ",= ", ",= ");
                    if (key.Length == 0)
                        throw new FormatException($"empty field key at column {at + 1}");
                    if (End || Current != '=')
                        throw new FormatException($"field '{key}' has no '='");
                    at++;
                    var value = Value(key);
                    foreach (var field in fields)
                        if (field.Key == key)
                            throw new FormatException($"duplicate field '{key}'");
                    fields.Add(new KeyValuePair<string, FieldValue>(key, value));
                    if (End || Current == ' ')
                        break;
                    at++; // ','
                    if (End)
                        throw new FormatException("trailing ',' after the fields");
                }
                long? timestamp = null;
                if (!End)
                {
                    at++; // ' '
                    var start = at;
                    while (!End && Current != ' ')
                        at++;
                    var raw = text.Substring(start, at - start);
                    if (raw.Length == 0)
                        throw new FormatException(End ? "trailing space without a timestamp" : "two spaces after the fields");
                    if (!End)
                        throw new FormatException("text after the timestamp");
                    if (!IsInteger(raw) || !long.TryParse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var ns))
                        throw new FormatException($"bad timestamp '{raw}': an integer of nanoseconds is required");
                    timestamp = ns;
                }
                return new LinePoint(number, measurement, tags, fields, timestamp, text);
            }

            // Reads an escaped token up to an unescaped stop character (or the end). 'escapable' are the characters a
            // backslash escapes here; a backslash before anything else is kept with it. A backslash always protects the
            // character after it from ending the token, as InfluxDB's scanner does.
            private string Token(string what, string escapable, string stops)
            {
                var value = new StringBuilder();
                while (!End)
                {
                    var c = Current;
                    if (c == '\\')
                    {
                        if (at + 1 >= text.Length)
                            throw new FormatException($"{what} ends with a lone backslash");
                        var next = text[at + 1];
                        if (escapable.IndexOf(next) >= 0)
                            value.Append(next);
                        else
                            value.Append(c).Append(next);
                        at += 2;
                        continue;
                    }
                    if (stops.IndexOf(c) >= 0)
                        break;
                    if (c == '\t')
                        throw new FormatException($"tab in {what}");
                    value.Append(c);
                    at++;
                }
                return value.ToString();
            }

            private FieldValue Value(string key)
            {
                if (End)
                    throw new FormatException($"field '{key}' has no value");
                if (Current == '"')
                {
                    var start = at;
                    at++;
                    var value = new StringBuilder();
                    while (true)
                    {
                        if (End)
                            throw new FormatException($"unterminated string value of field '{key}'");
                        var c = Current;
                        if (c == '\\' && at + 1 < text.Length && (text[at + 1] == '"' || text[at + 1] == '\\'))
                        {
                            value.Append(text[at + 1]);
                            at += 2;
                            continue;
                        }
                        at++;
                        if (c == '"')
                            break;
                        value.Append(c);
                    }
                    if (!End && Current != ',' && Current != ' ')
                        throw new FormatException($"text after the closing quote of field '{key}'");
                    return new FieldValue(FieldKind.String, value.ToString(), text.Substring(start, at - start), false);
                }
                var begin = at;
                while (!End && Current != ',' && Current != ' ')
                    at++;
                var raw = text.Substring(begin, at - begin);
                if (raw.Length == 0)
                    throw new FormatException($"field '{key}' has no value");
                switch (raw)
                {
                    case "t": case "T": case "true": case "True": case "TRUE":
                        return new FieldValue(FieldKind.Boolean, true, raw, false);
                    case "f": case "F": case "false": case "False": case "FALSE":
                        return new FieldValue(FieldKind.Boolean, false, raw, false);
                }
                if (raw.EndsWith('i') && IsInteger(raw.Substring(0, raw.Length - 1)))
                {
                    if (!long.TryParse(raw.AsSpan(0, raw.Length - 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n))
                        throw new FormatException($"integer value '{raw}' of field '{key}' is out of range");
                    return new FieldValue(FieldKind.Integer, n, raw, true);
                }
                if (IsInteger(raw) && long.TryParse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var bare))
                    return new FieldValue(FieldKind.Integer, bare, raw, false);
                if (IsFloat(raw) && double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d))
                    return new FieldValue(FieldKind.Float, d, raw, false);
                throw new FormatException($"field '{key}' has an invalid value '{raw}'");
            }

            private static bool IsInteger(string s)
            {
                var i = s.StartsWith('-') ? 1 : 0;
                if (i >= s.Length)
                    return false;
                for (; i < s.Length; i++)
                    if (s[i] < '0' || s[i] > '9')
                        return false;
                return true;
            }

            // -?(digits[.digits*] | .digits)([eE][+-]?digits)?
            private static bool IsFloat(string s)
            {
                var i = s.StartsWith('-') ? 1 : 0;
                int digits = 0;
                while (i < s.Length && char.IsAsciiDigit(s[i])) { i++; digits++; }
                if (i < s.Length && s[i] == '.')
                {
                    i++;
                    while (i < s.Length && char.IsAsciiDigit(s[i])) { i++; digits++; }
                }
                if (digits == 0)
                    return false;
                if (i < s.Length && (s[i] == 'e' || s[i] == 'E'))
                {
                    i++;
                    if (i < s.Length && (s[i] == '+' || s[i] == '-'))
                        i++;
                    var exponent = 0;
                    while (i < s.Length && char.IsAsciiDigit(s[i])) { i++; exponent++; }
                    if (exponent == 0)
                        return false;
                }
                return i == s.Length;
            }
        }
    }

    public enum FieldKind
    {
        Float,
        Integer,
        Boolean,
        String,
    }

    /// <summary>A field value: its kind, its value (double, long, bool or string), its text as sent, and whether an integer had the <c>i</c> suffix.</summary>
    public sealed record FieldValue(FieldKind Kind, object Value, string Raw, bool IntegerSuffix);

    /// <summary>One point: the line number in its request, the unescaped names in the order sent, and the raw line.</summary>
    public sealed record LinePoint(int Line, string Measurement, IReadOnlyList<KeyValuePair<string, string>> Tags,
        IReadOnlyList<KeyValuePair<string, FieldValue>> Fields, long? Timestamp, string Raw);

    public sealed class LineProtocolException : FormatException
    {
        public LineProtocolException(int line, string reason)
            : base($"line {line}: {reason}")
        {
            Line = line;
            Reason = reason;
        }

        public int Line { get; }

        public string Reason { get; }
    }
}
