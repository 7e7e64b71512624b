using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;

namespace AvaSdk.TestServer.Protocol
{
    /// <summary>
    /// Kodo's object hash (kodo-protocol §6). qetag: 4 MiB blocks; one block → 0x16 || SHA1(content), more →
    /// 0x96 || SHA1(SHA1(block1) || …). etagV2 for multipart uploads whose parts are not "all 4 MiB but a last ≤ 4 MiB":
    /// 0x9e || SHA1(concat over parts of the 20-byte qetag digest of the part).
    /// </summary>
    public sealed class Etag : IDisposable
    {
        public const int BlockSize = 4 * 1024 * 1024;

        private readonly List<byte[]> blocks = new List<byte[]>();
        private IncrementalHash block = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        private int inBlock;
        private long length;

        public long Length => length;

        public void Append(ReadOnlySpan<byte> data)
        {
            while (data.Length > 0)
            {
                var take = Math.Min(BlockSize - inBlock, data.Length);
                block.AppendData(data.Slice(0, take));
                inBlock += take;
                length += take;
                data = data.Slice(take);
                if (inBlock == BlockSize)
                    CloseBlock();
            }
        }

        public void Append(byte[] data, int offset, int count) => Append(data.AsSpan(offset, count));

        private void CloseBlock()
        {
            blocks.Add(block.GetHashAndReset());
            inBlock = 0;
        }

        /// <summary>SHA1 of each 4 MiB block so far (the last one possibly short; one empty block for empty content).</summary>
        public IReadOnlyList<byte[]> BlockDigests()
        {
            if (inBlock > 0 || blocks.Count == 0)
                CloseBlock();
            return blocks.ToList();
        }

        public string Finish() => FromBlocks(BlockDigests());

        public void Dispose() => block.Dispose();

        /// <summary>qetag from the block digests of the whole content.</summary>
        public static string FromBlocks(IReadOnlyList<byte[]> digests) =>
            digests.Count == 1 ? Prefixed(0x16, digests[0]) : Prefixed(0x96, SHA1.HashData(digests.SelectMany(d => d).ToArray()));

        /// <summary>The 20-byte digest of a qetag without its prefix byte, from block digests.</summary>
        private static byte[] Digest(IReadOnlyList<byte[]> digests) =>
            digests.Count == 1 ? digests[0] : SHA1.HashData(digests.SelectMany(d => d).ToArray());

        /// <summary>
        /// The hash of a multipart upload, from each part's size and block digests: plain qetag if every part but the
        /// last is exactly 4 MiB and the last ≤ 4 MiB, else etagV2.
        /// </summary>
        public static string ForParts(IReadOnlyList<(long Size, IReadOnlyList<byte[]> Blocks)> parts)
        {
            var uniform = parts.Take(parts.Count - 1).All(p => p.Size == BlockSize) && parts[^1].Size <= BlockSize;
            if (uniform)
                return FromBlocks(parts.SelectMany(p => p.Blocks).ToList());
            return Prefixed(0x9e, SHA1.HashData(parts.SelectMany(p => Digest(p.Blocks)).ToArray()));
        }

        public static string Compute(Stream stream)
        {
            using var etag = new Etag();
            var buffer = new byte[1024 * 1024];
            int read;
            while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
                etag.Append(buffer, 0, read);
            return etag.Finish();
        }

        public static string Compute(byte[] data)
        {
            using var etag = new Etag();
            etag.Append(data);
            return etag.Finish();
        }

        private static string Prefixed(byte prefix, byte[] digest)
        {
            var bytes = new byte[21];
            bytes[0] = prefix;
            digest.CopyTo(bytes, 1);
            return Base64Url.Encode(bytes);
        }
    }
}
