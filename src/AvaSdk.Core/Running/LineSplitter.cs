using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace AvaSdk.Running
{
    /// <summary>
    /// Cuts one stream's byte chunks into lines. Only whole lines leave it: the bytes of a line cut by a chunk boundary
    /// wait here for the rest, so that lines of stdout and stderr never mix inside training.log.
    /// </summary>
    public sealed class LineSplitter
    {
        private static readonly Encoding Utf8 = new UTF8Encoding(false, false);
        private byte[] carry = new byte[256];
        private int carried;

        /// <summary>
        /// Appends the whole lines in <paramref name="chunk"/> (with what was carried) to <paramref name="log"/> and, decoded,
        /// to <paramref name="lines"/> when it is given.
        /// </summary>
        public void Split(byte[] chunk, int length, Stream log, List<string>? lines)
        {
            var last = Array.LastIndexOf(chunk, (byte)'\n', length - 1, length);
            if (last < 0)
            {
                Carry(chunk, 0, length);
                return;
            }
            var start = 0;
            if (carried > 0)
            {
                var first = Array.IndexOf(chunk, (byte)'\n', 0, length);
                Carry(chunk, 0, first + 1);
                log.Write(carry, 0, carried);
                lines?.Add(Decode(carry, 0, carried - 1));
                carried = 0;
                start = first + 1;
            }
            log.Write(chunk, start, last + 1 - start);
            while (lines != null && start <= last)
            {
                var end = Array.IndexOf(chunk, (byte)'\n', start, last + 1 - start);
                lines.Add(Decode(chunk, start, end - start));
                start = end + 1;
            }
            Carry(chunk, last + 1, length - last - 1);
        }

        /// <summary>The stream ended: a last line without its line break is still a line.</summary>
        public void Finish(Stream log, List<string>? lines)
        {
            if (carried == 0)
                return;
            log.Write(carry, 0, carried);
            log.WriteByte((byte)'\n');
            lines?.Add(Decode(carry, 0, carried));
            carried = 0;
        }

        private void Carry(byte[] source, int offset, int count)
        {
            if (count <= 0)
                return;
            if (carried + count > carry.Length)
                Array.Resize(ref carry, Math.Max(carry.Length * 2, carried + count));
            Buffer.BlockCopy(source, offset, carry, carried, count);
            carried += count;
        }

        private static string Decode(byte[] bytes, int offset, int count)
        {
            if (count > 0 && bytes[offset + count - 1] == (byte)'\r')
                count--;
            return Utf8.GetString(bytes, offset, count);
        }
    }
}
