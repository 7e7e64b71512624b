using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AvaSdk.Errors;

namespace AvaSdk.Snapshots
{
    /// <summary>
    /// Copies a snapshot's files, and those of its companions that exist, into the instance's SnapshotPath once the
    /// trainer has finished writing them (Caffe logs a snapshot line before it writes the file).
    /// </summary>
    public sealed class SnapshotCopyHandler : ISnapshotHandler
    {
        /// <summary>How long the files' sizes and times must stay the same to count as written, as the original polled.</summary>
        public static readonly TimeSpan DefaultSettleInterval = TimeSpan.FromSeconds(1);

        private readonly TimeSpan settleInterval;

        public SnapshotCopyHandler(TimeSpan? settleInterval = null)
        {
            this.settleInterval = settleInterval ?? DefaultSettleInterval;
        }

        public async Task HandleAsync(SnapshotEvent snapshot, SnapshotContext context, CancellationToken cancellationToken)
        {
            Directory.CreateDirectory(context.SnapshotPath);
            var files = snapshot.Files.Select(f => Resolve(context, f)).ToList();
            var companions = snapshot.CompanionFiles.Select(f => Resolve(context, f)).ToList();
            await WaitUntilWrittenAsync(files.Concat(companions).ToList(), context.TrainerExited, cancellationToken).ConfigureAwait(false);
            var copied = new List<string>();
            foreach (var source in files.Concat(companions.Where(File.Exists)))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (!File.Exists(source))
                    throw new AvaException(AvaErrors.SnapshotFileNotFound, $"The snapshot file '{source}' named at log line {snapshot.Line} does not exist, so it was not copied to '{context.SnapshotPath}'.", source);
                var target = Path.Combine(context.SnapshotPath, Path.GetFileName(source));
                if (!string.Equals(Path.GetFullPath(source), Path.GetFullPath(target), StringComparison.Ordinal))
                    File.Copy(source, target, overwrite: true);
                copied.Add(target);
            }
            context.Log.Information("Snapshot at log line {Line} ({Which:l}) is in {SnapshotPath:l}: {Files:l}",
                snapshot.Line, snapshot.Epoch is int epoch ? $"epoch {epoch}" : $"iteration {snapshot.Iteration}", context.SnapshotPath,
                string.Join(", ", copied.Select(Path.GetFileName)));
        }

        // Polls until two looks one interval apart see the same files (existence, size, write time), or the trainer has
        // exited: then nothing is still writing them, so a log replayed after the fact costs no wait per snapshot.
        private async Task WaitUntilWrittenAsync(IReadOnlyList<string> files, Task trainerExited, CancellationToken cancellationToken)
        {
            var seen = Look(files);
            while (!trainerExited.IsCompleted)
            {
                await Task.WhenAny(Task.Delay(settleInterval, cancellationToken), trainerExited).ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
                var now = Look(files);
                if (now.SequenceEqual(seen))
                    return;
                seen = now;
            }
        }

        private static List<(long Length, DateTime WrittenUtc)> Look(IReadOnlyList<string> files) =>
            files.Select(f => new FileInfo(f)).Select(f => f.Exists ? (f.Length, f.LastWriteTimeUtc) : (-1L, DateTime.MinValue)).ToList();

        private static string Resolve(SnapshotContext context, string file) => Path.GetFullPath(Path.Combine(context.WorkingDirectory, file));
    }
}
