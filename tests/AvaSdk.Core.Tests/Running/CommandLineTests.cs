using System.Diagnostics;
using System.Linq;
using AvaSdk.Running;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace AvaSdk.Core.Tests.Running
{
    public class CommandLineTests
    {
        [Theory]
        [InlineData(new[] { "train", "-solver", "s.prototxt" }, "train -solver s.prototxt")]
        [InlineData(new[] { "two words" }, "\"two words\"")]
        [InlineData(new[] { "" }, "\"\"")]
        [InlineData(new[] { "say \"hi\"" }, "\"say \\\"hi\\\"\"")]
        [InlineData(new[] { "C:\\dir with space\\" }, "\"C:\\dir with space\\\\\"")]
        [InlineData(new[] { "a\\\\b" }, "a\\\\b")]
        public void Quotes_only_what_needs_it(string[] arguments, string expected)
        {
            Assert.Equal(expected, CommandLine.Join(arguments));
        }

        [Property(MaxTest = 25)]
        public Property A_child_process_receives_the_arguments_unchanged()
        {
            var text = Gen.Elements("a", "b c", "\"", "\\", "\\\"", " ", "\t", "x\\", "=", "'", "é").ArrayOf().Select(parts => string.Concat(parts));
            return Prop.ForAll(text.ArrayOf().Where(a => a.Length > 0 && a.Length < 6).ToArbitrary(), arguments =>
            {
                var start = new ProcessStartInfo("/bin/sh", CommandLine.Join(new[] { "-c", "for a in \"$@\"; do printf '%s\\0' \"$a\"; done", "sh" }.Concat(arguments)))
                {
                    RedirectStandardOutput = true,
                    UseShellExecute = false,
                };
                using var process = Process.Start(start)!;
                var output = process.StandardOutput.ReadToEnd();
                process.WaitForExit();
                var received = output.Split('\0').SkipLast(1).ToArray();
                return received.SequenceEqual(arguments);
            });
        }
    }
}
