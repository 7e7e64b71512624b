using System;
using System.Collections.Generic;
using System.IO;
using AvaSdk.Parsing;
using Xunit;

namespace AvaSdk.Core.Tests
{
    /// <summary>The real training logs in ../shared/fixtures beside the repository (or where AVASDK_FIXTURES points),
    /// and a helper to parse them.</summary>
    /// <remarks>They are other projects' files and never committed, so a clone may lack them: a spec that needs one is
    /// then skipped (it must be a [SkippableFact] or [SkippableTheory]) with the reason, unless AVASDK_REQUIRE_FIXTURES=1
    /// (CI), where it fails.</remarks>
    public static class Fixtures
    {
        public static string Path(string relative)
        {
            var root = Environment.GetEnvironmentVariable("AVASDK_FIXTURES");
            if (string.IsNullOrEmpty(root))
            {
                var folder = new DirectoryInfo(AppContext.BaseDirectory);
                while (folder != null && !File.Exists(System.IO.Path.Combine(folder.FullName, "AvaPs.sln")))
                    folder = folder.Parent;
                if (folder?.Parent == null)
                    throw new InvalidOperationException("The repository root (AvaPs.sln) was not found above " + AppContext.BaseDirectory);
                root = System.IO.Path.Combine(folder.Parent.FullName, "shared", "fixtures");
            }
            var path = System.IO.Path.Combine(root, relative);
            if (File.Exists(path))
                return path;
            var why = $"it replays the real log '{relative}', which is not in '{root}' (set AVASDK_FIXTURES to a folder laid out like ../shared/fixtures)";
            if (Environment.GetEnvironmentVariable("AVASDK_REQUIRE_FIXTURES") == "1")
                throw new FileNotFoundException($"AVASDK_REQUIRE_FIXTURES is set and {why}.", path);
            throw new SkipException(why);
        }

        public static ParseOutput ParseAll(ILogParser parser, IEnumerable<string> lines)
        {
            var all = new ParseOutput();
            var output = new ParseOutput();
            long number = 0;
            foreach (var line in lines)
            {
                output.Clear();
                parser.Parse(line, new LogLineContext(++number, DateTimeOffset.UnixEpoch, "test-id"), output);
                all.Metrics.AddRange(output.Metrics);
                all.Snapshots.AddRange(output.Snapshots);
                all.Node ??= output.Node;
            }
            output.Clear();
            parser.Complete(new LogLineContext(number, DateTimeOffset.UnixEpoch, "test-id"), output);
            all.Metrics.AddRange(output.Metrics);
            all.Snapshots.AddRange(output.Snapshots);
            return all;
        }

        public static ParseOutput ParseFixture(ILogParser parser, string relative) => ParseAll(parser, File.ReadLines(Path(relative)));
    }
}
