using System;

namespace AvaSdk.Running
{
    /// <summary>
    /// Where a <see cref="LineSplitter"/> hands one stream's bytes, in their order. The bytes are only valid during the
    /// call (they may sit in a buffer the splitter reuses).
    /// </summary>
    public interface ILineSink
    {
        /// <summary>The text of one whole line, its line break left out.</summary>
        void Line(byte[] bytes, int offset, int count);

        /// <summary>Bytes holding whole lines, line breaks included: the lines just handed to <see cref="Line"/>.</summary>
        void WholeLines(byte[] bytes, int offset, int count);

        /// <summary>
        /// The rest of a line break whose start ended the previous chunk (the '\n' of a "\r\n" cut in two, more '\b'):
        /// it ends no line of its own.
        /// </summary>
        void LineBreakContinued(byte[] bytes, int offset, int count);

        /// <summary>
        /// A piece of a line longer than <see cref="LineSplitter.LongestLine"/>, handed on as it arrives instead of
        /// waiting whole; <paramref name="last"/> when the piece holds the line's line break.
        /// </summary>
        void Piece(byte[] bytes, int offset, int count, bool last);
    }

    /// <summary>
    /// Cuts one stream's byte chunks into lines. A line ends at "\r\n", '\n', '\r' (a progress bar's update) or a run
    /// of '\b' (Keras erasing its bar). Only whole lines leave it as lines: the bytes of a line cut by a chunk boundary
    /// wait here for the rest, so that lines of stdout and stderr never mix inside training.log; a line longer than
    /// <see cref="LongestLine"/> leaves it in pieces instead, so memory stays flat whatever the line.
    /// </summary>
    public sealed class LineSplitter
    {
        /// <summary>The longest line (bytes before its line break) that is kept whole and parsed: 1 MiB.</summary>
        public const int LongestLine = 1024 * 1024;

        private static readonly byte[] LineFeed = { (byte)'\n' };
        private byte[] carry = new byte[256];
        private int carried;
        // '\r' or '\b' when the last line break ended a chunk and the next chunk may go on with it; otherwise 0.
        private byte openLineBreak;
        // The pieces of an over-long line are going out; the rest of it follows as pieces too.
        private bool inLongLine;

        /// <summary>True when <paramref name="next"/>, right after <paramref name="lineBreakEnd"/>, belongs to the same line break.</summary>
        public static bool ContinuesLineBreak(byte lineBreakEnd, byte next) =>
            (lineBreakEnd == (byte)'\r' && next == (byte)'\n') || (lineBreakEnd == (byte)'\b' && next == (byte)'\b');

        /// <summary>Hands the lines of <paramref name="chunk"/>, with what was carried, to <paramref name="sink"/>.</summary>
        public void Split(byte[] chunk, int length, ILineSink sink)
        {
            var start = ContinueLineBreak(chunk, length, sink);
            // chunk[wholeFrom, start) holds whole lines handed to Line but not yet to WholeLines.
            var wholeFrom = start;
            while (start < length)
            {
                var found = chunk.AsSpan(start, length - start).IndexOfAny((byte)'\n', (byte)'\r', (byte)'\b');
                if (found < 0)
                    break;
                var lineBreak = start + found;
                var end = EndOfLineBreak(chunk, lineBreak, length);
                if (inLongLine || carried + lineBreak - start > LongestLine)
                {
                    WholeLines(chunk, ref wholeFrom, start, sink);
                    PieceOut(chunk, start, end - start, last: true, sink);
                    wholeFrom = end;
                }
                else if (carried > 0)
                {
                    Carry(chunk, start, end - start);
                    sink.Line(carry, 0, carried - (end - lineBreak));
                    sink.WholeLines(carry, 0, carried);
                    carried = 0;
                    wholeFrom = end;
                }
                else
                {
                    sink.Line(chunk, start, lineBreak - start);
                }
                start = end;
            }
            WholeLines(chunk, ref wholeFrom, start, sink);
            if (start == length)
                return;
            if (inLongLine || carried + length - start > LongestLine)
                PieceOut(chunk, start, length - start, last: false, sink);
            else
                Carry(chunk, start, length - start);
        }

        /// <summary>The stream ended: a last line without its line break is still a line, ended here with '\n'.</summary>
        public void Finish(ILineSink sink)
        {
            openLineBreak = 0;
            if (inLongLine)
            {
                PieceOut(LineFeed, 0, 1, last: true, sink);
                return;
            }
            if (carried == 0)
                return;
            Carry(LineFeed, 0, 1);
            sink.Line(carry, 0, carried - 1);
            sink.WholeLines(carry, 0, carried);
            carried = 0;
        }

        /// <summary>
        /// What comes next starts a line of its own: a line break that ended the bytes so far is not continued by them
        /// (training.log's reader, where another stream's line or a marked piece follows).
        /// </summary>
        public void StartAfresh() => openLineBreak = 0;

        // Skips (and hands on) what continues the line break that ended the previous chunk; returns where lines begin.
        private int ContinueLineBreak(byte[] chunk, int length, ILineSink sink)
        {
            var continued = 0;
            while (continued < length && openLineBreak != 0 && ContinuesLineBreak(openLineBreak, chunk[continued]))
            {
                continued++;
                if (openLineBreak == (byte)'\r')
                    openLineBreak = 0;
            }
            if (continued < length)
                openLineBreak = 0;
            if (continued > 0)
                sink.LineBreakContinued(chunk, 0, continued);
            return continued;
        }

        // Where the line break at chunk[at] ends: "\r\n" and a run of '\b' are one line break each.
        private int EndOfLineBreak(byte[] chunk, int at, int length)
        {
            var end = at + 1;
            if (chunk[at] == (byte)'\r' && end < length && chunk[end] == (byte)'\n')
                end++;
            else if (chunk[at] == (byte)'\b')
            {
                while (end < length && chunk[end] == (byte)'\b')
                    end++;
            }
            // A '\r' or a run of '\b' that ends the chunk may go on in the next one.
            openLineBreak = end == length && chunk[end - 1] != (byte)'\n' ? chunk[end - 1] : (byte)0;
            return end;
        }

        private static void WholeLines(byte[] chunk, ref int from, int to, ILineSink sink)
        {
            if (to > from)
                sink.WholeLines(chunk, from, to - from);
            from = to;
        }

        // An over-long line goes out as it comes: first what waited of it here, then its bytes in this chunk.
        private void PieceOut(byte[] bytes, int offset, int count, bool last, ILineSink sink)
        {
            if (carried > 0)
                sink.Piece(carry, 0, carried, last: false);
            carried = 0;
            sink.Piece(bytes, offset, count, last);
            inLongLine = !last;
        }

        private void Carry(byte[] source, int offset, int count)
        {
            if (carried + count > carry.Length)
                Array.Resize(ref carry, Math.Max(carry.Length * 2, carried + count));
            Buffer.BlockCopy(source, offset, carry, carried, count);
            carried += count;
        }
    }
}
