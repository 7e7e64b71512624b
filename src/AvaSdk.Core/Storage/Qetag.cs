using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;

namespace AvaSdk.Storage
{
    /// <summary>
    /// Kodo's object hash. qetag: SHA-1 per 4 MiB block; one block (or none) → 0x16 ‖ SHA1(content), more →
    /// 0x96 ‖ SHA1(SHA1(block₁) ‖ …). For a multipart upload whose parts are not 4 MiB, Kodo reports etagV2:
    /// 0x9e ‖ SHA1(qetag digest of each part without its prefix byte).
    /// </summary>
    public static class Qetag
    {
        public const int BlockSize = 4 * 1024 * 1024;

        public static string Compute(Stream content) => UrlSafeBase64.Encode(Digest(content, long.MaxValue));

        public static string Compute(byte[] content) => Compute(new MemoryStream(content, writable: false));

        public static string ComputeFile(string path)
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1024 * 1024);
            return Compute(file);
        }

        /// <summary>The hash Kodo reports for <paramref name="content"/> uploaded in parts of <paramref name="partSize"/> bytes.</summary>
        public static string ComputeForParts(Stream content, long partSize)
        {
            if (partSize == BlockSize)
                return Compute(content);
            using var sha1 = SHA1.Create();
            var digests = new List<byte>();
            var parts = 0;
            do
            {
                var part = Digest(content, partSize);
                digests.AddRange(new ArraySegment<byte>(part, 1, part.Length - 1));
                parts++;
            }
            while (content.Position < content.Length);
            if (parts == 1)
                return Compute(Rewind(content));
            var result = new byte[21];
            result[0] = 0x9e;
            Buffer.BlockCopy(sha1.ComputeHash(digests.ToArray()), 0, result, 1, 20);
            return UrlSafeBase64.Encode(result);
        }

        private static Stream Rewind(Stream content)
        {
            content.Position = 0;
            return content;
        }

        // The qetag digest (prefix byte + 20 bytes) of the next `limit` bytes of the stream.
        private static byte[] Digest(Stream content, long limit)
        {
            using var sha1 = SHA1.Create();
            var buffer = new byte[BlockSize];
            var blockHashes = new List<byte[]>();
            long consumed = 0;
            while (consumed < limit)
            {
                var filled = Fill(content, buffer, (int)Math.Min(BlockSize, limit - consumed));
                if (filled == 0 && blockHashes.Count > 0)
                    break;
                blockHashes.Add(sha1.ComputeHash(buffer, 0, filled));
                consumed += filled;
                if (filled < BlockSize)
                    break;
            }
            var result = new byte[21];
            if (blockHashes.Count == 1)
            {
                result[0] = 0x16;
                Buffer.BlockCopy(blockHashes[0], 0, result, 1, 20);
                return result;
            }
            var concatenated = new byte[blockHashes.Count * 20];
            for (var i = 0; i < blockHashes.Count; i++)
                Buffer.BlockCopy(blockHashes[i], 0, concatenated, i * 20, 20);
            result[0] = 0x96;
            Buffer.BlockCopy(sha1.ComputeHash(concatenated), 0, result, 1, 20);
            return result;
        }

        private static int Fill(Stream content, byte[] buffer, int count)
        {
            var filled = 0;
            int read;
            while (filled < count && (read = content.Read(buffer, filled, count - filled)) > 0)
                filled += read;
            return filled;
        }
    }
}
