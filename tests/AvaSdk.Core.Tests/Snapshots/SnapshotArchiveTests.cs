using System;
using System.Collections.Generic;
using System.IO;
using AvaSdk.Errors;
using AvaSdk.Snapshots;
using SharpCompress.Common;
using SharpCompress.Readers;
using Xunit;

namespace AvaSdk.Core.Tests.Snapshots
{
    public sealed class SnapshotArchiveTests : IDisposable
    {
        private readonly TempFolder folder = new TempFolder();

        [Fact]
        public void Each_file_is_a_regular_entry_under_its_file_name_with_its_content_mode_and_time()
        {
            var weights = folder.Write("output/lenet_iter_500.caffemodel", "weights");
            var state = folder.Write("output/lenet_iter_500.solverstate", "state");
            var labels = folder.Write("data/labels.txt", "cat\ndog\n");
            var written = new DateTime(2026, 6, 13, 10, 30, 1, DateTimeKind.Utc);
            File.SetLastWriteTimeUtc(weights, written);
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(state, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            var archive = Path.Combine(folder.Path, "model.tar.gz");

            SnapshotArchive.Create(new[] { weights, state, labels }, archive);

            var entries = ReadWithSharpCompress(archive);
            Assert.Equal(new[] { "lenet_iter_500.caffemodel", "lenet_iter_500.solverstate", "labels.txt" }, entries.ConvertAll(e => e.Name));
            Assert.Equal(new[] { "weights", "state", "cat\ndog\n" }, entries.ConvertAll(e => e.Content));
            Assert.All(entries, e => Assert.False(e.IsDirectory));
            Assert.Equal(written, entries[0].Modified);
            if (!OperatingSystem.IsWindows())
                Assert.Equal(Convert.ToInt32("600", 8), entries[1].Mode & Convert.ToInt32("777", 8));
            Assert.False(File.Exists(archive + ".partial"));
        }

        [Fact]
        public void A_symbolic_link_is_packed_as_the_file_it_points_to()
        {
            if (OperatingSystem.IsWindows())
                return;
            var target = folder.Write("data/synset.txt", "n01440764 tench");
            var link = Path.Combine(folder.Path, "synset-link.txt");
            File.CreateSymbolicLink(link, target);
            var archive = Path.Combine(folder.Path, "model.tar.gz");

            SnapshotArchive.Create(new[] { link }, archive);

            var entry = Assert.Single(ReadWithSharpCompress(archive));
            Assert.Equal(("synset-link.txt", "n01440764 tench", ""), (entry.Name, entry.Content, entry.LinkTarget ?? ""));
        }

        [Fact]
        public void A_missing_file_leaves_no_archive_and_no_partial_file()
        {
            var archive = Path.Combine(folder.Path, "model.tar.gz");
            var error = Assert.Throws<AvaException>(() =>
                SnapshotArchive.Create(new[] { folder.Write("a.params", "x"), Path.Combine(folder.Path, "gone.states") }, archive));
            Assert.Equal("AvaSnapshotFileNotFound", error.ErrorId);
            Assert.Empty(Directory.GetFiles(folder.Path, "model.tar.gz*"));
        }

        [Fact]
        public void Two_files_of_the_same_name_are_refused()
        {
            var archive = Path.Combine(folder.Path, "model.tar.gz");
            var error = Assert.Throws<AvaException>(() =>
                SnapshotArchive.Create(new[] { folder.Write("output/labels.txt", "a"), folder.Write("data/labels.txt", "b") }, archive));
            Assert.Equal("AvaSnapshotArchiveInvalid", error.ErrorId);
            Assert.Contains("labels.txt", error.Message);
            Assert.False(File.Exists(archive));
        }

        [Fact]
        public void An_archive_of_an_earlier_run_is_replaced()
        {
            var archive = folder.Write("model.tar.gz", "not an archive");
            SnapshotArchive.Create(new[] { folder.Write("snapshot-0002.params", "epoch 2") }, archive);
            Assert.Equal("epoch 2", Assert.Single(ReadWithSharpCompress(archive)).Content);
        }

        public void Dispose() => folder.Dispose();

        // An independent reader, so the test does not trust the product's own idea of a tar.gz.
        private static List<(string Name, string Content, bool IsDirectory, DateTime? Modified, int Mode, string? LinkTarget)> ReadWithSharpCompress(string archive)
        {
            var entries = new List<(string, string, bool, DateTime?, int, string?)>();
            using var stream = File.OpenRead(archive);
            using var reader = ReaderFactory.OpenReader(stream, new ReaderOptions());
            Assert.Equal(ArchiveType.Tar, reader.Type);
            while (reader.MoveToNextEntry())
            {
                var entry = reader.Entry;
                Assert.Equal(CompressionType.GZip, entry.CompressionType);
                using var content = new MemoryStream();
                reader.WriteEntryTo(content);
                entries.Add((entry.Key!, System.Text.Encoding.UTF8.GetString(content.ToArray()), entry.IsDirectory,
                    entry.LastModifiedTime?.ToUniversalTime(), (int)((SharpCompress.Common.Tar.TarEntry)entry).Mode, entry.LinkTarget));
            }
            return entries;
        }
    }
}
