using System.Management.Automation;
using System.Threading;
using AvaSdk.Snapshots;

namespace AvaSdk.PowerShell.Infrastructure
{
    /// <summary>Waits, with progress, for a run's snapshot uploads to finish, then warns of each that failed.</summary>
    internal static class SnapshotUploadWait
    {
        public static void Wait(AvaCmdlet cmdlet, string runFolder, CancellationToken stopping)
        {
            var queue = SnapshotUploadQueue.Find(runFolder);
            if (queue == null)
                return;
            if (!queue.IsIdle)
            {
                var progress = new ProgressRecord(2, $"Uploading snapshots to {queue.Bucket}", "Waiting");
                while (!queue.IsIdle)
                {
                    if (stopping.IsCancellationRequested)
                    {
                        queue.Cancel();
                        return;
                    }
                    var total = queue.BytesQueued;
                    progress.StatusDescription = $"{queue.FilesDone} of {queue.FilesQueued} file(s), {queue.BytesSent / 1048576.0:0.0} of {total / 1048576.0:0.0} MiB";
                    progress.PercentComplete = total > 0 ? (int)(System.Math.Min(queue.BytesSent, total) * 100 / total) : -1;
                    cmdlet.WriteProgress(progress);
                    stopping.WaitHandle.WaitOne(200);
                }
                progress.RecordType = ProgressRecordType.Completed;
                cmdlet.WriteProgress(progress);
            }
            foreach (var failure in queue.TakeFailures())
                cmdlet.WriteWarning(failure.Stored
                    ? $"Snapshot '{failure.File}' was uploaded to {queue.Bucket}/{failure.Key}, but: {failure.Problem}"
                    : $"Snapshot '{failure.File}' was not uploaded to {queue.Bucket}/{failure.Key}: {failure.Problem} It is kept on disk; send it with Send-AvaFile '{failure.File}' -Key '{failure.Key}'.");
        }
    }
}
