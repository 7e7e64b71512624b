using System.IO;
using AvaSdk.Errors;
using AvaSdk.Storage;
using Xunit;

namespace AvaSdk.Core.Tests.Storage
{
    public class QetagTests
    {
        private const int MiB = 1024 * 1024;

        // Python's EtagTestCase files: zeros, then one ASCII '0' as the last byte.
        private static byte[] ZerosThenDigit(int size)
        {
            var bytes = new byte[size];
            if (size > 0)
                bytes[size - 1] = (byte)'0';
            return bytes;
        }

        // Java's TempFile.createFileOld(k KiB): 8192-byte chunks, chunk i = int32 i big-endian ×1023 then 4100 zeros.
        private static byte[] JavaTempFile(int kib)
        {
            var bytes = new byte[kib * 1024];
            for (var chunk = 0; chunk * 8192 < bytes.Length; chunk++)
                for (var j = 0; j < 1023; j++)
                {
                    var at = chunk * 8192 + j * 4;
                    if (at + 4 > bytes.Length)
                        break;
                    bytes[at] = (byte)(chunk >> 24);
                    bytes[at + 1] = (byte)(chunk >> 16);
                    bytes[at + 2] = (byte)(chunk >> 8);
                    bytes[at + 3] = (byte)chunk;
                }
            return bytes;
        }

        [Theory] // T16
        [InlineData(0, "Fto5o-5ea0sNMlW_75VgGJCv2AcJ")]
        [InlineData(MiB, "FnlAdmDasGTQOIgrU1QIZaGDv_1D")]
        [InlineData(4 * MiB + 1, "ljF323utglY3GI6AvLgawSJ4_dgk")]
        public void T16_python_vectors(int size, string expected) => Assert.Equal(expected, Qetag.Compute(ZerosThenDigit(size)));

        [Theory] // T17
        [InlineData(1024, "FqOV9T8l48x1u9dFEOROzwp4b0jr")]
        [InlineData(4096, "FgtlGCfS97kgqopAxq0vvKRA5o_R")]
        [InlineData(5120, "lvtM_iKNnZXkZR8U3Fvi_QQO2yyi")]
        [InlineData(8192, "lhiIbcJgsRrl46LwMD9KHAQRLH2O")]
        [InlineData(9216, "ll1xhlUFKQqynVgMMt_J1TuTrdB1")]
        public void T17_java_vectors(int kib, string expected) => Assert.Equal(expected, Qetag.Compute(JavaTempFile(kib)));

        [Fact]
        public void Computed_independently()
        {
            Assert.Equal("FpLiADEaVoALPkdb8tJEJyRTXoe_", Qetag.Compute(System.Text.Encoding.ASCII.GetBytes("etag")));
            Assert.Equal("Fqr0xh3cxeii2r7eDztILNmuqUNN", Qetag.Compute(System.Text.Encoding.ASCII.GetBytes("hello")));
            Assert.Equal("FivMvS848VwT631aif2dhfWV4jvD", Qetag.Compute(new byte[4 * MiB]));
            Assert.Equal("lsCVE24-Immdd6zm-ffVVhsWYcDG", Qetag.Compute(new byte[8 * MiB]));
        }

        [Fact]
        public void Parts_of_other_sizes_give_etag_v2_and_4_MiB_parts_give_qetag()
        {
            Assert.Equal("nsCFDs2ldTA8eDuKDkmKsy4T8PNA", Qetag.ComputeForParts(new MemoryStream(JavaTempFile(9216)), 8 * MiB));
            Assert.Equal("nsQsV_Qmz7ch1hDGrpd5-mv2jjRd", Qetag.ComputeForParts(new MemoryStream(JavaTempFile(5120)), MiB));
            Assert.Equal("ll1xhlUFKQqynVgMMt_J1TuTrdB1", Qetag.ComputeForParts(new MemoryStream(JavaTempFile(9216)), 4 * MiB));
            Assert.Equal("Fqr0xh3cxeii2r7eDztILNmuqUNN", Qetag.ComputeForParts(new MemoryStream(System.Text.Encoding.ASCII.GetBytes("hello")), MiB));
        }
    }

    public class QiniuUriTests
    {
        [Theory]
        [InlineData("qiniu://models/ava/default/x.tar.gz", "models", "ava/default/x.tar.gz", null, null)]
        [InlineData("qiniu://1380000000@z0/models/snap/model.tar.gz", "models", "snap/model.tar.gz", "1380000000", "z0")]
        [InlineData("QINIU://b/k", "b", "k", null, null)]
        public void Parses_both_forms(string text, string bucket, string key, string? uid, string? zone)
        {
            var uri = QiniuUri.Parse(text);
            Assert.Equal((bucket, key, uid, zone), (uri.Bucket, uri.Key, uri.Uid, uri.Zone));
        }

        [Theory]
        [InlineData("http://b/k")]
        [InlineData("qiniu://bucket")]
        [InlineData("qiniu://bucket/")]
        [InlineData("qiniu:///key")]
        [InlineData("qiniu://1@z0/bucket")]
        public void Rejects_urls_without_a_bucket_and_a_key(string text)
        {
            var error = Assert.Throws<AvaException>(() => QiniuUri.Parse(text));
            Assert.Equal("AvaUriInvalid", error.ErrorId);
            Assert.Contains(text, error.Message);
        }
    }
}
