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
        /// throws its error. Cancelling ends the wait once the work (which sees the same token) has ended, within
        /// <paramref name="grace"/> (10 s unless given).
        /// </summary>
        /// <exception cref="OperationCanceledException">The wait was cancelled, or the work was.</exception>
        public static T Wait<T>(Task<T> work, Action showProgress, CancellationToken cancellationToken, TimeSpan? grace = null)
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
                    work.ContinueWith(_ => { }, TaskScheduler.Default).Wait(grace ?? TimeSpan.FromSeconds(10));
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
