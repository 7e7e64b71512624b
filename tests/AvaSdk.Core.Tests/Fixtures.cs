using System;
using System.Collections.Generic;
using System.IO;
using AvaSdk.Parsing;

namespace AvaSdk.Core.Tests
{
    /// <summary>The real training logs in ../shared/fixtures beside the repository, and a helper to parse them.</summary>
    public static class Fixtures
    {
        public static string Path(string relative)
        {
            var folder = new DirectoryInfo(AppContext.BaseDirectory);
            while (folder != null && !File.Exists(System.IO.Path.Combine(folder.FullName, "AvaPs.sln")))
                folder = folder.Parent;
            if (folder?.Parent == null)
                throw new InvalidOperationException("The repository root (AvaPs.sln) was not found above " + AppContext.BaseDirectory);
            var path = System.IO.Path.Combine(folder.Parent.FullName, "shared", "fixtures", relative);
            if (!File.Exists(path))
                throw new FileNotFoundException("The shared fixtures must be at ../shared beside the repository.", path);
            return path;
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
