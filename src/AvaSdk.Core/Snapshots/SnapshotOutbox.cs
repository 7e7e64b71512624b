using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using AvaSdk.IO;
using AvaSdk.Training;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace AvaSdk.Snapshots
{
    /// <summary>
    /// What a run owes outside the node for its snapshot models, kept as files in the run folder's <c>outbox/</c>, so
    /// nothing owed lives only in a process: an entry is written once its archive is complete, rewritten when the archive
    /// is stored, and removed when its model is recorded too. A killed or stopped command leaves its entries for the next
    /// (see <see cref="SnapshotOutboxDrainer"/>); one drainer at a time holds the outbox's lock.
    /// </summary>
    public sealed class SnapshotOutbox
    {
        private const string EntryPrefix = "snapshot-epoch_";

        public SnapshotOutbox(RunFolder folder)
        {
            Folder = folder;
        }

        public RunFolder Folder { get; }

        public string Path => Folder.Outbox;

        /// <summary>
        /// Records that <paramref name="entry"/>'s archive is owed. A resumed run's archive of an epoch already owed is an
        /// entry of its own, sent after the older one, so the newer one wins in Kodo and neither is touched while in flight.
        /// </summary>
        public void Add(SnapshotOutboxEntry entry)
        {
            Directory.CreateDirectory(Path);
            Save(entry);
        }

        /// <summary>The entries, oldest epoch first; a damaged one (a crash cannot make one, a person can) is skipped.</summary>
        public IReadOnlyList<SnapshotOutboxEntry> Entries()
        {
            if (!Directory.Exists(Path))
                return Array.Empty<SnapshotOutboxEntry>();
            var entries = new List<SnapshotOutboxEntry>();
            foreach (var file in Directory.EnumerateFiles(Path, EntryPrefix + "*.json"))
            {
                try
                {
                    entries.Add(SnapshotOutboxEntry.FromJson(IO.JsonText.ParseObject(File.ReadAllText(file))));
                }
                catch (Exception ex) when (ex is JsonException || ex is IOException || ex is FormatException || ex is InvalidCastException || ex is ArgumentException)
                {
                    // Gone (drained meanwhile) or damaged: not an entry to act on.
                }
            }
            return entries.OrderBy(e => e.Epoch).ThenBy(e => e.Sequence).ToList();
        }

        internal void Save(SnapshotOutboxEntry entry) => AtomicFile.WriteAllText(EntryPath(entry), entry.ToJson().ToString(Formatting.Indented));

        internal void Remove(SnapshotOutboxEntry entry) => File.Delete(EntryPath(entry));

        /// <summary>
        /// Removes what a run killed mid-write left: entries' temp files, half-written archives, and whole archives whose
        /// entry was never written. Only the instance's owner calls it, before its run starts, when no archive is being built.
        /// </summary>
        public void RemoveLeftovers()
        {
            if (Directory.Exists(Path))
            {
                foreach (var entry in Directory.EnumerateFiles(Path, EntryPrefix + "*.json"))
                    AtomicFile.RemoveLeftovers(entry);
            }
            if (!Directory.Exists(Folder.Path))
                return;
            var owed = new HashSet<string>(Entries().Select(e => e.Archive), StringComparer.Ordinal);
            var pattern = System.IO.Path.GetFileName(Folder.SnapshotArchive("*.*"));
            foreach (var archive in Directory.EnumerateFiles(Folder.Path, pattern).Concat(Directory.EnumerateFiles(Folder.Path, pattern + ".partial")))
            {
                if (!owed.Contains(archive))
                    File.Delete(archive);
            }
        }

        /// <summary>The outbox's lock (see <see cref="FileLock"/>), or null when another drainer holds it.</summary>
        public IDisposable? TryLock()
        {
            Directory.CreateDirectory(Path);
            return FileLock.TryTake(System.IO.Path.Combine(Path, ".drain.lock"), out _);
        }

        private string EntryPath(SnapshotOutboxEntry entry) => System.IO.Path.Combine(Path, $"{EntryPrefix}{entry.Name}.json");
    }

    /// <summary>One epoch's model owed: its archive to store under <see cref="Key"/>, then its record for the platform.</summary>
    public sealed class SnapshotOutboxEntry
    {
        /// <summary>A new entry, for an archive to be built at <see cref="RunFolder.SnapshotArchive"/> of its <see cref="Name"/>.</summary>
        public SnapshotOutboxEntry(int epoch, string bucket, string key, JObject? model)
            : this(epoch, DateTime.UtcNow.Ticks, null, bucket, key, model)
        {
        }

        private SnapshotOutboxEntry(int epoch, long sequence, string? archive, string bucket, string key, JObject? model)
        {
            Epoch = epoch;
            Sequence = sequence;
            Archive = archive ?? string.Empty;
            Bucket = bucket;
            Key = key;
            Model = model;
        }

        public int Epoch { get; }

        /// <summary>When the entry was made (UTC ticks): orders two entries of one epoch, and tells their files apart.</summary>
        public long Sequence { get; }

        /// <summary>The name of the entry and of its archive: the epoch and the sequence.</summary>
        public string Name => $"{Epoch.ToString(CultureInfo.InvariantCulture)}.{Sequence.ToString(CultureInfo.InvariantCulture)}";

        /// <summary>The archive's full path (in the run folder), deleted once stored.</summary>
        public string Archive { get; internal set; }

        public string Bucket { get; }

        public string Key { get; }

        /// <summary>The platform's model record, without its upload time; null when the run records no models.</summary>
        public JObject? Model { get; }

        /// <summary>Set once the archive is stored: only the model record is still owed.</summary>
        public DateTimeOffset? StoredAt { get; internal set; }

        /// <summary>Why the last try failed, if it did.</summary>
        public string? Problem { get; internal set; }

        /// <summary>What failed, for a warning: the upload, or (once stored) the model record.</summary>
        public Errors.AvaError Failure => StoredAt != null ? Errors.AvaErrors.PlatformUnreachable : Errors.AvaErrors.UploadFailed;

        /// <summary>The warning for an entry whose last try failed, and what keeps it owed.</summary>
        public string DescribeFailure(string outboxPath) => StoredAt != null
            ? $"Snapshot model of epoch {Epoch} was uploaded to {Bucket}/{Key}, but its model record was not sent: {Problem} It is kept in '{outboxPath}'; the next AvaSdk command in this workspace sends it."
            : $"Snapshot '{Archive}' was not uploaded to {Bucket}/{Key}: {Problem} It is kept on disk and in '{outboxPath}'; the next AvaSdk command in this run folder tries again.";

        internal JObject ToJson() => new JObject
        {
            ["epoch"] = Epoch,
            ["sequence"] = Sequence,
            ["archive"] = Archive,
            ["bucket"] = Bucket,
            ["key"] = Key,
            ["model"] = Model,
            ["storedAt"] = StoredAt?.ToString("o", CultureInfo.InvariantCulture),
            ["problem"] = Problem,
        };

        internal static SnapshotOutboxEntry FromJson(JObject json) =>
            new SnapshotOutboxEntry((int)json["epoch"]!, (long)json["sequence"]!, (string)json["archive"]!, (string)json["bucket"]!, (string)json["key"]!, json["model"] as JObject)
            {
                StoredAt = json["storedAt"]?.Type == JTokenType.String
                    ? DateTimeOffset.Parse((string)json["storedAt"]!, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind)
                    : (DateTimeOffset?)null,
                Problem = (string?)json["problem"],
            };
    }
}
