using System.Threading;
using System.Threading.Tasks;

namespace AvaSdk.Reporting
{
    /// <summary>Somewhere metrics go while training runs. <see cref="Report"/> never blocks the parser.</summary>
    public interface IMetricReporter
    {
        void Report(Metric metric);

        /// <summary>Called when the log is momentarily idle, right after metrics.jsonl was written: push buffered work out.</summary>
        void Flush();

        /// <summary>
        /// metrics.jsonl kept only the first <paramref name="kept"/> metrics of this run (the disk is full): the metrics
        /// reported after them are given up, so that nothing goes where metrics.jsonl does not hold it.
        /// </summary>
        void GiveUpAfter(long kept);

        /// <summary>No more metrics will come: deliver what is pending, and say what could not be.</summary>
        Task<ReportOutcome> CompleteAsync(CancellationToken cancellationToken);
    }

    /// <summary>What a reporter could not deliver, and where it keeps it.</summary>
    public sealed class ReportOutcome
    {
        public static readonly ReportOutcome Delivered = new ReportOutcome(0, null, 0);

        public ReportOutcome(long undelivered, string? keptIn, long notRepresentable)
        {
            Undelivered = undelivered;
            KeptIn = keptIn;
            NotRepresentable = notRepresentable;
        }

        public long Undelivered { get; }

        public string? KeptIn { get; }

        /// <summary>Metrics this reporter's format cannot carry (NaN, ±Infinity in line protocol); they are in metrics.jsonl.</summary>
        public long NotRepresentable { get; }
    }
}
