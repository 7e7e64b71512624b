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
    /// The snapshot model archives of one run waiting to go to Kodo, sent one by one in the background so training never waits;
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

        /// <param name="uploaded">Run once the file is stored (the archive's removal, the platform's model record); its failure counts as the upload's.</param>
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

        /// <summary>Gives up on what is still queued (Ctrl+C at completion); the archives stay in the run folder.</summary>
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
                        // A resumed instance sends the same epochs again: the newer archive wins.
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
}
