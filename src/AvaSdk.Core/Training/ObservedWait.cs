using System;
using System.Threading;
using System.Threading.Tasks;

namespace AvaSdk.Training
{
    /// <summary>Waits for core work on the caller's thread, showing its progress now and then, so an observer is only called there.</summary>
    internal static class ObservedWait
    {
        private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

        /// <summary>
        /// Waits for <paramref name="work"/>, calling <paramref name="showProgress"/> every poll, and returns its result or
        /// throws its error. Cancelling ends the wait once the work (which sees the same token) has ended, within 10 s.
        /// </summary>
        public static T Wait<T>(Task<T> work, Action showProgress, CancellationToken cancellationToken)
        {
            while (!work.IsCompleted)
            {
                showProgress();
                try
                {
                    work.Wait(PollInterval, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    work.ContinueWith(_ => { }, TaskScheduler.Default).Wait(TimeSpan.FromSeconds(10));
                    break;
                }
                catch (AggregateException)
                {
                    // The work failed: its awaiter throws the error itself below.
                }
            }
            cancellationToken.ThrowIfCancellationRequested();
            return work.GetAwaiter().GetResult();
        }
    }
}
