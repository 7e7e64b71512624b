using System;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Threading.Tasks;

namespace AvaSdk.Storage
{
    /// <summary>A request body from a buffer, sent in slices so progress moves while the bytes go out.</summary>
    internal sealed class ProgressContent : HttpContent
    {
        private const int Slice = 256 * 1024;
        private readonly byte[] buffer;
        private readonly int count;
        private readonly Action<long> sent;

        public ProgressContent(byte[] buffer, int count, Action<long> sent)
        {
            this.buffer = buffer;
            this.count = count;
            this.sent = sent;
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            for (var offset = 0; offset < count; offset += Slice)
            {
                var length = Math.Min(Slice, count - offset);
                await stream.WriteAsync(buffer, offset, length).ConfigureAwait(false);
                sent(length);
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = count;
            return true;
        }
    }

    /// <summary>A stream body whose length is known even though the stream cannot seek, so it is sent with Content-Length, never chunked.</summary>
    internal sealed class SizedStreamContent : StreamContent
    {
        private readonly long length;

        public SizedStreamContent(Stream content, long length)
            : base(content, 1024 * 1024)
        {
            this.length = length;
        }

        protected override bool TryComputeLength(out long computed)
        {
            computed = length;
            return true;
        }
    }

    /// <summary>A read-only view of a stream that reports each read and feeds a qetag.</summary>
    internal sealed class ProgressStream : Stream
    {
        private readonly Stream inner;
        private readonly Action<long> read;
        private readonly QetagBuilder qetag;

        public ProgressStream(Stream inner, Action<long> read, QetagBuilder qetag)
        {
            this.inner = inner;
            this.read = read;
            this.qetag = qetag;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Account(buffer, offset, inner.Read(buffer, offset, count));

        public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, System.Threading.CancellationToken cancellationToken) =>
            Account(buffer, offset, await inner.ReadAsync(buffer, offset, count, cancellationToken).ConfigureAwait(false));

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
                inner.Dispose();
            base.Dispose(disposing);
        }

        private int Account(byte[] buffer, int offset, int count)
        {
            qetag.Append(buffer, offset, count);
            read(count);
            return count;
        }
    }
}
