using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AvaSdk.Errors;

namespace AvaSdk.Snapshots
{
    /// <summary>Copies a snapshot's files, and those of its companions that exist, into the instance's SnapshotPath.</summary>
    public sealed class SnapshotCopyHandler : ISnapshotHandler
    {
        public Task HandleAsync(SnapshotEvent snapshot, SnapshotContext context, CancellationToken cancellationToken)
        {
            Directory.CreateDirectory(context.SnapshotPath);
            var companions = snapshot.CompanionFiles.Select(f => Resolve(context, f)).Where(File.Exists);
            var copied = new List<string>();
            foreach (var source in snapshot.Files.Select(f => Resolve(context, f)).Concat(companions))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (!File.Exists(source))
                    throw new AvaException("AvaSnapshotFileNotFound", AvaErrorKind.ObjectNotFound,
                        $"The snapshot file '{source}' named at log line {snapshot.Line} does not exist, so it was not copied to '{context.SnapshotPath}'.", source);
                var target = Path.Combine(context.SnapshotPath, Path.GetFileName(source));
                if (!string.Equals(Path.GetFullPath(source), Path.GetFullPath(target), System.StringComparison.Ordinal))
                    File.Copy(source, target, overwrite: true);
                copied.Add(target);
            }
            context.Log.Information("Snapshot at log line {Line} ({Which:l}) is in {SnapshotPath:l}: {Files:l}",
                snapshot.Line, snapshot.Epoch is int epoch ? $"epoch {epoch}" : $"iteration {snapshot.Iteration}", context.SnapshotPath,
                string.Join(", ", copied.Select(Path.GetFileName)));
            return Task.CompletedTask;
        }

        private static string Resolve(SnapshotContext context, string file) => Path.GetFullPath(Path.Combine(context.WorkingDirectory, file));
    }
}
