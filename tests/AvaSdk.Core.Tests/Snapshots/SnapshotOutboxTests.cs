using System.IO;
using System.Linq;
using AvaSdk.Snapshots;
using AvaSdk.Training;
using Newtonsoft.Json.Linq;
using Xunit;

namespace AvaSdk.Core.Tests.Snapshots
{
    public sealed class SnapshotOutboxTests
    {
        [Fact]
        public void A_resumed_runs_archive_of_an_epoch_is_an_entry_of_its_own_sent_after_the_older_one()
        {
            using var folder = new TempFolder();
            var outbox = new SnapshotOutbox(RunFolder.Of(folder.Path));
            var older = Entry(outbox, 5);
            var other = Entry(outbox, 3);
            var newer = Entry(outbox, 5);

            Assert.Equal(new[] { other.Name, older.Name, newer.Name }, outbox.Entries().Select(e => e.Name));
            Assert.NotEqual(older.Archive, newer.Archive);
            outbox.Remove(older);
            Assert.Equal(new[] { other.Name, newer.Name }, outbox.Entries().Select(e => e.Name));
        }

        [Fact]
        public void An_entry_reads_back_as_written_its_times_still_strings()
        {
            using var folder = new TempFolder();
            var outbox = new SnapshotOutbox(RunFolder.Of(folder.Path));
            var written = new SnapshotOutboxEntry(7, "b", "k/model.tar.gz", (JObject)JToken.ReadFrom(
                new Newtonsoft.Json.JsonTextReader(new StringReader("{\"name\":\"m\",\"trainingRef\":{\"startTime\":\"2026-06-13T10:00:00.000+08:00\"}}"))
                { DateParseHandling = Newtonsoft.Json.DateParseHandling.None }));
            written.Archive = outbox.Folder.SnapshotArchive(written.Name);
            outbox.Add(written);

            var read = Assert.Single(outbox.Entries());
            Assert.Equal((7, written.Sequence, written.Archive, "b", "k/model.tar.gz"), (read.Epoch, read.Sequence, read.Archive, read.Bucket, read.Key));
            Assert.Equal(JTokenType.String, read.Model!["trainingRef"]!["startTime"]!.Type);
            Assert.Equal("2026-06-13T10:00:00.000+08:00", (string)read.Model["trainingRef"]!["startTime"]!);
            Assert.Null(read.StoredAt);
        }

        [Fact]
        public void Leftovers_go_and_what_is_owed_stays()
        {
            using var folder = new TempFolder();
            var run = RunFolder.Of(folder.Path);
            var outbox = new SnapshotOutbox(run);
            var owed = Entry(outbox, 2);
            // Killed between the archive and its entry, and in the middle of an archive.
            var orphan = run.SnapshotArchive("4.638000000000000000");
            File.WriteAllText(orphan, "whole, but no entry names it");
            File.WriteAllText(run.SnapshotArchive("6.638000000000000001") + ".partial", "half");
            // What AvaSdk 0.1.0 left after a failed upload: the user may still send it with Send-AvaFile.
            var legacy = Path.Combine(folder.Path, "snapshot-model-epoch_1.tar.gz");
            File.WriteAllText(legacy, "0.1.0");

            outbox.RemoveLeftovers();

            Assert.True(File.Exists(owed.Archive));
            Assert.True(File.Exists(legacy));
            Assert.False(File.Exists(orphan));
            Assert.Empty(Directory.GetFiles(folder.Path, "*.partial"));
            Assert.Single(outbox.Entries());
        }

        private static SnapshotOutboxEntry Entry(SnapshotOutbox outbox, int epoch)
        {
            var entry = new SnapshotOutboxEntry(epoch, "bucket", $"models/epoch_{epoch}/model.tar.gz", null);
            entry.Archive = outbox.Folder.SnapshotArchive(entry.Name);
            File.WriteAllText(entry.Archive, "archive");
            outbox.Add(entry);
            return entry;
        }
    }
}
