using System;
using System.IO;
using AvaSdk.Storage;
using Xunit;

namespace AvaSdk.Core.Tests.Storage
{
    public class UploadResumeRecordTests
    {
        private static readonly Uri Host = new Uri("http://127.0.0.1:9000");
        private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);

        private static UploadResumeRecord Record(long size = 100, long mtime = 5, long partSize = 4, string host = "http://127.0.0.1:9000/", long expireAt = 1_700_600_000) =>
            new UploadResumeRecord { Bucket = "b", Key = "k/model.params", Host = host, Size = size, ModifiedTicks = mtime, PartSize = partSize, UploadId = "u1", ExpireAt = expireAt };

        [Fact]
        public void Lives_beside_the_source_or_in_the_resume_folder_and_differs_per_target()
        {
            var beside = UploadResumeRecord.PathFor("/data/run/model.params", "b", "k", Host, null);
            Assert.Equal("/data/run", Path.GetDirectoryName(beside));
            Assert.StartsWith(".model.params.", Path.GetFileName(beside));
            Assert.EndsWith(".avasdk-upload", beside);
            Assert.Equal("/records", Path.GetDirectoryName(UploadResumeRecord.PathFor("/data/run/model.params", "b", "k", Host, "/records")));
            Assert.NotEqual(beside, UploadResumeRecord.PathFor("/data/run/model.params", "b", "other", Host, null));
            Assert.NotEqual(beside, UploadResumeRecord.PathFor("/data/run/model.params", "c", "k", Host, null));
        }

        [Fact]
        public void Round_trips_its_parts()
        {
            using var folder = new TempFolder();
            var path = Path.Combine(folder.Path, "record");
            var record = Record();
            var blocks = new[] { new byte[20], new byte[20] };
            blocks[1][3] = 7;
            record.Parts.Add(new UploadResumeRecord.DonePart { Number = 2, Etag = "e2", Size = 4, BlockDigests = UploadResumeRecord.DonePart.Encode(blocks) });
            record.Save(path);
            var loaded = UploadResumeRecord.TryLoad(path, Record(), Now);
            Assert.NotNull(loaded);
            Assert.Equal("u1", loaded!.UploadId);
            var part = Assert.Single(loaded.Parts);
            Assert.Equal((2, "e2", 4L), (part.Number, part.Etag, part.Size));
            Assert.Equal(blocks, part.Blocks());
        }

        [Theory]
        [InlineData("size")]
        [InlineData("mtime")]
        [InlineData("partSize")]
        [InlineData("host")]
        [InlineData("expiring")]
        public void Is_not_trusted_when_the_file_or_the_upload_differs(string what)
        {
            using var folder = new TempFolder();
            var path = Path.Combine(folder.Path, "record");
            Record().Save(path);
            var expected = what switch
            {
                "size" => Record(size: 101),
                "mtime" => Record(mtime: 6),
                "partSize" => Record(partSize: 8),
                "host" => Record(host: "https://upload.qiniup.com/"),
                _ => Record(),
            };
            var now = what == "expiring" ? DateTimeOffset.FromUnixTimeSeconds(1_700_600_000 - 600) : Now;
            Assert.Null(UploadResumeRecord.TryLoad(path, expected, now));
        }

        [Fact]
        public void A_damaged_record_is_ignored()
        {
            using var folder = new TempFolder();
            Assert.Null(UploadResumeRecord.TryLoad(folder.Write("record", "{\"v\":1,\"parts\":[{"), Record(), Now));
            Assert.Null(UploadResumeRecord.TryLoad(Path.Combine(folder.Path, "none"), Record(), Now));
        }
    }
}
