using System;
using System.Collections.Concurrent;
using System.IO;
using System.Linq;
using AvaSdk.Errors;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace AvaSdk.Params
{
    /// <summary>
    /// Reads params files, keeping each parsed file until it changes on disk, so a script that asks for
    /// many keys parses the file once and still sees edits.
    /// </summary>
    public static class ParamFileReader
    {
        private static readonly ConcurrentDictionary<string, (FileStamp Stamp, ParamDocument Document)> Cache =
            new ConcurrentDictionary<string, (FileStamp, ParamDocument)>(StringComparer.Ordinal);

        /// <summary>The document at <paramref name="path"/>, or null when there is no such file.</summary>
        /// <exception cref="ParamFileInvalidException">AvaParamFileInvalid: the file is not valid JSON.</exception>
        /// <exception cref="AvaException">AvaParamFileUnreadable: the file exists but cannot be read.</exception>
        public static ParamDocument? TryRead(string path)
        {
            var full = System.IO.Path.GetFullPath(path);
            var stamp = FileStamp.Of(full);
            if (stamp == null)
            {
                Cache.TryRemove(full, out _);
                return null;
            }
            if (Cache.TryGetValue(full, out var cached) && cached.Stamp.Equals(stamp.Value))
                return cached.Document;

            JToken root;
            try
            {
                root = Parse(full);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new AvaException(AvaErrors.ParamFileUnreadable, $"The params file '{full}' cannot be read: {ex.Message}", full, ex);
            }
            var document = new ParamDocument(full, root);
            Cache[full] = (stamp.Value, document);
            return document;
        }

        private static JToken Parse(string path)
        {
            using var reader = new JsonTextReader(File.OpenText(path))
            {
                // Strings stay strings: a learning-rate schedule "2018-01-01" must not turn into a DateTime.
                DateParseHandling = DateParseHandling.None,
                FloatParseHandling = FloatParseHandling.Double,
            };
            try
            {
                var root = JToken.ReadFrom(reader, new JsonLoadSettings { LineInfoHandling = LineInfoHandling.Load });
                if (reader.Read())
                    throw new JsonReaderException("Unexpected content after the end of the JSON value.", path, reader.LineNumber, reader.LinePosition, null);
                RejectMissingValues(root, path);
                return root;
            }
            catch (JsonReaderException ex)
            {
                throw new ParamFileInvalidException(path, Math.Max(1, ex.LineNumber), ex.LinePosition, FirstSentence(ex.Message), ex);
            }
        }

        // Newtonsoft reads "a": , and [1,,2] as 'undefined' values; they are not JSON.
        private static void RejectMissingValues(JToken root, string path)
        {
            var tokens = root is JContainer container ? container.DescendantsAndSelf() : new[] { root };
            var missing = tokens.FirstOrDefault(token => token.Type == JTokenType.Undefined);
            if (missing != null)
            {
                var where = (IJsonLineInfo)missing;
                throw new JsonReaderException($"A value is missing at '{missing.Path}'.", path, where.LineNumber, where.LinePosition, null);
            }
        }

        // Newtonsoft appends "Path '…', line n, position m.", which the exception reports in its own words.
        private static string FirstSentence(string message)
        {
            var cut = message.IndexOf(" Path '", StringComparison.Ordinal);
            if (cut < 0)
                cut = message.IndexOf(", line ", StringComparison.Ordinal);
            return cut < 0 ? message : message.Substring(0, cut);
        }

        private readonly struct FileStamp : IEquatable<FileStamp>
        {
            private FileStamp(long lastWriteTicks, long length)
            {
                LastWriteTicks = lastWriteTicks;
                Length = length;
            }

            private long LastWriteTicks { get; }

            private long Length { get; }

            public static FileStamp? Of(string path)
            {
                var info = new FileInfo(path);
                return info.Exists ? new FileStamp(info.LastWriteTimeUtc.Ticks, info.Length) : (FileStamp?)null;
            }

            public bool Equals(FileStamp other) => LastWriteTicks == other.LastWriteTicks && Length == other.Length;

            public override bool Equals(object? obj) => obj is FileStamp other && Equals(other);

            public override int GetHashCode() => LastWriteTicks.GetHashCode() ^ Length.GetHashCode();
        }
    }
}
