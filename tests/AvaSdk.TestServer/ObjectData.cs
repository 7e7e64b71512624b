using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using AvaSdk.TestServer.Protocol;

namespace AvaSdk.TestServer
{
    /// <summary>
    /// A stored object as a manifest: the files that hold its bytes, in order, one path a line. A form upload is one
    /// file; a multipart upload keeps its parts where they were written, as Kodo stitches parts without copying them.
    /// </summary>
    public static class ObjectData
    {
        public static void Write(string objectPath, IReadOnlyList<string> data) => File.WriteAllLines(objectPath, data);

        public static IReadOnlyList<string> Files(string objectPath) => File.ReadAllLines(objectPath).Where(l => l.Length > 0).ToList();

        public static long Length(string objectPath) => Files(objectPath).Sum(f => new FileInfo(f).Length);

        public static Stream Open(string objectPath) => new Concatenation(Files(objectPath));

        public static bool SameContent(string objectPath, IReadOnlyList<string> data)
        {
            using var stored = Open(objectPath);
            using var candidate = new Concatenation(data);
            return Etag.Compute(stored) == Etag.Compute(candidate);
        }

        /// <summary>The files read one after another, seekable by position.</summary>
        private sealed class Concatenation : Stream
        {
            private readonly IReadOnlyList<string> files;
            private readonly long[] starts;
            private readonly long length;
            private FileStream? current;
            private int currentIndex = -1;
            private long position;

            public Concatenation(IReadOnlyList<string> files)
            {
                // Empty files hold nothing; leaving them out keeps the start offsets strictly increasing.
                this.files = files.Where(f => new FileInfo(f).Length > 0).ToList();
                starts = new long[this.files.Count];
                long offset = 0;
                for (var i = 0; i < this.files.Count; i++)
                {
                    starts[i] = offset;
                    offset += new FileInfo(this.files[i]).Length;
                }
                length = offset;
            }

            public override bool CanRead => true;
            public override bool CanSeek => true;
            public override bool CanWrite => false;
            public override long Length => length;

            public override long Position
            {
                get => position;
                set => position = value;
            }

            public override int Read(byte[] buffer, int offset, int count)
            {
                if (position >= length || count == 0)
                    return 0;
                var index = Array.BinarySearch(starts, position);
                if (index < 0)
                    index = ~index - 1;
                if (index != currentIndex)
                {
                    current?.Dispose();
                    current = new FileStream(files[index], FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
                    currentIndex = index;
                }
                current!.Position = position - starts[index];
                var read = current.Read(buffer, offset, count);
                position += read;
                return read;
            }

            public override long Seek(long offset, SeekOrigin origin) => position = origin switch
            {
                SeekOrigin.Begin => offset,
                SeekOrigin.Current => position + offset,
                _ => length + offset,
            };

            public override void Flush() { }
            public override void SetLength(long value) => throw new NotSupportedException();
            public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

            protected override void Dispose(bool disposing)
            {
                if (disposing)
                    current?.Dispose();
                base.Dispose(disposing);
            }
        }
    }
}
