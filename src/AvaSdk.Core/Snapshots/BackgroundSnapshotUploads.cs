using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace AvaSdk.Snapshots
{
    /// <summary>
    /// A training run's drainer, working in the background so the training never waits for Kodo: each new outbox entry
    /// wakes it. It belongs to the run that started it and to nothing else; what it has not sent when the run's command
    /// ends stays in the outbox, where the next command (Complete-AvaTrainInstance waits for it) finds it.
    /// </summary>
    public sealed class BackgroundSnapshotUploads
    {
        private readonly SnapshotOutboxDrainer drainer;
        private readonly SemaphoreSlim wake = new SemaphoreSlim(0);
        private readonly CancellationTokenSource stop = new CancellationTokenSource();
        private volatile bool finishing;

        /// <summary>Starts draining at once: entries an earlier run left go first.</summary>
        public BackgroundSnapshotUploads(SnapshotOutboxDrainer drainer)
        {
            this.drainer = drainer;
            wake.Release();
            Finished = Task.Run(LoopAsync);
        }

        public SnapshotOutboxDrainer Drainer => drainer;

        /// <summary>Completes once the last pass after <see cref="Finish"/> is over (or <see cref="Cancel"/> was called).</summary>
        public Task Finished { get; }

        /// <summary>An entry was added.</summary>
        public void Signal() => wake.Release();

        /// <summary>No more entries will come: one last pass, then the drainer is disposed.</summary>
        public void Finish()
        {
            finishing = true;
            wake.Release();
        }

        /// <summary>Ctrl+C: stops the upload at hand; its entry and the rest stay in the outbox.</summary>
        public void Cancel()
        {
            finishing = true;
            stop.Cancel();
            wake.Release();
        }

        private async Task LoopAsync()
        {
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    await wake.WaitAsync().ConfigureAwait(false);
                    var last = finishing;
                    // Several wake-ups while a pass ran are one more pass.
                    while (wake.CurrentCount > 0)
                        await wake.WaitAsync().ConfigureAwait(false);
                    // What failed stays in the outbox, for Complete-AvaTrainInstance and the next command.
                    await drainer.DrainOnceAsync(stop.Token).ConfigureAwait(false);
                    if (last)
                        break;
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // Stopped: the outbox keeps what was not sent.
            }
            finally
            {
                drainer.Dispose();
            }
        }
    }
}
