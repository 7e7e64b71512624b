using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using AvaSdk.TestServer.Protocol;
using Xunit;

namespace AvaSdk.TestServer.Tests
{
    /// <summary>kodo-protocol §6 and §11 T16–T18: qetag, etagV2, CRC32, base64.</summary>
    public class HashVectorTests
    {
        private const int MiB = 1024 * 1024;

        // Python EtagTestCase files: zeros, then one ASCII '0' as the last byte.
        private static byte[] PythonFile(int size)
        {
            var data = new byte[size];
            if (size > 0)
                data[^1] = (byte)'0';
            return data;
        }

        // Java TempFile.createFileOld(k): k KiB of 8192-byte chunks, chunk i = big-endian int32 i × 1023 then 4100 zeros.
        private static byte[] JavaFile(int kib)
        {
            var data = new byte[kib * 1024];
            for (var chunk = 0; chunk * 8192 < data.Length; chunk++)
            {
                for (var n = 0; n < 1023; n++)
                {
                    var at = chunk * 8192 + n * 4;
                    if (at + 4 > data.Length)
                        break;
                    data[at] = (byte)(chunk >> 24);
                    data[at + 1] = (byte)(chunk >> 16);
                    data[at + 2] = (byte)(chunk >> 8);
                    data[at + 3] = (byte)chunk;
                }
            }
            return data;
        }

        [Theory] // T16
        [InlineData(0, "Fto5o-5ea0sNMlW_75VgGJCv2AcJ")]
        [InlineData(MiB, "FnlAdmDasGTQOIgrU1QIZaGDv_1D")]
        [InlineData(4 * MiB + 1, "ljF323utglY3GI6AvLgawSJ4_dgk")]
        public void T16_PythonEtag(int size, string expected) => Assert.Equal(expected, Etag.Compute(PythonFile(size)));

        [Fact] // T17
        public void T17_JavaEtagOfText() => Assert.Equal("FpLiADEaVoALPkdb8tJEJyRTXoe_", Etag.Compute(Encoding.ASCII.GetBytes("etag")));

        [Theory] // T17
        [InlineData(1024, "FqOV9T8l48x1u9dFEOROzwp4b0jr")]
        [InlineData(4096, "FgtlGCfS97kgqopAxq0vvKRA5o_R")]
        [InlineData(5120, "lvtM_iKNnZXkZR8U3Fvi_QQO2yyi")]
        [InlineData(8192, "lhiIbcJgsRrl46LwMD9KHAQRLH2O")]
        [InlineData(9216, "ll1xhlUFKQqynVgMMt_J1TuTrdB1")]
        public void T17_JavaEtag(int kib, string expected) => Assert.Equal(expected, Etag.Compute(JavaFile(kib)));

        [Theory] // §6, computed independently
        [InlineData("hello", "Fqr0xh3cxeii2r7eDztILNmuqUNN")]
        public void Etag_Hello(string text, string expected) => Assert.Equal(expected, Etag.Compute(Encoding.ASCII.GetBytes(text)));

        [Theory]
        [InlineData(4 * MiB, "FivMvS848VwT631aif2dhfWV4jvD")]
        [InlineData(8 * MiB, "lsCVE24-Immdd6zm-ffVVhsWYcDG")]
        public void Etag_Zeros(int size, string expected) => Assert.Equal(expected, Etag.Compute(new byte[size]));

        [Fact] // Appending in odd pieces gives the same hash as one piece.
        public void Etag_IsIncremental()
        {
            var data = JavaFile(9216);
            using var etag = new Etag();
            for (var at = 0; at < data.Length; at += 777_777)
                etag.Append(data.AsSpan(at, Math.Min(777_777, data.Length - at)));
            Assert.Equal("ll1xhlUFKQqynVgMMt_J1TuTrdB1", etag.Finish());
        }

        private static string OfParts(byte[] data, params int[] sizes)
        {
            var parts = new List<(long, IReadOnlyList<byte[]>)>();
            var at = 0;
            foreach (var size in sizes)
            {
                using var etag = new Etag();
                etag.Append(data.AsSpan(at, size));
                parts.Add((size, etag.BlockDigests()));
                at += size;
            }
            Assert.Equal(data.Length, at);
            return Etag.ForParts(parts);
        }

        [Fact] // §6 etagV2 vectors
        public void EtagV2_Vectors()
        {
            Assert.Equal("nsCFDs2ldTA8eDuKDkmKsy4T8PNA", OfParts(JavaFile(9216), 8 * MiB, MiB));
            Assert.Equal("nsQsV_Qmz7ch1hDGrpd5-mv2jjRd", OfParts(JavaFile(5120), MiB, MiB, MiB, MiB, MiB));
        }

        [Fact] // §6: parts of 4 MiB with a last ≤ 4 MiB give plain qetag
        public void EtagV2_UniformPartsArePlainQetag()
        {
            Assert.Equal("ll1xhlUFKQqynVgMMt_J1TuTrdB1", OfParts(JavaFile(9216), 4 * MiB, 4 * MiB, MiB));
            Assert.Equal("lvtM_iKNnZXkZR8U3Fvi_QQO2yyi", OfParts(JavaFile(5120), 4 * MiB, MiB));
            Assert.StartsWith("n", OfParts(JavaFile(9216), MiB, 8 * MiB));
        }

        [Fact] // T18
        public void T18_Crc32AndBase64()
        {
            Assert.Equal(3964322768u, Crc.Compute(Encoding.ASCII.GetBytes("Hello, World!")));
            Assert.Equal("5L2g5aW9Lys9", Base64Url.Encode("你好/+="));
            Assert.Equal("", Base64Url.Encode(""));
            Assert.Equal("你好/+=", Encoding.UTF8.GetString(Base64Url.TryDecode("5L2g5aW9Lys9")!));
            Assert.Null(Base64Url.TryDecode("a"));
        }
    }

    /// <summary>§1.2–1.3: scope, deadline, insertOnly.</summary>
    public class UploadTokenTests
    {
        private static readonly Mac Keys = new Mac("ak", "sk");

        private static UploadPolicy Policy(string json) => UploadToken.Verify(Keys, UploadToken.Create(Keys, json), 100).Policy!;

        [Fact]
        public void BucketScopeIsInsertMode()
        {
            var policy = Policy("{\"scope\":\"b\",\"deadline\":200}");
            Assert.Null(policy.CheckTarget("b", "any/key"));
            Assert.Null(policy.CheckTarget(null, null));
            Assert.Equal("bucket doesn't match with scope", policy.CheckTarget("c", "k"));
            Assert.True(policy.Refuses(exists: true, sameContent: false));
            Assert.False(policy.Refuses(exists: true, sameContent: true));
            Assert.False(policy.Refuses(exists: false, sameContent: false));
        }

        [Fact]
        public void KeyScopeMayOverwriteUnlessInsertOnly()
        {
            var policy = Policy("{\"scope\":\"b:k/1\",\"deadline\":200}");
            Assert.Null(policy.CheckTarget("b", "k/1"));
            Assert.Equal("key doesn't match with scope", policy.CheckTarget("b", "k/12"));
            Assert.False(policy.Refuses(exists: true, sameContent: false));
            var insertOnly = Policy("{\"scope\":\"b:k/1\",\"deadline\":200,\"insertOnly\":1}");
            Assert.True(insertOnly.Refuses(exists: true, sameContent: false));
            Assert.False(insertOnly.Refuses(exists: true, sameContent: true));
        }

        [Fact]
        public void PrefixalScope()
        {
            var policy = Policy("{\"scope\":\"b:run/1/\",\"deadline\":200,\"isPrefixalScope\":1}");
            Assert.Null(policy.CheckTarget("b", "run/1/a.bin"));
            Assert.Equal("key doesn't match with scope", policy.CheckTarget("b", "run/2/a.bin"));
            // Without isPrefixalScope the same scope is one exact key.
            Assert.Equal("key doesn't match with scope", Policy("{\"scope\":\"b:run/1/\",\"deadline\":200}").CheckTarget("b", "run/1/a.bin"));
        }

        [Theory]
        [InlineData(null, 401, "token not specified")]
        [InlineData("ak:abc", 401, "bad token")]
        [InlineData("ak:a:b:c", 401, "bad token")]
        public void Malformed(string? token, int status, string error)
        {
            var result = UploadToken.Verify(Keys, token, 0);
            Assert.Equal((status, error), (result.Status, result.Error));
        }

        [Fact]
        public void SignatureIsOverTheEncodedPolicyAndAccessKeyMustMatch()
        {
            var token = UploadToken.Create(Keys, "{\"scope\":\"b\",\"deadline\":200}");
            var parts = token.Split(':');
            Assert.Equal("bad token", UploadToken.Verify(Keys, parts[0] + ":" + parts[1] + ":" + Base64Url.Encode("{\"scope\":\"c\",\"deadline\":200}"), 0).Error);
            Assert.Equal("bad token", UploadToken.Verify(Keys, "other:" + parts[1] + ":" + parts[2], 0).Error);
            Assert.Equal("bad token", UploadToken.Verify(new Mac("ak", "other"), token, 0).Error);
            Assert.Equal("token out of date", UploadToken.Verify(Keys, token, 201).Error);
            Assert.Equal("scope not specified", UploadToken.Verify(Keys, UploadToken.Create(Keys, "{\"deadline\":200}"), 0).Error);
        }
    }
}
