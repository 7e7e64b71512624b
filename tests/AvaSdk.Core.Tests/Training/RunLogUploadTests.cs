using System;
using System.IO;
using System.Linq;
using AvaSdk.Training;
using Xunit;

namespace AvaSdk.Core.Tests.Training
{
    public sealed class RunLogUploadTests : IDisposable
    {
        private readonly TempFolder folder = new TempFolder();

        [Fact]
        public void The_prefix_is_the_originals_layout_with_local_for_a_run_without_a_training_name()
        {
            Assert.Equal("ava/default/trainings/cifar/5a8f/logs/", RunLogUpload.KeyPrefix("cifar", "5a8f"));
            Assert.Equal("ava/default/trainings/local/20260101-000000-000-abcd1234/logs/", RunLogUpload.KeyPrefix(null, "20260101-000000-000-abcd1234"));
        }

        [Fact]
        public void Every_file_keeps_its_path_relative_to_the_logs_with_slashes_and_nothing_outside_is_taken()
        {
            var logs = Path.Combine(folder.Path, "run", "r1", "logs");
            folder.Write("run/r1/logs/training.log", "a");
            folder.Write("run/r1/logs/node 1/deeper/training.log", "b");
            folder.Write("run/r1/logs/sub dir/ünïcödé ✓.log", "c");
            folder.Write("run/r1/logs/..dots..log", "d");
            var outside = folder.Write("run/r1/status.json", "{}");
            if (!OperatingSystem.IsWindows())
            {
                File.CreateSymbolicLink(Path.Combine(logs, "link.log"), outside);
                Directory.CreateSymbolicLink(Path.Combine(logs, "up"), Path.Combine(folder.Path, "run"));
            }

            var keys = RunLogUpload.Keys(logs, "p/");

            Assert.Equal(new[] { "p/..dots..log", "p/node 1/deeper/training.log", "p/sub dir/ünïcödé ✓.log", "p/training.log" }, keys.Select(k => k.Value));
            Assert.All(keys, k => Assert.StartsWith(logs + Path.DirectorySeparatorChar, k.Key));
        }

        [Fact]
        public void A_run_without_logs_has_nothing_to_send() => Assert.Empty(RunLogUpload.Keys(Path.Combine(folder.Path, "none"), "p/"));

        public void Dispose() => folder.Dispose();
    }
}
