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
            lines.AddRange(EnumerateCompleteLines(path));
            return lines;
        }

        /// <summary>As <see cref="ReadCompleteLines"/>, one line at a time: the file is streamed, never held whole.</summary>
        public static IEnumerable<string> EnumerateCompleteLines(string path)
        {
            if (!File.Exists(path))
                yield break;
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 64 * 1024);
            var complete = CompleteLength(stream);
            stream.Seek(0, SeekOrigin.Begin);
            using var reader = new StreamReader(new BoundedStream(stream, complete), Utf8NoBom, false, 64 * 1024);
            string? line;
            while ((line = reader.ReadLine()) != null)
            {
                if (line.Length > 0)
                    yield return line;
            }
        }

        /// <summary>How many non-empty whole lines <paramref name="path"/> holds, counted without decoding it.</summary>
        public static long CountCompleteLines(string path)
        {
            if (!File.Exists(path))
                return 0;
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1);
            var buffer = new byte[64 * 1024];
            long count = 0;
            var previous = (byte)'\n';
            int read;
            while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
            {
                for (var i = 0; i < read; i++)
                {
                    if (buffer[i] == (byte)'\n' && previous != (byte)'\n')
                        count++;
                    previous = buffer[i];
                }
            }
            return count;
        }

        // The first bytes of a stream: the whole lines, without the torn one after them.
        private sealed class BoundedStream : Stream
        {
            private readonly Stream inner;
            private long left;

            public BoundedStream(Stream inner, long length)
            {
                this.inner = inner;
                left = length;
            }

            public override int Read(byte[] buffer, int offset, int count)
            {
                if (left <= 0)
                    return 0;
                var read = inner.Read(buffer, offset, (int)System.Math.Min(count, left));
                left -= read;
                return read;
            }

            public override bool CanRead => true;
            public override bool CanSeek => false;
            public override bool CanWrite => false;
            public override long Length => throw new System.NotSupportedException();
            public override long Position { get => throw new System.NotSupportedException(); set => throw new System.NotSupportedException(); }
            public override void Flush() { }
            public override long Seek(long offset, SeekOrigin origin) => throw new System.NotSupportedException();
            public override void SetLength(long value) => throw new System.NotSupportedException();
            public override void Write(byte[] buffer, int offset, int count) => throw new System.NotSupportedException();
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
