using System;
using System.IO;
using System.Linq;
using AvaSdk.Storage;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace AvaSdk.Core.Tests.Storage
{
    public class QetagBuilderTests
    {
        private const int MiB = 1024 * 1024;

        private static byte[] Content(int size, int seed)
        {
            var bytes = new byte[size];
            new Random(seed).NextBytes(bytes);
            return bytes;
        }

        [Property(MaxTest = 30)]
        public Property Hashing_in_any_chunks_gives_the_qetag_of_the_whole()
        {
            var sizes = Gen.Elements(0, 1, MiB, 4 * MiB - 1, 4 * MiB, 4 * MiB + 1, 9 * MiB + 7);
            var chunks = Gen.Choose(1, 3 * MiB).ArrayOf();
            return Prop.ForAll(sizes.ToArbitrary(), chunks.ToArbitrary(), (size, chunkSizes) =>
            {
                var content = Content(size, size);
                using var qetag = new QetagBuilder();
                var at = 0;
                foreach (var chunk in chunkSizes.Concat(new[] { int.MaxValue }))
                {
                    var count = Math.Min(chunk, content.Length - at);
                    qetag.Append(content, at, count);
                    at += count;
                }
                return qetag.Finish() == Qetag.Compute(content) && qetag.Length == size;
            });
        }

        [Theory]
        [InlineData(MiB)]
        [InlineData(3 * MiB)]
        [InlineData(4 * MiB)]
        [InlineData(8 * MiB)]
        public void Part_digests_combine_to_what_Kodo_reports_for_that_part_size(int partSize)
        {
            var content = Content(10 * MiB + 3, 5);
            var parts = Enumerable.Range(0, (content.Length + partSize - 1) / partSize).Select(i =>
            {
                using var part = new QetagBuilder();
                part.Append(content, i * partSize, Math.Min(partSize, content.Length - i * partSize));
                return part.BlockDigests();
            }).ToList();
            Assert.Equal(Qetag.ComputeForParts(new MemoryStream(content), partSize), QetagBuilder.ForParts(parts, partSize));
        }
    }
}
