using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using System.Text.Json.Nodes;
using AvaSdk.TestServer;
using SharpCompress.Common;
using SharpCompress.Writers;
using Xunit;

namespace AvaSdk.TestServer.AvaTests
{
    public class ModelRecordCheckerTests
    {
        private const string Id = "5a8f83b058a9b60001ca3129";
        private const string Name = Id + "-snapshot-model:epoch_3";
        private const string Key = "ava/default/models/" + Name + "/snapshots/model.tar.gz";
        private readonly Dictionary<(string, string), byte[]> store = new Dictionary<(string, string), byte[]>();
        private readonly ModelRecordChecker checker;

        public ModelRecordCheckerTests()
        {
            var spec = new JsonObject { ["status"] = "running", ["params"] = new JsonObject { ["lr"] = 0.1 }, ["startTime"] = "2026-12-01T10:00:00+08:00" };
            checker = new ModelRecordChecker(id => id == Id ? (JsonObject)spec.DeepClone() : null,
                (bucket, key) => store.TryGetValue((bucket, key), out var bytes) ? new MemoryStream(bytes) : null);
            store[("avajobs", Key)] = TarGz(("cifar10_quick_iter_4000.caffemodel.h5", 3000), ("cifar10_quick_iter_4000.solverstate.h5", 6));
        }

        // A tar.gz made with SharpCompress's writer, each member filled with its size in bytes.
        private static byte[] TarGz(params (string Name, int Size)[] members)
        {
            using var output = new MemoryStream();
            using (var writer = WriterFactory.OpenWriter(output, ArchiveType.Tar, new WriterOptions(CompressionType.GZip) { LeaveStreamOpen = true }))
            {
                foreach (var (name, size) in members)
                    writer.Write(name, new MemoryStream(Enumerable.Range(0, size).Select(i => (byte)i).ToArray()), DateTime.UtcNow);
            }
            return output.ToArray();
        }

        private static JsonObject Record(string key = Key) => new JsonObject
        {
            ["name"] = Name,
            ["type"] = "snapshot",
            ["file"] = $"qiniu://1380001@z0/avajobs/{key}",
            ["params"] = new JsonObject(),
            ["trainingRef"] = new JsonObject
            {
                ["instanceID"] = Id,
                ["status"] = "running",
                ["params"] = new JsonObject { ["lr"] = 0.1 },
                ["startTime"] = "2026-12-01T10:00:00+08:00",
                ["name"] = "cifar-train",
                ["resource"] = new JsonObject { ["gpus"] = 2 },
                ["metric"] = new JsonObject { ["epoch"] = 3, ["batch"] = 300 },
                ["modelUploadTime"] = "2026-12-01T10:05:00.123+08:00",
            },
            ["specVersion"] = "v1",
        };

        private ModelCheck Check(JsonObject record) => checker.Check(record.ToJsonString());

        [Fact]
        public void AcceptsASnapshotRecordAndListsTheArchive()
        {
            var check = Check(Record());
            Assert.True(check.Ok, check.Error);
            Assert.Equal("snapshot", check.Type);
            Assert.Equal(("1380001", "avajobs", Key), (check.Uid, check.Bucket, check.Key));
            Assert.True(check.DefaultKey);
            Assert.Equal(Id, check.InstanceId);
            Assert.Equal(3, check.Epoch);
            Assert.Equal(300, check.Batch);
            Assert.Equal(new[] { ("cifar10_quick_iter_4000.caffemodel.h5", 3000L), ("cifar10_quick_iter_4000.solverstate.h5", 6L) },
                check.Members!.Select(m => (m.Name, m.Size)));
        }

        [Fact]
        public void AcceptsAnotherKeyEndingInModelTarGzAndSaysSo()
        {
            store[("avajobs", "team/x/model.tar.gz")] = TarGz(("w.params", 10));
            var check = Check(Record("team/x/model.tar.gz"));
            Assert.True(check.Ok, check.Error);
            Assert.False(check.DefaultKey);
            Assert.Equal("team/x/model.tar.gz", check.Key);
        }

        public static IEnumerable<object[]> BadRecords()
        {
            object[] Case(string expected, Action<JsonObject> change) => new object[] { expected, change };
            yield return Case("missing trainingRef", r => r.Remove("trainingRef"));
            yield return Case("unexpected key(s) id", r => r["id"] = "x");
            yield return Case("type 'weights'", r => r["type"] = "weights");
            yield return Case("specVersion 'v2'", r => r["specVersion"] = "v2");
            yield return Case("name 'snapshot-3'", r => r["name"] = "snapshot-3");
            yield return Case("params must be an empty object", r => r["params"] = new JsonObject { ["lr"] = 0.1 });
            yield return Case("params must be an empty object", r => r["params"] = null);
            yield return Case("trainingRef.instanceID 'other'", r => r["trainingRef"]!["instanceID"] = "other");
            yield return Case("instance 'ffff' was never created", r =>
            {
                r["name"] = "ffff-snapshot-model:epoch_3";
                r["trainingRef"]!["instanceID"] = "ffff";
            });
            yield return Case("lacks the instance's spec key 'startTime'", r => r["trainingRef"]!.AsObject().Remove("startTime"));
            yield return Case("trainingRef.params is not the instance's params", r => r["trainingRef"]!["params"] = new JsonObject());
            yield return Case("trainingRef.metric must be an object", r => r["trainingRef"]!.AsObject().Remove("metric"));
            yield return Case("trainingRef.metric.epoch 4 is not the epoch 3", r => r["trainingRef"]!["metric"]!["epoch"] = 4);
            yield return Case("trainingRef.metric.batch must be an integer", r => r["trainingRef"]!["metric"]!["batch"] = 1.5);
            yield return Case("trainingRef.metric.batch must be an integer", r => r["trainingRef"]!["metric"]!["batch"] = "300");
            yield return Case("trainingRef.metric has unexpected key(s) loss", r => r["trainingRef"]!["metric"]!["loss"] = 0.1);
            yield return Case("modelUploadTime '2026-12-01 10:05:00' is not an RFC 3339 time", r => r["trainingRef"]!["modelUploadTime"] = "2026-12-01 10:05:00");
            yield return Case("trainingRef.modelUploadTime must be a string", r => r["trainingRef"]!.AsObject().Remove("modelUploadTime"));
            yield return Case("names zone 'z1'", r => r["file"] = $"qiniu://1380001@z1/avajobs/{Key}");
            yield return Case("is not 'qiniu://<uid>@z0/<bucket>/<key>'", r => r["file"] = $"http://example.invalid/avajobs/{Key}");
            yield return Case("is not 'ava/default/models/", r => r["file"] = $"qiniu://1380001@z0/avajobs/ava/default/models/{Id}/cifar10_quick_iter_4000.caffemodel.h5");
            yield return Case("which is not stored in Kodo", r => r["file"] = $"qiniu://1380001@z0/otherbucket/{Key}");
        }

        [Theory]
        [MemberData(nameof(BadRecords))]
        public void RefusesBadRecords(string expected, Action<JsonObject> change)
        {
            var record = Record();
            change(record);
            var check = Check(record);
            Assert.False(check.Ok);
            Assert.Contains(expected, check.Error);
        }

        [Fact]
        public void RefusesABodyThatIsNotAnObject()
        {
            Assert.Contains("not JSON", checker.Check("{").Error);
            Assert.Contains("not a JSON object", checker.Check("[]").Error);
        }

        public static IEnumerable<object[]> BadArchives()
        {
            yield return new object[] { "gzip magic", Encoding.ASCII.GetBytes("HDF5 weights, not an archive") };
            yield return new object[] { "gzip magic", Array.Empty<byte>() };
            // A plain (uncompressed) tar.
            using (var plain = new MemoryStream())
            {
                using (var writer = WriterFactory.OpenWriter(plain, ArchiveType.Tar, new WriterOptions(CompressionType.None) { LeaveStreamOpen = true }))
                    writer.Write("w.params", new MemoryStream(new byte[100]), DateTime.UtcNow);
                yield return new object[] { "gzip magic", plain.ToArray() };
            }
            // Gzip, but of text rather than a tar.
            using (var text = new MemoryStream())
            {
                using (var gzip = new GZipStream(text, CompressionLevel.Fastest, leaveOpen: true))
                    gzip.Write(Encoding.ASCII.GetBytes(new string('w', 2000)));
                yield return new object[] { "not a gzip-compressed tar", text.ToArray() };
            }
            // A tar.gz with no members.
            yield return new object[] { "no members", TarGz() };
            // A tar.gz cut short.
            var whole = TarGz(("w.params", 200000));
            yield return new object[] { "not a gzip-compressed tar", whole.Take(whole.Length / 2).ToArray() };
        }

        [Theory]
        [MemberData(nameof(BadArchives))]
        public void RefusesAFileThatIsNotATarGz(string expected, byte[] bytes)
        {
            store[("avajobs", Key)] = bytes;
            var check = Check(Record());
            Assert.False(check.Ok);
            Assert.Contains(expected, check.Error);
        }

        [Fact]
        public void AcceptsACustomRecordAndListsItsArchive()
        {
            store[("avajobs", "my/custom.tar.gz")] = TarGz(("deploy.prototxt", 5));
            var record = new JsonObject { ["name"] = "resnet", ["type"] = "custom", ["file"] = "qiniu://1380001@z0/avajobs/my/custom.tar.gz", ["params"] = new JsonObject(), ["specVersion"] = "v1" };
            var check = Check(record);
            Assert.True(check.Ok, check.Error);
            Assert.Equal("custom", check.Type);
            Assert.Equal("deploy.prototxt", Assert.Single(check.Members!).Name);
        }

        [Theory]
        [InlineData("name")]
        [InlineData("file")]
        [InlineData("specVersion")]
        public void RefusesACustomRecordWithoutARequiredKey(string key)
        {
            store[("avajobs", "my/custom.tar.gz")] = TarGz(("deploy.prototxt", 5));
            var record = new JsonObject { ["name"] = "resnet", ["type"] = "custom", ["file"] = "qiniu://1380001@z0/avajobs/my/custom.tar.gz", ["specVersion"] = "v1" };
            record.Remove(key);
            var check = Check(record);
            Assert.False(check.Ok);
            Assert.Contains("missing " + key, check.Error);
        }
    }
}
