using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using AvaSdk.IO;

namespace AvaSdk.Reporting
{
    /// <summary>
    /// Line-protocol points that could not be delivered, kept in <c>&lt;RunPath&gt;/metrics-spool.lp</c> until a send succeeds.
    /// </summary>
    public sealed class MetricSpool
    {
        private readonly object gate = new object();

        public MetricSpool(Training.RunFolder folder)
        {
            Path = folder.MetricSpool;
        }

        public string Path { get; }

        public long Count
        {
            get
            {
                lock (gate)
                    return LineFile.CountCompleteLines(Path);
            }
        }

        public void Append(IReadOnlyCollection<string> points)
        {
            if (points.Count == 0)
                return;
            lock (gate)
            {
                Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
                LineFile.AppendLines(Path, points);
            }
        }

        /// <summary>Sends the spooled points in batches; what is sent leaves the spool, the rest stays. Returns how many remain.</summary>
        public async Task<long> ReplayAsync(Func<IReadOnlyList<string>, CancellationToken, Task<bool>> send, int batchSize, CancellationToken cancellationToken)
        {
            List<string> points;
            lock (gate)
            {
                if (!File.Exists(Path))
                    return 0;
                points = LineFile.ReadCompleteLines(Path);
            }
            var sent = 0;
            while (sent < points.Count && await send(points.Skip(sent).Take(batchSize).ToList(), cancellationToken).ConfigureAwait(false))
                sent = Math.Min(points.Count, sent + batchSize);
            lock (gate)
            {
                // Points appended while replaying stay after the ones not yet sent.
                var appended = LineFile.ReadCompleteLines(Path).Skip(points.Count).ToList();
                var remaining = points.Skip(sent).Concat(appended).ToList();
                if (remaining.Count == 0)
                    File.Delete(Path);
                else
                    AtomicFile.WriteAllText(Path, string.Join("\n", remaining) + "\n");
                return remaining.Count;
            }
        }
    }
}
