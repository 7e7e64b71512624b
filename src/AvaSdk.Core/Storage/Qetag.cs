using System;
using System.Collections.Generic;
using System.IO;

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

        public static string Compute(Stream content)
        {
            using var qetag = new QetagBuilder();
            Append(qetag, content, long.MaxValue);
            return qetag.Finish();
        }

        public static string Compute(byte[] content) => Compute(new MemoryStream(content, writable: false));

        public static string ComputeFile(string path)
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1024 * 1024);
            return Compute(file);
        }

        /// <summary>The hash Kodo reports for <paramref name="content"/> uploaded in parts of <paramref name="partSize"/> bytes.</summary>
        public static string ComputeForParts(Stream content, long partSize)
        {
            var parts = new List<IReadOnlyList<byte[]>>();
            do
            {
                using var part = new QetagBuilder();
                Append(part, content, partSize);
                parts.Add(part.BlockDigests());
            }
            while (content.Position < content.Length);
            return QetagBuilder.ForParts(parts, partSize);
        }

        private static void Append(QetagBuilder qetag, Stream content, long limit)
        {
            var buffer = new byte[1024 * 1024];
            int read;
            while (limit > 0 && (read = content.Read(buffer, 0, (int)Math.Min(buffer.Length, limit))) > 0)
            {
                qetag.Append(buffer, 0, read);
                limit -= read;
            }
        }
    }
}
