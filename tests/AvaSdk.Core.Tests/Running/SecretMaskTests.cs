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
    public class SecretMaskTests
    {
        private const string Secret = "sk-Secret+Key/0123";
        private const string Password = "pässwörd-42";

        // What a masker hands on for text read in chunks of the given sizes (cycled), its end included.
        private static string Masked(SecretMask mask, string text, IReadOnlyList<int> chunkSizes)
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            var masker = mask.ForStream();
            var output = new MemoryStream();
            var at = 0;
            for (var i = 0; at < bytes.Length; i++)
            {
                var size = Math.Min(chunkSizes.Count == 0 ? bytes.Length : Math.Max(1, chunkSizes[i % chunkSizes.Count]), bytes.Length - at);
                var chunk = new byte[size + 7];
                Buffer.BlockCopy(bytes, at, chunk, 0, size);
                var masked = masker.Mask(chunk, size);
                output.Write(masked.Array!, masked.Offset, masked.Count);
                at += size;
            }
            var rest = masker.Finish();
            output.Write(rest.Array!, rest.Offset, rest.Count);
            return Encoding.UTF8.GetString(output.ToArray());
        }

        [Fact]
        public void Masks_every_secret_by_literal_match()
        {
            var mask = new SecretMask(new[] { Secret, Password, null });
            Assert.Equal("AVA_SECRET_KEY=***\npw *** and ***, again ***\n",
                Masked(mask, $"AVA_SECRET_KEY={Secret}\npw {Password} and {Secret}, again {Password}\n", Array.Empty<int>()));
            Assert.False(mask.LeavesSomeUnmasked);
        }

        [Fact]
        public void Masks_a_secret_split_across_two_reads_wherever_it_is_cut()
        {
            var mask = new SecretMask(new[] { Secret });
            var text = $"key: {Secret}\n";
            for (var cut = 1; cut < Encoding.UTF8.GetByteCount(text); cut++)
                Assert.Equal("key: ***\n", Masked(mask, text, new[] { cut, 1000 }));
        }

        [Fact]
        public void Hands_on_the_start_of_a_secret_that_never_comes_at_the_end_of_the_stream()
        {
            var mask = new SecretMask(new[] { Secret });
            Assert.Equal("almost sk-Secret+Ke", Masked(mask, "almost sk-Secret+Ke", new[] { 3 }));
        }

        [Fact]
        public void Leaves_a_short_secret_unmasked_and_says_so()
        {
            var mask = new SecretMask(new[] { "short", Secret });
            Assert.True(mask.LeavesSomeUnmasked);
            Assert.Equal($"short ***", Masked(mask, $"short {Secret}", Array.Empty<int>()));
        }

        [Fact]
        public void Masks_the_longer_of_two_secrets_that_start_at_the_same_place()
        {
            var mask = new SecretMask(new[] { "abcdefgh", "abcdefghijkl" });
            Assert.Equal("x *** y *** z", Masked(mask, "x abcdefghijkl y abcdefgh z", new[] { 5 }));
            Assert.Equal("x *** y ***", Masked(mask, "x abcdefghijkl y abcdefgh", new[] { 5 }));
        }

        [Property(MaxTest = 300)]
        public Property Any_chunking_masks_as_the_whole_text_does()
        {
            var text = Gen.Elements(Secret, Password, "sk-Secret", "pässw", "é", "\n", "\r\n", "x y", "sk-", "loss = 0.5")
                .ArrayOf().Select(parts => string.Concat(parts));
            var sizes = Gen.Choose(1, 30).ArrayOf();
            var mask = new SecretMask(new[] { Secret, Password });
            return Prop.ForAll(text.ToArbitrary(), sizes.ToArbitrary(), (whole, chunkSizes) =>
                Masked(mask, whole, chunkSizes) == whole.Replace(Secret, "***").Replace(Password, "***"));
        }
    }
}
