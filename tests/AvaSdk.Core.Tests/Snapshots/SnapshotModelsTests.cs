using AvaSdk.Snapshots;
using Xunit;

namespace AvaSdk.Core.Tests.Snapshots
{
    public sealed class SnapshotModelsTests
    {
        [Fact]
        public void The_model_is_named_after_the_instance_and_the_epoch()
        {
            Assert.Equal("5a8f83b0-snapshot-model:epoch_4", SnapshotModels.Name("5a8f83b0", 4));
        }

        [Fact]
        public void The_archive_lies_where_the_platform_keeps_models()
        {
            Assert.Equal("ava/default/models/5a8f83b0-snapshot-model:epoch_4/snapshots/model.tar.gz", SnapshotModels.ArchiveKey(null, "5a8f83b0", 4));
        }

        [Theory]
        [InlineData("mine/run2")]
        [InlineData("mine/run2/")]
        public void A_key_prefix_replaces_ava_default_models(string prefix)
        {
            Assert.Equal("mine/run2/5a8f83b0-snapshot-model:epoch_4/snapshots/model.tar.gz", SnapshotModels.ArchiveKey(prefix, "5a8f83b0", 4));
        }
    }
}
