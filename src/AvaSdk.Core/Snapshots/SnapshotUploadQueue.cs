using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using AvaSdk.Storage;
using Serilog;

namespace AvaSdk.Snapshots
{
    /// <summary>
    /// The snapshot files of one run waiting to go to Kodo, sent one by one in the background so training never waits;
    /// Complete-AvaTrainInstance waits for the queue to drain. One queue per run folder, for the life of the process.
    /// </summary>
    public sealed class SnapshotUploadQueue
    {
        private static readonly ConcurrentDictionary<string, SnapshotUploadQueue> Queues = new ConcurrentDictionary<string, SnapshotUploadQueue>(StringComparer.Ordinal);

        private readonly Channel<SnapshotUpload> pending = Channel.CreateUnbounded<SnapshotUpload>(new UnboundedChannelOptions { SingleReader = true });
        private readonly ConcurrentQueue<SnapshotUploadFailure> failures = new ConcurrentQueue<SnapshotUploadFailure>();
        private readonly KodoUploader uploader;
        private readonly string bucket;
        private readonly ILogger log;
        private readonly CancellationTokenSource stop = new CancellationTokenSource();
        private long bytesQueued;
        private long bytesSent;
        private int filesQueued;
        private int filesDone;

        private SnapshotUploadQueue(KodoUploader uploader, string bucket, ILogger log)
        {
            this.uploader = uploader;
            this.bucket = bucket;
            this.log = log;
            Task.Run(RunAsync);
        }

        public string Bucket => bucket;

        public int FilesQueued => Volatile.Read(ref filesQueued);

        public int FilesDone => Volatile.Read(ref filesDone);

        public long BytesQueued => Interlocked.Read(ref bytesQueued);

        public long BytesSent => Interlocked.Read(ref bytesSent);

        public bool IsIdle => FilesDone == FilesQueued;

        /// <summary>The run's queue; the first call creates it, with an uploader from <paramref name="createUploader"/>.</summary>
        public static SnapshotUploadQueue For(string runFolder, Func<KodoUploader> createUploader, string bucket, ILogger log) =>
            Queues.GetOrAdd(runFolder, _ => new SnapshotUploadQueue(createUploader(), bucket, log));

        public static SnapshotUploadQueue? Find(string runFolder) => Queues.TryGetValue(runFolder, out var queue) ? queue : null;

        /// <param name="uploaded">Run once the file is stored (the platform's model record); its failure counts as the upload's.</param>
        public void Enqueue(string file, string key, Func<StoredObject, CancellationToken, Task>? uploaded = null)
        {
            Interlocked.Increment(ref filesQueued);
            Interlocked.Add(ref bytesQueued, new FileInfo(file).Length);
            pending.Writer.TryWrite(new SnapshotUpload(file, key, uploaded));
        }

        /// <summary>The uploads that failed for good since the last call.</summary>
        public IReadOnlyList<SnapshotUploadFailure> TakeFailures()
        {
            var taken = new List<SnapshotUploadFailure>();
            while (failures.TryDequeue(out var failure))
                taken.Add(failure);
            return taken;
        }

        /// <summary>Gives up on what is still queued (Ctrl+C at completion); the files stay in the run's snapshot folder.</summary>
        public void Cancel() => stop.Cancel();

        private async Task RunAsync()
        {
            while (await pending.Reader.WaitToReadAsync().ConfigureAwait(false))
            {
                while (pending.Reader.TryRead(out var upload))
                {
                    StoredObject? stored = null;
                    try
                    {
                        stop.Token.ThrowIfCancellationRequested();
                        // A resumed instance sends the same snapshot names again: the newer file wins.
                        var request = new KodoUploadRequest(upload.File, bucket, upload.Key) { Overwrite = true, Parallelism = 2 };
                        stored = await uploader.UploadAsync(request, n => Interlocked.Add(ref bytesSent, n), stop.Token).ConfigureAwait(false);
                        if (upload.Uploaded != null)
                            await upload.Uploaded(stored, stop.Token).ConfigureAwait(false);
                    }
                    catch (Exception ex)
                    {
                        log.Warning("Snapshot {File:l} ({Bucket:l}/{Key:l}): {Problem:l}", upload.File, bucket, upload.Key, ex.Message);
                        failures.Enqueue(new SnapshotUploadFailure(upload.File, upload.Key, ex.Message, stored != null));
                    }
                    finally
                    {
                        Interlocked.Increment(ref filesDone);
                    }
                }
            }
        }

        private readonly struct SnapshotUpload
        {
            public SnapshotUpload(string file, string key, Func<StoredObject, CancellationToken, Task>? uploaded)
            {
                File = file;
                Key = key;
                Uploaded = uploaded;
            }

            public Func<StoredObject, CancellationToken, Task>? Uploaded { get; }

            public string File { get; }

            public string Key { get; }
        }
    }

    public sealed class SnapshotUploadFailure
    {
        public SnapshotUploadFailure(string file, string key, string problem, bool stored)
        {
            File = file;
            Key = key;
            Problem = problem;
            Stored = stored;
        }

        /// <summary>The file reached Kodo; what failed came after (the platform's model record).</summary>
        public bool Stored { get; }

        public string File { get; }

        public string Key { get; }

        public string Problem { get; }
    }

    /// <summary>Queues each snapshot's files (the copies in the run's snapshot folder) for upload under a key prefix.</summary>
    public sealed class SnapshotUploadHandler : ISnapshotHandler
    {
        private readonly SnapshotUploadQueue queue;
        private readonly string keyPrefix;
        private readonly Func<SnapshotEvent, StoredObject, CancellationToken, Task>? snapshotStored;

        /// <param name="snapshotStored">Run once a snapshot's weights file (its first file) is stored.</param>
        public SnapshotUploadHandler(SnapshotUploadQueue queue, string keyPrefix, Func<SnapshotEvent, StoredObject, CancellationToken, Task>? snapshotStored = null)
        {
            this.queue = queue;
            this.keyPrefix = keyPrefix.TrimEnd('/') + "/";
            this.snapshotStored = snapshotStored;
        }

        /// <summary>Where snapshots go when the user names no prefix, as the AVA platform lays out models.</summary>
        public static string DefaultKeyPrefix(string trainInstanceId) => $"ava/default/models/{trainInstanceId}/";

        public Task HandleAsync(SnapshotEvent snapshot, SnapshotContext context, CancellationToken cancellationToken)
        {
            Func<StoredObject, CancellationToken, Task>? stored = snapshotStored == null ? null : (file, token) => snapshotStored(snapshot, file, token);
            // The first file is the model's weights; Caffe's solver state after it is part of the snapshot, not another model.
            for (var i = 0; i < snapshot.Files.Count; i++)
                Enqueue(context, snapshot.Files[i], required: true, i == 0 ? stored : null);
            foreach (var named in snapshot.CompanionFiles)
                Enqueue(context, named, required: false, null);
            return Task.CompletedTask;
        }

        private void Enqueue(SnapshotContext context, string named, bool required, Func<StoredObject, CancellationToken, Task>? stored)
        {
            var name = Path.GetFileName(named);
            var copy = Path.Combine(context.SnapshotPath, name);
            var file = File.Exists(copy) ? copy : Path.GetFullPath(Path.Combine(context.WorkingDirectory, named));
            if (!File.Exists(file))
            {
                if (required)
                    context.Log.Warning("Snapshot file {File:l} does not exist, so it is not uploaded", file);
                return;
            }
            context.Log.Information("Queued snapshot {File:l} for upload to {Bucket:l}/{Key:l}", file, queue.Bucket, keyPrefix + name);
            queue.Enqueue(file, keyPrefix + name, stored);
        }
    }
}
