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
        private static (List<string> Lines, string Log) SplitInChunks(byte[] bytes, IEnumerable<int> chunkSizes)
        {
            var splitter = new LineSplitter();
            var lines = new List<string>();
            using var log = new MemoryStream();
            var offset = 0;
            foreach (var size in chunkSizes.Concat(new[] { bytes.Length }))
            {
                var count = Math.Min(size, bytes.Length - offset);
                if (count <= 0)
                    break;
                var chunk = new byte[count];
                Buffer.BlockCopy(bytes, offset, chunk, 0, count);
                splitter.Split(chunk, count, log, lines);
                offset += count;
            }
            splitter.Finish(log, lines);
            return (lines, Encoding.UTF8.GetString(log.ToArray()));
        }

        [Fact]
        public void Cuts_lines_at_line_feeds_and_drops_a_carriage_return_before_them()
        {
            var (lines, log) = SplitInChunks(Encoding.UTF8.GetBytes("a\r\nb\n\nlast"), new[] { 100 });
            Assert.Equal(new[] { "a", "b", "", "last" }, lines);
            Assert.Equal("a\r\nb\n\nlast\n", log);
        }

        [Fact]
        public void Keeps_a_multibyte_character_cut_by_a_chunk_boundary_whole()
        {
            var bytes = Encoding.UTF8.GetBytes("loss = 1 — ok\nnext\n");
            var cut = Array.IndexOf(bytes, (byte)0xE2) + 1;
            Assert.Equal(new[] { "loss = 1 — ok", "next" }, SplitInChunks(bytes, new[] { cut }).Lines);
        }

        [Property(MaxTest = 200)]
        public Property Any_chunking_gives_the_lines_and_log_of_the_whole_text()
        {
            var text = Gen.Elements("I0613 Iteration 1, loss = 0.5", "", "é", "\r", "x y", "Train net output #0: loss = 1")
                .ArrayOf().Select(parts => string.Join("\n", parts));
            var sizes = Gen.Choose(1, 40).ArrayOf();
            return Prop.ForAll(text.ToArbitrary(), sizes.ToArbitrary(), (whole, chunkSizes) =>
            {
                var bytes = Encoding.UTF8.GetBytes(whole);
                var expected = SplitInChunks(bytes, new[] { bytes.Length + 1 });
                var actual = SplitInChunks(bytes, chunkSizes);
                return actual.Lines.SequenceEqual(expected.Lines) && actual.Log == expected.Log;
            });
        }
    }
}
