using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AvaSdk.Errors;
using Newtonsoft.Json.Linq;

namespace AvaSdk.Snapshots
{
    /// <summary>
    /// Makes every Nth epoch's snapshot a platform model: packs the copies in SnapshotPath (which the trainer cannot
    /// overwrite) and the other files into a tar.gz in the run folder, and adds it to the run's outbox for Kodo under the
    /// model's key (with the platform's model record, when there is one); the archive is deleted once stored, the copies stay.
    /// </summary>
    public sealed class SnapshotModelHandler : ISnapshotHandler
    {
        private readonly BackgroundSnapshotUploads uploads;
        private readonly string bucket;
        private readonly string trainInstanceId;
        private readonly string? keyPrefix;
        private readonly int epochInterval;
        private readonly IReadOnlyList<string> otherFiles;
        private readonly Func<int, string, string, JObject>? modelRecord;

        /// <param name="keyPrefix">Replaces <see cref="SnapshotModels.DefaultKeyPrefix"/>; null for the platform's layout.</param>
        /// <param name="epochInterval">Only epochs divisible by it become models, as the original's epoch_interval.</param>
        /// <param name="otherFiles">Full paths of files packed into every model beside the snapshot's own.</param>
        /// <param name="modelRecord">The platform's model record for an epoch, bucket and key; null when models are not recorded.</param>
        public SnapshotModelHandler(BackgroundSnapshotUploads uploads, string bucket, string trainInstanceId, string? keyPrefix, int epochInterval,
            IReadOnlyList<string> otherFiles, Func<int, string, string, JObject>? modelRecord = null)
        {
            if (epochInterval < 1)
                throw new ArgumentOutOfRangeException(nameof(epochInterval), epochInterval, "The epoch interval is at least 1.");
            this.uploads = uploads;
            this.bucket = bucket;
            this.trainInstanceId = trainInstanceId;
            this.keyPrefix = keyPrefix;
            this.epochInterval = epochInterval;
            this.otherFiles = otherFiles;
            this.modelRecord = modelRecord;
        }

        public Task HandleAsync(SnapshotEvent snapshot, SnapshotContext context, CancellationToken cancellationToken)
        {
            if (snapshot.Epoch is not int epoch)
                throw new AvaException(AvaErrors.SnapshotEpochUnknown, $"The snapshot at log line {snapshot.Line} (iteration {snapshot.Iteration}) has no epoch (the epoch length is not known), so it did not become a model. Its files are in '{context.SnapshotPath}'.");
            if (epoch % epochInterval != 0)
            {
                context.Log.Information("Snapshot at log line {Line} (epoch {Epoch}) stays in {SnapshotPath:l} only: models are made every {Interval} epochs",
                    snapshot.Line, epoch, context.SnapshotPath, epochInterval);
                return Task.CompletedTask;
            }
            var copies = snapshot.Files.Select(f => CopyOf(context, f))
                .Concat(snapshot.CompanionFiles.Select(f => CopyOf(context, f)).Where(File.Exists));
            var outbox = uploads.Drainer.Outbox;
            var key = SnapshotModels.ArchiveKey(keyPrefix, trainInstanceId, epoch);
            var entry = new SnapshotOutboxEntry(epoch, bucket, key, modelRecord?.Invoke(epoch, bucket, key));
            entry.Archive = outbox.Folder.SnapshotArchive(entry.Name);
            // The archive is complete before its entry exists: an entry always names a whole archive.
            SnapshotArchive.Create(copies.Concat(otherFiles).ToList(), entry.Archive);
            outbox.Add(entry);
            context.Log.Information("Queued the model of epoch {Epoch} ({Archive:l}) for upload to {Bucket:l}/{Key:l}", epoch, entry.Archive, bucket, key);
            uploads.Signal();
            return Task.CompletedTask;
        }

        private static string CopyOf(SnapshotContext context, string named) => Path.Combine(context.SnapshotPath, Path.GetFileName(named));
    }
}
