using System;
using System.IO;
using AvaSdk.Errors;
using AvaSdk.Models;
using Xunit;

namespace AvaSdk.Core.Tests.Models
{
    [Collection(EnvironmentCollection.Name)]
    public sealed class ModelPublisherTests : IDisposable
    {
        private readonly TempFolder folder = new TempFolder();

        public ModelPublisherTests()
        {
            foreach (var name in new[] { "AVA_ACCESS_KEY", "AVA_SECRET_KEY", "AVA_BUCKET", "AVA_API_HOST" })
                Environment.SetEnvironmentVariable(name, null);
        }

        [Fact]
        public void The_default_key_is_the_models_folder_of_the_name_with_a_publication_of_its_own()
        {
            var now = new DateTimeOffset(2026, 3, 4, 13, 5, 6, TimeSpan.FromHours(8));
            Assert.Equal("ava/default/models/resnet 50 ✓/custom/run7-20260304T050506Z/model.tar.gz", ModelPublisher.DefaultKey("resnet 50 ✓", "run7", now));
            Assert.Equal("ava/default/models/m/custom/local-20260304T050506Z/model.tar.gz", ModelPublisher.DefaultKey("m", null, now));
        }

        [Theory]
        [InlineData("")]
        [InlineData(" ")]
        [InlineData(".")]
        [InlineData("..")]
        [InlineData("../evil")]
        [InlineData("a/b")]
        [InlineData("a\\b")]
        [InlineData("a\nb")]
        [InlineData("a\u0000b")]
        public void A_name_that_could_leave_its_folder_or_break_a_key_is_refused(string name)
        {
            var error = Assert.Throws<AvaException>(() => ModelPublisher.RequireValidName(name));
            Assert.Equal(AvaErrors.ModelNameInvalid, error.Error);
        }

        [Theory]
        [InlineData("resnet-50")]
        [InlineData("cifar 10 ✓")]
        [InlineData("a..b")]
        [InlineData("epoch:10")]
        public void Other_names_are_taken(string name) => ModelPublisher.RequireValidName(name);

        [Fact]
        public void Planning_checks_the_files_and_writes_nothing()
        {
            var weights = folder.Write("model/weights.params", "w");
            var clash = folder.Write("other/weights.params", "x");
            var workspace = Path.Combine(folder.Path, "ws");
            Directory.CreateDirectory(Path.Combine(workspace, "config"));
            File.WriteAllText(Path.Combine(workspace, "config", "user"), "{\"uid\": 42, \"bucket\": \"jobs\"}");
            var now = DateTimeOffset.UtcNow;

            Assert.Equal(AvaErrors.FileNotFound, Assert.Throws<AvaException>(() => ModelPublisher.Plan(Array.Empty<string>(), "m", null, null, workspace, now)).Error);
            Assert.Equal(AvaErrors.FileNotFound, Assert.Throws<AvaException>(() => ModelPublisher.Plan(new[] { weights + ".missing" }, "m", null, null, workspace, now)).Error);
            Assert.Equal(AvaErrors.PathIsFolder, Assert.Throws<AvaException>(() => ModelPublisher.Plan(new[] { Path.GetDirectoryName(weights)! }, "m", null, null, workspace, now)).Error);
            Assert.Equal(AvaErrors.SnapshotArchiveInvalid, Assert.Throws<AvaException>(() => ModelPublisher.Plan(new[] { weights, clash }, "m", null, null, workspace, now)).Error);

            var plan = ModelPublisher.Plan(new[] { weights }, "m", "k/model.tar.gz", null, workspace, now);
            Assert.Equal("jobs", plan.Bucket);
            Assert.Equal("qiniu://42@z0/jobs/k/model.tar.gz", plan.File);
            Assert.False(plan.WillRecord);
            // Nothing was packed or written: the folder holds what the test made.
            Assert.Equal(new[] { "model", "other", "ws" }, Array.ConvertAll(Directory.GetFileSystemEntries(folder.Path), e => Path.GetFileName(e)!).AsSorted());
        }

        public void Dispose() => folder.Dispose();
    }

    internal static class Sorting
    {
        public static string[] AsSorted(this string[] items)
        {
            Array.Sort(items, StringComparer.Ordinal);
            return items;
        }
    }
}
