using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using AvaSdk.Running;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace AvaSdk.Core.Tests.Running
{
    public class LineSplitterTests
    {
        // Everything a splitter hands on: the lines, and the bytes that go to the log, each with how it was handed on.
        private sealed class Recorder : ILineSink
        {
            private readonly bool keepLog;

            public Recorder(bool keepLog = true)
            {
                this.keepLog = keepLog;
            }

            public List<string> Lines { get; } = new List<string>();

            public MemoryStream Log { get; } = new MemoryStream();

            public List<(string Kind, int Count)> Writes { get; } = new List<(string, int)>();

            public void Line(byte[] bytes, int offset, int count) => Lines.Add(Encoding.UTF8.GetString(bytes, offset, count));

            public void WholeLines(byte[] bytes, int offset, int count) => Write("lines", bytes, offset, count);

            public void LineBreakContinued(byte[] bytes, int offset, int count) => Write("continued", bytes, offset, count);

            public void Piece(byte[] bytes, int offset, int count, bool last) => Write(last ? "last piece" : "piece", bytes, offset, count);

            public string LogText => Encoding.UTF8.GetString(Log.ToArray());

            private void Write(string kind, byte[] bytes, int offset, int count)
            {
                if (keepLog)
                    Log.Write(bytes, offset, count);
                Writes.Add((kind, count));
            }
        }

        private static Recorder SplitInChunks(byte[] bytes, IEnumerable<int> chunkSizes, LineSplitter? splitter = null)
        {
            splitter ??= new LineSplitter();
            var recorder = new Recorder();
            var offset = 0;
            foreach (var size in chunkSizes.Concat(new[] { bytes.Length }))
            {
                var count = Math.Min(size, bytes.Length - offset);
                if (count <= 0)
                    break;
                var chunk = new byte[count];
                Buffer.BlockCopy(bytes, offset, chunk, 0, count);
                splitter.Split(chunk, count, recorder);
                offset += count;
            }
            splitter.Finish(recorder);
            return recorder;
        }

        private static Recorder Split(string text, params int[] chunkSizes) => SplitInChunks(Encoding.UTF8.GetBytes(text), chunkSizes);

        [Fact]
        public void Cuts_lines_at_line_feeds_and_drops_a_carriage_return_before_them()
        {
            var split = Split("a\r\nb\n\nlast", 100);
            Assert.Equal(new[] { "a", "b", "", "last" }, split.Lines);
            Assert.Equal("a\r\nb\n\nlast\n", split.LogText);
        }

        [Fact]
        public void Ends_a_line_at_each_carriage_return_of_a_progress_bar()
        {
            var split = Split("\r 10%|#    |\r 20%|##   |\r100%|#####|\n", 100);
            Assert.Equal(new[] { "", " 10%|#    |", " 20%|##   |", "100%|#####|" }, split.Lines);
            Assert.Equal("\r 10%|#    |\r 20%|##   |\r100%|#####|\n", split.LogText);
        }

        [Fact]
        public void Hands_on_a_line_ended_by_a_carriage_return_at_the_end_of_a_chunk_at_once()
        {
            var splitter = new LineSplitter();
            var recorder = new Recorder();
            var chunk = Encoding.UTF8.GetBytes("{\"loss\": 1}\r");
            splitter.Split(chunk, chunk.Length, recorder);
            Assert.Equal(new[] { "{\"loss\": 1}" }, recorder.Lines);
            Assert.Equal("{\"loss\": 1}\r", recorder.LogText);
        }

        [Fact]
        public void Takes_a_carriage_return_and_line_feed_cut_by_a_chunk_boundary_as_one_line_break()
        {
            var split = Split("a\r\nb\n", 2);
            Assert.Equal(new[] { "a", "b" }, split.Lines);
            Assert.Equal("a\r\nb\n", split.LogText);
            Assert.Equal(("continued", 1), split.Writes[1]);
        }

        [Fact]
        public void Ends_a_line_at_a_run_of_backspaces_even_when_a_chunk_boundary_cuts_it()
        {
            var text = "1/3 [=>...]\b\b\b\b\b\b\b\b\b\b\b2/3 [==>..]\b\b\b\b\b\b\b\b\b\b\b3/3 [===]\n";
            foreach (var size in new[] { 1, 5, 14, 100 })
            {
                var split = Split(text, Enumerable.Repeat(size, text.Length).ToArray());
                Assert.Equal(new[] { "1/3 [=>...]", "2/3 [==>..]", "3/3 [===]" }, split.Lines);
                Assert.Equal(text, split.LogText);
            }
        }

        [Fact]
        public void Ends_two_lines_at_two_carriage_returns_and_at_backspaces_then_a_carriage_return()
        {
            Assert.Equal(new[] { "a", "", "b", "" }, Split("a\r\rb\b\b\r", 100).Lines);
        }

        [Fact]
        public void Keeps_a_multibyte_character_cut_by_a_chunk_boundary_whole()
        {
            var bytes = Encoding.UTF8.GetBytes("loss = 1 — ok\nnext\n");
            var cut = Array.IndexOf(bytes, (byte)0xE2) + 1;
            Assert.Equal(new[] { "loss = 1 — ok", "next" }, SplitInChunks(bytes, new[] { cut }).Lines);
        }

        [Fact]
        public void Keeps_a_line_of_1_MiB_whole()
        {
            var line = new string('x', LineSplitter.LongestLine);
            var split = Split(line + "\nnext\n", Enumerable.Repeat(64 * 1024, 20).ToArray());
            Assert.Equal(new[] { line, "next" }, split.Lines);
            Assert.DoesNotContain(split.Writes, write => write.Kind.Contains("piece"));
        }

        [Fact]
        public void Hands_on_a_longer_line_in_pieces_as_they_come_without_carrying_it_and_no_line_of_it()
        {
            const int chunk = 64 * 1024;
            var bytes = Encoding.UTF8.GetBytes(new string('x', 8 * 1024 * 1024) + "\rafter\n");
            var splitter = new LineSplitter();
            var recorder = new Recorder(keepLog: false);
            recorder.Writes.Capacity = 1000;
            var buffer = new byte[chunk];
            var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            for (var offset = 0; offset < bytes.Length; offset += chunk)
            {
                var count = Math.Min(chunk, bytes.Length - offset);
                Buffer.BlockCopy(bytes, offset, buffer, 0, count);
                splitter.Split(buffer, count, recorder);
            }
            var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;

            Assert.Equal(new[] { "after" }, recorder.Lines);
            Assert.Equal(bytes.Length, recorder.Writes.Sum(write => write.Count));
            var pieces = recorder.Writes.Where(write => write.Kind.Contains("piece")).ToList();
            Assert.Equal(8 * 1024 * 1024 + 1, pieces.Sum(write => write.Count));
            Assert.Equal("last piece", pieces[^1].Kind);
            Assert.Single(pieces, write => write.Kind == "last piece");
            // At most 1 MiB of the line waits here (its buffer grown by doubling); carried whole it would be 8 MiB, and
            // as much again in the buffers it outgrew.
            Assert.True(allocated < 3 * 1024 * 1024, $"{allocated} bytes allocated");
        }

        [Fact]
        public void Ends_an_over_long_last_line_without_a_line_break_with_a_last_piece()
        {
            var split = Split(new string('x', LineSplitter.LongestLine + 1), 64 * 1024);
            Assert.Empty(split.Lines);
            Assert.Equal(("last piece", 1), split.Writes[^1]);
            Assert.Equal(LineSplitter.LongestLine + 2, split.Log.Length);
        }

        [Fact]
        public void Another_stream_can_write_whole_lines_between_the_pieces_of_an_over_long_line()
        {
            // Two streams into one log, as training.log's pumps: stdout's long line goes out in pieces, and stderr's
            // line between them is a line of its own.
            var log = new Recorder();
            var stdout = new LineSplitter();
            var stderr = new LineSplitter();
            var first = Encoding.UTF8.GetBytes(new string('x', LineSplitter.LongestLine + 10));
            var metric = Encoding.UTF8.GetBytes("Iteration 5, loss = 0.25\n");
            var rest = Encoding.UTF8.GetBytes("yyy\n");
            stdout.Split(first, first.Length, log);
            stderr.Split(metric, metric.Length, log);
            stdout.Split(rest, rest.Length, log);

            Assert.Equal(new[] { "Iteration 5, loss = 0.25" }, log.Lines);
            Assert.Equal(new[] { ("piece", first.Length), ("lines", metric.Length), ("last piece", rest.Length) }, log.Writes);
        }

        [Property(MaxTest = 200)]
        public Property Any_chunking_gives_the_lines_and_log_of_the_whole_text()
        {
            var text = Gen.Elements("I0613 Iteration 1, loss = 0.5", "", "é", "\r", "\b", "\b\b", "\r\n", "x y", "Train net output #0: loss = 1")
                .ArrayOf().Select(parts => string.Join("\n", parts));
            var sizes = Gen.Choose(1, 40).ArrayOf();
            return Prop.ForAll(text.ToArbitrary(), sizes.ToArbitrary(), (whole, chunkSizes) =>
            {
                var bytes = Encoding.UTF8.GetBytes(whole);
                var expected = SplitInChunks(bytes, new[] { bytes.Length + 1 });
                var actual = SplitInChunks(bytes, chunkSizes);
                return actual.Lines.SequenceEqual(expected.Lines) && actual.LogText == expected.LogText;
            });
        }
    }
}
