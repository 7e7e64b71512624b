using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;

namespace AvaSdk.Reporting
{
    /// <summary>
    /// Sends metrics as line protocol from a background task: a bounded queue (never waited on: when it is full,
    /// points go straight to the spool), batches of up to <see cref="BatchSize"/> points, retries, and the spool
    /// for what still fails, replayed after the next successful send. With a <see cref="MetricJournal"/>, each point
    /// knows its record in metrics.jsonl, the records handled (sent or spooled) are saved after every batch, and a
    /// run starts by sending again what a killed one had written but not handled.
    /// </summary>
    public sealed class LineProtocolReporter : IMetricReporter, IDisposable
    {
        public const int BatchSize = 1000;

        private readonly LineProtocolClient client;
        private readonly MetricSpool spool;
        private readonly Channel<(string Point, long Record)> queue;
        private readonly MetricJournal? journal;
        private long nextRecord;
        // The first record of this run (after those Recover queued again), and the first given up (GiveUpAfter).
        private long runStart;
        private long givenUpFrom = long.MaxValue;
        // Records below it are on disk in metrics.jsonl: only their points may leave, so a crash never leaves the
        // endpoint holding a metric that metrics.jsonl lost.
        private long flushedUpTo;
        private readonly TimeSpan batchWindow;
        private readonly Task sender;
        private readonly CancellationTokenSource abandon = new CancellationTokenSource();
        private long notRepresentable;
        private volatile bool completing;
        private volatile bool failedWhileCompleting;
        private long lastIteration = -1;

        public LineProtocolReporter(LineProtocolClient client, MetricSpool spool, int capacity = 100_000, TimeSpan? batchWindow = null, MetricJournal? journal = null)
        {
            this.client = client;
            this.spool = spool;
            this.journal = journal;
            this.batchWindow = batchWindow ?? TimeSpan.FromMilliseconds(500);
            queue = Channel.CreateBounded<(string, long)>(new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
            sender = Task.Run(SendLoopAsync);
        }

        /// <summary>
        /// Queues again the records of metrics.jsonl that a run killed before it sent them left behind; the metrics this
        /// run reports are numbered after them. Call once, before the first <see cref="Report"/>.
        /// </summary>
        public long Recover()
        {
            if (journal == null)
                return 0;
            var (delivered, count) = journal.Undelivered();
            nextRecord = delivered;
            if (delivered < count)
            {
                foreach (var metric in journal.ReadFrom(delivered))
                {
                    if (metric == null)
                        nextRecord++;
                    else
                        Report(metric);
                }
            }
            Volatile.Write(ref flushedUpTo, nextRecord);
            runStart = nextRecord;
            return count - delivered;
        }

        /// <summary>
        /// Adds the AVA platform's progress points (sample_num, meta_info) after each training metric of a step (it has an
        /// iteration and a batch; a scheduler's learning rate has no batch) at a new iteration; they are part of the
        /// probe's protocol, not metrics, so only platform instances send them.
        /// </summary>
        public bool PlatformProgress { get; set; }

        /// <summary>Samples per training iteration (batch size × GPUs), for the sample_num points.</summary>
        public long? SamplesPerIteration { get; set; }

        /// <summary>Samples in the training set, for MXNet's sample_num points (whole epochs count it).</summary>
        public long? TrainSamples { get; set; }

        public void Report(Metric metric)
        {
            if (nextRecord >= Volatile.Read(ref givenUpFrom))
                return;
            var record = nextRecord++;
            var point = LineProtocol.Encode(metric);
            if (point == null)
                Interlocked.Increment(ref notRepresentable);
            else
                Enqueue(point, record);
            // Called from the single processing thread, so the iteration check needs no lock.
            if (PlatformProgress && metric.Phase == MetricPhase.Train && metric.Iteration is long iteration && metric.Batch != null && iteration > lastIteration)
            {
                lastIteration = iteration;
                foreach (var progress in LineProtocol.ProgressPoints(metric, SamplesPerIteration, TrainSamples))
                    Enqueue(progress, record);
            }
        }

        private void Enqueue(string point, long record)
        {
            if (!queue.Writer.TryWrite((point, record)))
                spool.Append(new[] { point });
        }

        /// <summary>Called right after metrics.jsonl was flushed: the records reported so far are on disk.</summary>
        public void Flush() => Volatile.Write(ref flushedUpTo, Math.Min(nextRecord, Volatile.Read(ref givenUpFrom)));

        public void GiveUpAfter(long kept)
        {
            Volatile.Write(ref givenUpFrom, Math.Min(Volatile.Read(ref givenUpFrom), runStart + kept));
            nextRecord = Math.Min(nextRecord, givenUpFrom);
            Volatile.Write(ref flushedUpTo, givenUpFrom);
        }

        public async Task<ReportOutcome> CompleteAsync(CancellationToken cancellationToken)
        {
            completing = true;
            Flush();
            queue.Writer.TryComplete();
            using (cancellationToken.Register(abandon.Cancel))
                await sender.ConfigureAwait(false);
            // Every metric reported is now sent, spooled, not representable or given up.
            SaveHandled(nextRecord);
            var undelivered = spool.Count;
            return new ReportOutcome(undelivered, undelivered > 0 ? spool.Path : null, Interlocked.Read(ref notRepresentable));
        }

        private void SaveHandled(long handled)
        {
            try
            {
                journal?.Save(handled);
            }
            catch (Exception ex) when (ex is System.IO.IOException || ex is UnauthorizedAccessException)
            {
                // Costs at most a resend of points already delivered, which the endpoint takes as the same points.
            }
        }

        public void Dispose()
        {
            abandon.Cancel();
            client.Dispose();
            abandon.Dispose();
        }

        private async Task SendLoopAsync()
        {
            var batch = new List<(string Point, long Record)>(BatchSize);
            var reader = queue.Reader;
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                // Gather for a moment so that a fast log makes few large posts rather than many small ones.
                var deadline = DateTime.UtcNow + batchWindow;
                while (batch.Count < BatchSize)
                {
                    if (reader.TryRead(out var point))
                    {
                        batch.Add(point);
                        continue;
                    }
                    var wait = deadline - DateTime.UtcNow;
                    if (wait <= TimeSpan.Zero || reader.Completion.IsCompleted)
                        break;
                    var more = reader.WaitToReadAsync().AsTask();
                    if (await Task.WhenAny(more, Task.Delay(wait)).ConfigureAwait(false) != more || !await more.ConfigureAwait(false))
                        break;
                }
                while (journal != null && batch[batch.Count - 1].Record >= Volatile.Read(ref flushedUpTo) && batch[batch.Count - 1].Record < Volatile.Read(ref givenUpFrom) && !abandon.IsCancellationRequested)
                    await Task.Delay(20).ConfigureAwait(false);
                batch.RemoveAll(entry => entry.Record >= Volatile.Read(ref givenUpFrom));
                if (batch.Count > 0)
                    await SendAsync(batch).ConfigureAwait(false);
                batch.Clear();
            }
        }

        private async Task SendAsync(List<(string Point, long Record)> batch)
        {
            var points = batch.ConvertAll(entry => entry.Point);
            // The last record may have points in the next batch still: it counts as handled only with them.
            var handled = batch[batch.Count - 1].Record;
            // Once the run is over and the endpoint still fails, waiting out retries for every batch would only delay the
            // script: the rest goes to the spool, which Complete-AvaTrainInstance replays.
            if (abandon.IsCancellationRequested || failedWhileCompleting)
            {
                spool.Append(points);
                SaveHandled(handled);
                return;
            }
            bool sent;
            try
            {
                sent = await client.SendAsync(points, abandon.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                sent = false;
            }
            if (!sent)
            {
                failedWhileCompleting = completing;
                spool.Append(points);
                SaveHandled(handled);
                return;
            }
            SaveHandled(handled);
            try
            {
                await spool.ReplayAsync(client.SendAsync, BatchSize, abandon.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // The spool keeps what was not replayed.
            }
        }
    }
}
