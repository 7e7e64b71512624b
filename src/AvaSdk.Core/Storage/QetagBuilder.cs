using System;
using System.Collections.Generic;
using System.Security.Cryptography;

namespace AvaSdk.Storage
{
    /// <summary>
    /// qetag computed as bytes go by, so a transfer hashes what it moves without reading the file twice.
    /// </summary>
    public sealed class QetagBuilder : IDisposable
    {
        private readonly IncrementalHash block = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        private readonly List<byte[]> blockDigests = new List<byte[]>();
        private long inBlock;

        public long Length { get; private set; }

        public void Append(byte[] buffer, int offset, int count)
        {
            while (count > 0)
            {
                var take = (int)Math.Min(count, Qetag.BlockSize - inBlock);
                block.AppendData(buffer, offset, take);
                inBlock += take;
                Length += take;
                offset += take;
                count -= take;
                if (inBlock == Qetag.BlockSize)
                {
                    blockDigests.Add(block.GetHashAndReset());
                    inBlock = 0;
                }
            }
        }

        /// <summary>SHA-1 of each 4 MiB block so far, the last one partial unless the length is a multiple of 4 MiB.</summary>
        public IReadOnlyList<byte[]> BlockDigests()
        {
            if (inBlock > 0 || blockDigests.Count == 0)
            {
                blockDigests.Add(block.GetHashAndReset());
                inBlock = 0;
            }
            return blockDigests;
        }

        /// <summary>The qetag of everything appended; call once, at the end.</summary>
        public string Finish() => FromBlockDigests(BlockDigests());

        public static string FromBlockDigests(IReadOnlyList<byte[]> blocks) => UrlSafeBase64.Encode(Digest(blocks));

        /// <summary>
        /// The hash Kodo reports for a multipart upload: plain qetag when every part but the last is one 4 MiB block,
        /// else etagV2 over each part's qetag digest.
        /// </summary>
        public static string ForParts(IReadOnlyList<IReadOnlyList<byte[]>> partBlocks, long partSize)
        {
            if (partSize == Qetag.BlockSize || partBlocks.Count == 1)
            {
                var all = new List<byte[]>();
                foreach (var part in partBlocks)
                    all.AddRange(part);
                return FromBlockDigests(all);
            }
            var digests = new byte[partBlocks.Count * 20];
            for (var i = 0; i < partBlocks.Count; i++)
                Buffer.BlockCopy(Digest(partBlocks[i]), 1, digests, i * 20, 20);
            return UrlSafeBase64.Encode(Prefixed(0x9e, Sha1(digests)));
        }

        public void Dispose() => block.Dispose();

        private static byte[] Digest(IReadOnlyList<byte[]> blocks)
        {
            if (blocks.Count == 1)
                return Prefixed(0x16, blocks[0]);
            var concatenated = new byte[blocks.Count * 20];
            for (var i = 0; i < blocks.Count; i++)
                Buffer.BlockCopy(blocks[i], 0, concatenated, i * 20, 20);
            return Prefixed(0x96, Sha1(concatenated));
        }

        private static byte[] Sha1(byte[] data)
        {
            using var sha1 = SHA1.Create();
            return sha1.ComputeHash(data);
        }

        private static byte[] Prefixed(byte prefix, byte[] digest)
        {
            var result = new byte[21];
            result[0] = prefix;
            Buffer.BlockCopy(digest, 0, result, 1, 20);
            return result;
        }
    }
}
