using System;
using AvaSdk.Platform;
using AvaSdk.Storage;
using AvaSdk.Training;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using Xunit;

namespace AvaSdk.Core.Tests.Platform
{
    [Collection(EnvironmentCollection.Name)]
    public sealed class SnapshotModelRecordTests : IDisposable
    {
        private static readonly DateTimeOffset Started = new DateTimeOffset(2026, 6, 13, 10, 0, 0, TimeSpan.FromHours(8));
        private static readonly DateTimeOffset Uploaded = new DateTimeOffset(2026, 6, 13, 10, 30, 1, 250, TimeSpan.FromHours(8));

        private readonly TempFolder workspace = new TempFolder();

        public SnapshotModelRecordTests()
        {
            foreach (var name in new[] { "AVA_ACCESS_KEY", "AVA_SECRET_KEY", "AVA_BUCKET", "AVA_TRAINING_NAME", "JOB_NAME" })
                Environment.SetEnvironmentVariable(name, null);
            workspace.Write("config/user", "{\"uid\":1380001,\"key\":\"ak\",\"secret\":\"sk\",\"bucket\":\"avajobs\"}");
            workspace.Write("config/trainingspec", "{\"name\":\"cifar-train\",\"params\":{\"lr\":0.01},\"resource\":{\"gpus\":2}}");
        }

        [Fact]
        public void The_record_is_the_one_the_original_sent_for_an_epoch()
        {
            var spec = Json("{\"status\":\"running\",\"params\":{\"lr\":0.1,\"momentum\":0.9},\"startTime\":\"2026-06-13T10:00:00.000+08:00\"}");
            var instance = TrainInstanceStore.Start(workspace.Path, "5a8f83b0", Started, new PlatformLink("cifar-train", spec, reported: true), JobNode.Single, true);
            var key = "ava/default/models/5a8f83b0-snapshot-model:epoch_4/snapshots/model.tar.gz";

            var model = PlatformReports.WithUploadTime(PlatformReports.SnapshotModel(instance, new PlatformConfig(workspace.Path), "avajobs", key, 4, 100), Uploaded);

            var expected = Json(@"{
                ""name"": ""5a8f83b0-snapshot-model:epoch_4"",
                ""type"": ""snapshot"",
                ""file"": ""qiniu://1380001@z0/avajobs/ava/default/models/5a8f83b0-snapshot-model:epoch_4/snapshots/model.tar.gz"",
                ""params"": {},
                ""trainingRef"": {
                    ""instanceID"": ""5a8f83b0"",
                    ""status"": ""running"",
                    ""params"": { ""lr"": 0.01 },
                    ""startTime"": ""2026-06-13T10:00:00.000+08:00"",
                    ""name"": ""cifar-train"",
                    ""resource"": { ""gpus"": 2 },
                    ""metric"": { ""epoch"": 4, ""batch"": 400 },
                    ""modelUploadTime"": ""2026-06-13T10:30:01.250+08:00""
                },
                ""specVersion"": ""v1""
            }");
            Assert.True(JToken.DeepEquals(expected, model), model.ToString());
        }

        [Fact]
        public void Without_a_batch_of_epoch_the_batch_is_unknown()
        {
            var instance = TrainInstanceStore.Start(workspace.Path, "5a8f83b1", Started, new PlatformLink("cifar-train", new JObject(), reported: true), JobNode.Single, true);
            var model = PlatformReports.SnapshotModel(instance, new PlatformConfig(workspace.Path), "avajobs", "k", 3, null);
            Assert.Equal(JTokenType.Null, model["trainingRef"]!["metric"]!["batch"]!.Type);
            Assert.Equal(3, (int)model["trainingRef"]!["metric"]!["epoch"]!);
        }

        public void Dispose() => workspace.Dispose();

        // Times stay strings, as they are on the wire.
        private static JObject Json(string text) =>
            JObject.Load(new JsonTextReader(new System.IO.StringReader(text)) { DateParseHandling = DateParseHandling.None });
    }
}
