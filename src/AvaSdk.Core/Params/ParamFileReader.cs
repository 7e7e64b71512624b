using System;
using System.Buffers;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Unicode;
using AvaSdk.Errors;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace AvaSdk.Params
{
    /// <summary>
    /// Reads params files, keeping each parsed file until it changes on disk, so a script that asks for
    /// many keys parses the file once and still sees edits. A file is UTF-8, or UTF-16/32 marked by its byte order mark
    /// (what Windows PowerShell 5.1's Out-File writes); a key given twice takes its last value, as Python's json does.
    /// </summary>
    public static class ParamFileReader
    {
        /// <summary>The largest params file read: hyperparameters fit in kilobytes, and a file is held whole while parsed.</summary>
        public const long MaxFileBytes = 16 * 1024 * 1024;

        // Longest preamble first: UTF-32 LE's begins with UTF-16 LE's.
        private static readonly Encoding[] MarkedEncodings =
        {
            new UTF32Encoding(bigEndian: false, byteOrderMark: true, throwOnInvalidCharacters: true),
            new UTF32Encoding(bigEndian: true, byteOrderMark: true, throwOnInvalidCharacters: true),
            new UTF8Encoding(encoderShouldEmitUTF8Identifier: true, throwOnInvalidBytes: true),
            new UnicodeEncoding(bigEndian: false, byteOrderMark: true, throwOnInvalidBytes: true),
            new UnicodeEncoding(bigEndian: true, byteOrderMark: true, throwOnInvalidBytes: true),
        };

        private static readonly ConcurrentDictionary<string, (FileStamp Stamp, ParamDocument Document)> Cache =
            new ConcurrentDictionary<string, (FileStamp, ParamDocument)>(StringComparer.Ordinal);

        /// <summary>The document at <paramref name="path"/>, or null when there is no such file.</summary>
        /// <exception cref="ParamFileInvalidException">AvaParamFileInvalid: the file is not valid JSON.</exception>
        /// <exception cref="AvaException">AvaParamFileUnreadable: the file exists but cannot be read; AvaParamFileTooLarge;
        /// AvaParamFileInvalid: the file is not UTF-8 text.</exception>
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

            string text;
            try
            {
                text = Decode(ReadBounded(full), full);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new AvaException(AvaErrors.ParamFileUnreadable, $"The params file '{full}' cannot be read: {ex.Message}", full, ex);
            }
            var document = new ParamDocument(full, Parse(text, full), DuplicateKeys(text));
            Cache[full] = (stamp.Value, document);
            return document;
        }

        // The file's bytes, refused unread when there are too many.
        private static byte[] ReadBounded(string path)
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1);
            var length = stream.Length;
            if (length > MaxFileBytes)
                throw new AvaException(AvaErrors.ParamFileTooLarge,
                    $"The params file '{path}' is {length / 1048576.0:0.0} MiB ({length} bytes), over the {MaxFileBytes / 1048576} MiB limit of a params file; it was not read.", path);
            var bytes = new byte[length];
            stream.ReadExactly(bytes);
            return bytes;
        }

        // UTF-8, unless a byte order mark says otherwise; bytes that are not text are an error, never U+FFFD.
        private static string Decode(byte[] bytes, string path)
        {
            var marked = MarkedEncodings.FirstOrDefault(e => bytes.AsSpan().StartsWith(e.Preamble));
            var start = marked?.Preamble.Length ?? 0;
            if (marked != null)
            {
                try
                {
                    return marked.GetString(bytes, start, bytes.Length - start);
                }
                catch (DecoderFallbackException ex)
                {
                    throw NotText(path, $"{marked.WebName} (as its byte order mark says)", start + Math.Max(0, ex.Index), ex);
                }
            }
            var chars = new char[bytes.Length];
            if (Utf8.ToUtf16(bytes, chars, out var read, out var written, replaceInvalidSequences: false) != OperationStatus.Done)
                throw NotText(path, "UTF-8", read, null);
            return new string(chars, 0, written);
        }

        private static AvaException NotText(string path, string encoding, long offset, Exception? inner) =>
            new AvaException(AvaErrors.ParamFileInvalid,
                $"The params file '{path}' is not {encoding} text: the bytes at offset {offset} are not a character. Save it as UTF-8 (Set-Content -Encoding utf8, or your editor's UTF-8).", path, inner);

        private static JToken Parse(string text, string path)
        {
            using var reader = new JsonTextReader(new StringReader(text))
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

        // The keys an object of the (valid) text gives twice, with the lines of the value kept and of the one before it.
        private static IReadOnlyList<ParamDuplicateKey> DuplicateKeys(string text)
        {
            var found = new List<ParamDuplicateKey>();
            var objects = new Stack<Dictionary<string, int>>();
            using var reader = new JsonTextReader(new StringReader(text)) { DateParseHandling = DateParseHandling.None };
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonToken.StartObject:
                        objects.Push(new Dictionary<string, int>(StringComparer.Ordinal));
                        break;
                    case JsonToken.EndObject:
                        objects.Pop();
                        break;
                    case JsonToken.PropertyName:
                        var names = objects.Peek();
                        var name = (string)reader.Value!;
                        if (names.TryGetValue(name, out var earlier))
                            found.Add(new ParamDuplicateKey(reader.Path, earlier, reader.LineNumber));
                        names[name] = reader.LineNumber;
                        break;
                }
            }
            return found;
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
