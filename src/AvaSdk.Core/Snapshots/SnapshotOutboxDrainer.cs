using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AvaSdk.Errors;
using AvaSdk.Http;
using AvaSdk.Platform;
using AvaSdk.Storage;
using AvaSdk.Training;
using Newtonsoft.Json.Linq;
using Serilog;

namespace AvaSdk.Snapshots
{
    /// <summary>
    /// Sends what a run's <see cref="SnapshotOutbox"/> holds: each archive to Kodo (resumable), then its model record to the
    /// platform, in epoch order, under the outbox's lock. Whatever fails stays in the outbox, with why, for the next pass.
    /// </summary>
    public sealed class SnapshotOutboxDrainer : IDisposable
    {
        private readonly SnapshotOutbox outbox;
        private readonly KodoSettings kodo;
        private readonly AvaApiClient? api;
        private readonly ILogger log;
        private KodoUploader? uploader;
        private ServiceHttp? http;
        private long bytesSent;
        private long bytesOwed;
        private int filesOwed;
        private int filesDone;

        /// <param name="api">Records the models; null when the run records none (local mode), or no API host is configured.</param>
        public SnapshotOutboxDrainer(SnapshotOutbox outbox, KodoSettings kodo, AvaApiClient? api, ILogger log)
        {
            this.outbox = outbox;
            this.kodo = kodo;
            this.api = api;
            this.log = log;
        }

        /// <summary>A drainer for <paramref name="folder"/> as the workspace's configuration gives it credentials and the platform.</summary>
        /// <exception cref="AvaException">AvaConfigInvalid: a damaged config file.</exception>
        public static SnapshotOutboxDrainer For(RunFolder folder, PlatformConfig config, ILogger log) =>
            new SnapshotOutboxDrainer(new SnapshotOutbox(folder), KodoSettings.Resolve(config, null, null, null, null), AvaApiClient.Configured(config), log);

        public SnapshotOutbox Outbox => outbox;

        /// <summary>The activity whose progress <see cref="ProgressStatus"/> and <see cref="ProgressPercent"/> describe.</summary>
        public const string ProgressActivity = "Uploading snapshot models";

        /// <summary>The pass going on, in words: models and MiB sent of those owed.</summary>
        public string ProgressStatus => $"{FilesDone} of {FilesOwed} model(s), {BytesSent / 1048576.0:0.0} of {BytesOwed / 1048576.0:0.0} MiB";

        /// <summary>The share of the archive bytes sent, or -1 when nothing is owed.</summary>
        public int ProgressPercent => BytesOwed > 0 ? (int)(Math.Min(BytesSent, BytesOwed) * 100 / BytesOwed) : -1;

        /// <summary>Progress of the pass going on (or the last one): files and archive bytes owed, and sent.</summary>
        public int FilesOwed => Volatile.Read(ref filesOwed);

        public int FilesDone => Volatile.Read(ref filesDone);

        public long BytesOwed => Interlocked.Read(ref bytesOwed);

        public long BytesSent => Interlocked.Read(ref bytesSent);

        /// <summary>
        /// One pass: every entry once, including those added meanwhile. Returns the entries that failed (they stay in the
        /// outbox), or null when another drainer holds the outbox. Cancelling stops the upload at hand; its entry stays.
        /// </summary>
        public async Task<IReadOnlyList<SnapshotOutboxEntry>?> DrainOnceAsync(CancellationToken cancellationToken)
        {
            using var held = outbox.TryLock();
            if (held == null)
                return null;
            var failed = new List<SnapshotOutboxEntry>();
            var tried = new HashSet<string>(StringComparer.Ordinal);
            Interlocked.Exchange(ref bytesSent, 0);
            Volatile.Write(ref filesDone, 0);
            while (true)
            {
                var entries = outbox.Entries().Where(e => !tried.Contains(e.Name)).ToList();
                if (entries.Count == 0)
                    break;
                Interlocked.Exchange(ref filesOwed, tried.Count + entries.Count);
                Interlocked.Exchange(ref bytesOwed, BytesSent + entries.Sum(e => e.StoredAt == null && File.Exists(e.Archive) ? new FileInfo(e.Archive).Length : 0));
                var entry = entries[0];
                tried.Add(entry.Name);
                try
                {
                    await SendAsync(entry, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (!(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
                {
                    entry.Problem = ex.Message;
                    TrySave(entry);
                    failed.Add(entry);
                    log.Warning("Snapshot model of epoch {Epoch} ({Archive:l}, {Bucket:l}/{Key:l}): {Problem:l}", entry.Epoch, entry.Archive, entry.Bucket, entry.Key, ex.Message);
                }
                finally
                {
                    Interlocked.Increment(ref filesDone);
                }
            }
            return failed;
        }

        private async Task SendAsync(SnapshotOutboxEntry entry, CancellationToken cancellationToken)
        {
            if (entry.StoredAt == null)
            {
                if (!File.Exists(entry.Archive))
                    throw new AvaException(AvaErrors.SnapshotArchiveMissing, $"the archive '{entry.Archive}' is gone, so it cannot be uploaded; the snapshot's files are still in the run's output folder.", entry.Archive);
                // A resumed instance sends the same epochs again: the newer archive wins.
                var request = new KodoUploadRequest(entry.Archive, entry.Bucket, entry.Key) { Overwrite = true, Parallelism = 2 };
                await Uploader().UploadAsync(request, n => Interlocked.Add(ref bytesSent, n), cancellationToken).ConfigureAwait(false);
                entry.StoredAt = DateTimeOffset.Now;
                entry.Problem = null;
                if (entry.Model != null)
                    outbox.Save(entry);
                File.Delete(entry.Archive);
            }
            if (entry.Model != null && api == null)
                throw new AvaException(AvaErrors.ConfigMissing, $"the archive is stored, but its model record cannot be sent: no AVA API host is configured (${PlatformConfig.ApiHostVariable} or the worker config file).");
            await RecordAsync(outbox, entry, api, log, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>
        /// Sends the model records of archives already stored (they need no Kodo credentials), unless another drainer holds
        /// the outbox. Returns how many were sent; stops at the first failure, and throws it. An outbox that owes no record
        /// is left as it is (not even locked): every command looks at every run folder of the workspace.
        /// </summary>
        public static async Task<int> SendStoredModelsAsync(SnapshotOutbox outbox, AvaApiClient api, ILogger log, CancellationToken cancellationToken)
        {
            if (!outbox.Entries().Any(e => e.StoredAt != null && e.Model != null))
                return 0;
            using var held = outbox.TryLock();
            if (held == null)
                return 0;
            var sent = 0;
            foreach (var entry in outbox.Entries().Where(e => e.StoredAt != null && e.Model != null))
            {
                await RecordAsync(outbox, entry, api, log, cancellationToken).ConfigureAwait(false);
                sent++;
            }
            return sent;
        }

        // The entry's model record, stamped with its archive's upload time; then the entry is done.
        private static async Task RecordAsync(SnapshotOutbox outbox, SnapshotOutboxEntry entry, AvaApiClient? api, ILogger log, CancellationToken cancellationToken)
        {
            if (entry.Model != null && api != null)
            {
                var model = PlatformReports.WithUploadTime(entry.Model, entry.StoredAt!.Value);
                await api.CreateModelAsync(model, cancellationToken).ConfigureAwait(false);
                log.Information("Recorded model {Name:l} on the AVA platform", (string?)model["name"]);
            }
            outbox.Remove(entry);
        }

        private void TrySave(SnapshotOutboxEntry entry)
        {
            try
            {
                outbox.Save(entry);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                // The reason is only a courtesy for the next reader; the entry itself is still on disk.
            }
        }

        private KodoUploader Uploader()
        {
            if (uploader != null)
                return uploader;
            http ??= new ServiceHttp(HttpServiceRules.Kodo, kodo.Http.With(maxRetry: 5), log);
            return uploader = KodoUploader.From(kodo, http, log, "upload snapshot models", kodo.ResumeFolder);
        }

        public void Dispose()
        {
            http?.Dispose();
            api?.Dispose();
        }
    }
}
