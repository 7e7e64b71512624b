using System.Collections.Generic;
using System.IO;
using System.Text;

namespace AvaSdk.IO
{
    /// <summary>
    /// Files that grow one whole line at a time (metrics.jsonl, the metric spool, training.log). A process killed in the
    /// middle of a write leaves a torn last line without its '\n'; readers skip it, and the next writer starts on a new
    /// line instead of gluing its first record onto the torn one.
    /// </summary>
    public static class LineFile
    {
        private static readonly Encoding Utf8NoBom = new UTF8Encoding(false);

        /// <summary>
        /// Opens <paramref name="path"/> for appending lines. A torn last line is cut off when it is a record that can only be
        /// whole or useless (<paramref name="keepTornLine"/> false), or ended with '\n' when its text is worth keeping (a log line).
        /// </summary>
        public static FileStream OpenAppend(string path, bool keepTornLine, int bufferSize = 4096)
        {
            var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite, bufferSize);
            var end = CompleteLength(stream);
            if (end < stream.Length)
            {
                if (keepTornLine)
                {
                    stream.Seek(0, SeekOrigin.End);
                    stream.WriteByte((byte)'\n');
                }
                else
                {
                    stream.SetLength(end);
                }
            }
            stream.Seek(0, SeekOrigin.End);
            return stream;
        }

        /// <summary>Appends <paramref name="lines"/>, each ended with '\n', after cutting off a torn last line.</summary>
        public static void AppendLines(string path, IEnumerable<string> lines)
        {
            using var stream = OpenAppend(path, keepTornLine: false);
            var text = new StringBuilder();
            foreach (var line in lines)
                text.Append(line).Append('\n');
            var bytes = Utf8NoBom.GetBytes(text.ToString());
            stream.Write(bytes, 0, bytes.Length);
        }

        /// <summary>The non-empty lines of <paramref name="path"/> that end with '\n'; a torn last line is not one of them.</summary>
        public static List<string> ReadCompleteLines(string path)
        {
            var lines = new List<string>();
            if (!File.Exists(path))
                return lines;
            var text = File.ReadAllText(path, Utf8NoBom);
            var start = 0;
            for (var end = text.IndexOf('\n'); end >= 0; end = text.IndexOf('\n', start))
            {
                if (end > start)
                    lines.Add(text.Substring(start, end - start));
                start = end + 1;
            }
            return lines;
        }

        // The length of the file up to and including its last '\n' (0 when it has none).
        private static long CompleteLength(FileStream stream)
        {
            var buffer = new byte[4096];
            var position = stream.Length;
            while (position > 0)
            {
                var count = (int)System.Math.Min(buffer.Length, position);
                position -= count;
                stream.Seek(position, SeekOrigin.Begin);
                var read = 0;
                while (read < count)
                    read += stream.Read(buffer, read, count - read);
                var newline = System.Array.LastIndexOf(buffer, (byte)'\n', count - 1, count);
                if (newline >= 0)
                    return position + newline + 1;
            }
            return 0;
        }
    }
}
