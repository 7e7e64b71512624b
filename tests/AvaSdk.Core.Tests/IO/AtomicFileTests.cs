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
    }
}
