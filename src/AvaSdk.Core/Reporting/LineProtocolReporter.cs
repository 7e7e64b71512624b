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
    /// for what still fails, replayed after the next successful send.
    /// </summary>
    public sealed class LineProtocolReporter : IMetricReporter, IDisposable
    {
        public const int BatchSize = 1000;

        private readonly LineProtocolClient client;
        private readonly MetricSpool spool;
        private readonly Channel<string> queue;
        private readonly TimeSpan batchWindow;
        private readonly Task sender;
        private readonly CancellationTokenSource abandon = new CancellationTokenSource();
        private long notRepresentable;
        private volatile bool completing;
        private volatile bool failedWhileCompleting;
        private long lastIteration = -1;

        public LineProtocolReporter(LineProtocolClient client, MetricSpool spool, int capacity = 100_000, TimeSpan? batchWindow = null)
        {
            this.client = client;
            this.spool = spool;
            this.batchWindow = batchWindow ?? TimeSpan.FromMilliseconds(500);
            queue = Channel.CreateBounded<string>(new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
            sender = Task.Run(SendLoopAsync);
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
            var point = LineProtocol.Encode(metric);
            if (point == null)
                Interlocked.Increment(ref notRepresentable);
            else
                Enqueue(point);
            // Called from the single processing thread, so the iteration check needs no lock.
            if (PlatformProgress && metric.Phase == MetricPhase.Train && metric.Iteration is long iteration && metric.Batch != null && iteration > lastIteration)
            {
                lastIteration = iteration;
                foreach (var progress in LineProtocol.ProgressPoints(metric, SamplesPerIteration, TrainSamples))
                    Enqueue(progress);
            }
        }

        private void Enqueue(string point)
        {
            if (!queue.Writer.TryWrite(point))
                spool.Append(new[] { point });
        }

        public void Flush()
        {
        }

        public async Task<ReportOutcome> CompleteAsync(CancellationToken cancellationToken)
        {
            completing = true;
            queue.Writer.TryComplete();
            using (cancellationToken.Register(abandon.Cancel))
                await sender.ConfigureAwait(false);
            var undelivered = spool.Count;
            return new ReportOutcome(undelivered, undelivered > 0 ? spool.Path : null, Interlocked.Read(ref notRepresentable));
        }

        public void Dispose()
        {
            abandon.Cancel();
            client.Dispose();
            abandon.Dispose();
        }

        private async Task SendLoopAsync()
        {
            var batch = new List<string>(BatchSize);
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
                await SendAsync(batch).ConfigureAwait(false);
                batch.Clear();
            }
        }

        private async Task SendAsync(List<string> batch)
        {
            // Once the run is over and the endpoint still fails, waiting out retries for every batch would only delay the
            // script: the rest goes to the spool, which Complete-AvaTrainInstance replays.
            if (abandon.IsCancellationRequested || failedWhileCompleting)
            {
                spool.Append(batch);
                return;
            }
            bool sent;
            try
            {
                sent = await client.SendAsync(batch, abandon.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                sent = false;
            }
            if (!sent)
            {
                failedWhileCompleting = completing;
                spool.Append(batch);
                return;
            }
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
