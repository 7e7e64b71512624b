using System;
using System.IO.Hashing;

namespace AvaSdk.TestServer.Protocol
{
    /// <summary>CRC-32/IEEE (poly 0xEDB88320, as zlib) as Kodo's form upload "crc32" field: an unsigned decimal.</summary>
    public static class Crc
    {
        public static uint Compute(ReadOnlySpan<byte> data) => Crc32.HashToUInt32(data);
    }
}
