using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using AvaSdk.Errors;
using AvaSdk.Logging;

namespace AvaSdk.PowerShell.Infrastructure
{
    /// <summary>
    /// Runs transfers off the pipeline thread, a few at a time, and hands their results, errors, log lines and
    /// progress back to the cmdlet's own thread, the only one that writes to the pipeline.
    /// </summary>
    internal sealed class TransferPump : IDisposable
    {
        private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(250);
        private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(10);

        private readonly AvaCmdlet cmdlet;
        private readonly LogCapture capture = LogCapture.Begin();
        private readonly SemaphoreSlim slots;
        private readonly CancellationTokenSource stop = new CancellationTokenSource();
        private readonly BlockingCollection<Outcome> outcomes = new BlockingCollection<Outcome>();
        private readonly ProgressRecord progress;
        private readonly Stopwatch clock = Stopwatch.StartNew();
        private TimeSpan lastProgress = -ProgressInterval;
        private long bytesDone;
        private long bytesTotal;
        private int started;
        private int finished;
        private int pending;

        public TransferPump(AvaCmdlet cmdlet, int parallelism, int activityId, string activity)
        {
            this.cmdlet = cmdlet;
            slots = new SemaphoreSlim(parallelism);
            progress = new ProgressRecord(activityId, activity, "Starting");
        }

        public CancellationToken Token => stop.Token;

        /// <summary>
        /// Queues one transfer. <paramref name="work"/> gets a byte counter, a way to tell the size, and the stop token;
        /// it returns the object to write, or throws <see cref="AvaException"/> for a non-terminating error.
        /// </summary>
        public void Start(object target, long? size, Func<Action<long>, Action<long>, CancellationToken, Task<object>> work)
        {
            started++;
            pending++;
            if (size is long known)
                Interlocked.Add(ref bytesTotal, known);
            var sizeTold = size.HasValue;
            Task.Run(async () =>
            {
                try
                {
                    await slots.WaitAsync(stop.Token).ConfigureAwait(false);
                    try
                    {
                        var result = await work(n => Interlocked.Add(ref bytesDone, n), n =>
                        {
                            if (!sizeTold)
                                Interlocked.Add(ref bytesTotal, n);
                            sizeTold = true;
                        }, stop.Token).ConfigureAwait(false);
                        outcomes.Add(new Outcome(target, result, null));
                    }
                    finally
                    {
                        slots.Release();
                    }
                }
                catch (Exception ex)
                {
                    outcomes.Add(new Outcome(target, null, ex));
                }
            });
            Pump(untilDone: false);
        }

        /// <summary>Writes what is ready; with <paramref name="untilDone"/>, waits for every transfer (or for Stop).</summary>
        public void Pump(bool untilDone)
        {
            while (pending > 0)
            {
                if (!outcomes.TryTake(out var outcome, untilDone ? 100 : 0))
                {
                    cmdlet.WriteCaptured(capture);
                    if (stop.IsCancellationRequested)
                    {
                        DrainAfterStop();
                        return;
                    }
                    WriteProgress();
                    if (!untilDone)
                        return;
                    continue;
                }
                pending--;
                finished++;
                cmdlet.WriteCaptured(capture);
                if (outcome.Error == null)
                    cmdlet.WriteObject(outcome.Result);
                else if (!(outcome.Error is OperationCanceledException && stop.IsCancellationRequested))
                    cmdlet.WriteError(ToErrorRecord(outcome.Error, outcome.Target));
                WriteProgress();
            }
            if (untilDone)
            {
                cmdlet.WriteCaptured(capture);
                progress.RecordType = ProgressRecordType.Completed;
                cmdlet.WriteProgress(progress);
            }
        }

        /// <summary>Ctrl+C: cancel every transfer; they end promptly, leaving resume records and no partial files.</summary>
        public void Stop() => stop.Cancel();

        public void Dispose()
        {
            stop.Cancel();
            capture.Dispose();
        }

        private void DrainAfterStop()
        {
            var deadline = clock.Elapsed + StopGrace;
            while (pending > 0 && clock.Elapsed < deadline && outcomes.TryTake(out _, 100))
                pending--;
        }

        private void WriteProgress()
        {
            if (clock.Elapsed - lastProgress < ProgressInterval)
                return;
            lastProgress = clock.Elapsed;
            var done = Interlocked.Read(ref bytesDone);
            var total = Interlocked.Read(ref bytesTotal);
            var rate = done / Math.Max(clock.Elapsed.TotalSeconds, 0.001);
            progress.StatusDescription = $"{finished} of {started} file(s) done, {Bytes(done)}" + (total > 0 ? $" of {Bytes(total)}" : string.Empty) + $", {Bytes((long)rate)}/s";
            progress.PercentComplete = total > 0 ? (int)Math.Min(100, done * 100 / total) : -1;
            progress.SecondsRemaining = total > 0 && rate > 0 ? (int)((total - done) / rate) : -1;
            cmdlet.WriteProgress(progress);
        }

        private static string Bytes(long count)
        {
            string[] units = { "B", "KiB", "MiB", "GiB", "TiB" };
            double value = Math.Max(count, 0);
            var unit = 0;
            while (value >= 1024 && unit < units.Length - 1)
            {
                value /= 1024;
                unit++;
            }
            return unit == 0 ? $"{value:0} {units[unit]}" : $"{value:0.0} {units[unit]}";
        }

        private ErrorRecord ToErrorRecord(Exception error, object target) =>
            cmdlet.ToErrorRecord(error as AvaException ?? new AvaException(AvaErrors.TransferFailed, error.Message, target, error));

        private sealed class Outcome
        {
            public Outcome(object target, object? result, Exception? error)
            {
                Target = target;
                Result = result;
                Error = error;
            }

            public object Target { get; }

            public object? Result { get; }

            public Exception? Error { get; }
        }
    }
}
