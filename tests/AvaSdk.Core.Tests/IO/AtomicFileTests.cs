using System.IO;
using AvaSdk.IO;
using Xunit;

namespace AvaSdk.Core.Tests.IO
{
    public class AtomicFileTests
    {
        [Fact]
        public void Creates_then_replaces_a_file_and_leaves_no_temporary_files()
        {
            using var temp = new TempFolder();
            var path = Path.Combine(temp.Path, "status.json");

            AtomicFile.WriteAllText(path, "first");
            AtomicFile.WriteAllText(path, "second, longer");

            Assert.Equal("second, longer", File.ReadAllText(path));
            Assert.Equal(new[] { path }, Directory.GetFiles(temp.Path));
        }

        [Fact]
        public void Removes_what_a_killed_writer_left_and_nothing_a_live_one_is_writing()
        {
            using var temp = new TempFolder();
            var path = Path.Combine(temp.Path, "metrics.delivered");
            // A pid above the kernel's largest possible one (4194304) never runs.
            var dead = temp.Write(".metrics.delivered.4194999-0123abcd.tmp", "12");
            var mine = temp.Write($".metrics.delivered.{System.Environment.ProcessId}-4567cdef.tmp", "13");
            var other = temp.Write(".other.json.4194999-0123abcd.tmp", "{}");

            AtomicFile.RemoveLeftovers(path);

            Assert.False(File.Exists(dead));
            Assert.True(File.Exists(mine));
            Assert.True(File.Exists(other));
        }
    }
}
