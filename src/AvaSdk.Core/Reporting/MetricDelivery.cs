using System;
using System.Threading;
using System.Threading.Tasks;
using AvaSdk.Errors;
using AvaSdk.Platform;
using Serilog;

namespace AvaSdk.Reporting
{
    /// <summary>Where metrics go beyond metrics.jsonl, as the environment configures it.</summary>
    public static class MetricDelivery
    {
        /// <summary>
        /// The configured metrics endpoint: <c>AVA_METRICS_URL</c>, else the platform probe of the instance (the worker
        /// file's status host); null when neither is configured. Resolved, like every setting, by <see cref="PlatformConfig"/>.
        /// </summary>
        /// <exception cref="AvaConfigException">The URL is not an http(s) one.</exception>
        public static Uri? ConfiguredUrl(PlatformConfig config, string? instanceId) => config.MetricsUrl(instanceId);

        public static LineProtocolReporter? ReporterFor(Training.RunFolder runFolder, PlatformConfig config, string? instanceId, ILogger log)
        {
            var url = ConfiguredUrl(config, instanceId);
            if (url == null)
                return null;
            log.Information("Reporting metrics to {Url:l}", LineProtocolClient.RedactedUrl(url));
            return new LineProtocolReporter(new LineProtocolClient(url, log, config.HttpSettings()), new MetricSpool(runFolder), journal: new MetricJournal(runFolder));
        }

        /// <summary>
        /// Sends the records of metrics.jsonl that a killed run wrote but never sent (see <see cref="MetricJournal"/>).
        /// Returns how many records remain undelivered.
        /// </summary>
        public static async Task<long> RecoverJournalAsync(Training.RunFolder runFolder, PlatformConfig config, string? instanceId, ILogger log, CancellationToken cancellationToken)
        {
            var journal = new MetricJournal(runFolder);
            // Without an endpoint there is nowhere to deliver to, and nothing is owed.
            var url = ConfiguredUrl(config, instanceId);
            if (url == null || !System.IO.File.Exists(journal.Path))
                return 0;
            var (delivered, count) = journal.Undelivered();
            if (delivered == count)
                return 0;
            using var client = new LineProtocolClient(url, log, config.HttpSettings());
            var batch = new System.Collections.Generic.List<string>(LineProtocolReporter.BatchSize);
            var first = delivered;
            var record = delivered;
            foreach (var metric in journal.ReadFrom(delivered))
            {
                record++;
                if (metric != null && LineProtocol.Encode(metric) is string point)
                    batch.Add(point);
                if (batch.Count == LineProtocolReporter.BatchSize || record == count)
                {
                    if (batch.Count > 0 && !await client.SendAsync(batch, cancellationToken).ConfigureAwait(false))
                        return count - delivered;
                    batch.Clear();
                    delivered = record;
                    journal.Save(delivered);
                }
            }
            log.Information("Sent the {Count} metric record(s) of {Journal:l} that an interrupted run had not", delivered - first, journal.Path);
            return count - delivered;
        }

        /// <summary>Sends what the run's spool holds. Returns how many points remain undelivered.</summary>
        public static async Task<long> ReplaySpoolAsync(Training.RunFolder runFolder, PlatformConfig config, string? instanceId, ILogger log, CancellationToken cancellationToken)
        {
            var spool = new MetricSpool(runFolder);
            var pending = spool.Count;
            if (pending == 0)
                return 0;
            var url = ConfiguredUrl(config, instanceId);
            if (url == null)
            {
                log.Warning("{Count} metric point(s) wait in {Spool:l}, but neither ${Variable:l} nor a platform status host is set to send them", pending, spool.Path, LineProtocolClient.UrlVariable);
                return pending;
            }
            using var client = new LineProtocolClient(url, log, config.HttpSettings());
            var remaining = await spool.ReplayAsync(client.SendAsync, LineProtocolReporter.BatchSize, cancellationToken).ConfigureAwait(false);
            log.Information("Replayed {Sent} spooled metric point(s) to {Url:l}; {Remaining} remain", pending - remaining, LineProtocolClient.RedactedUrl(url), remaining);
            return remaining;
        }
    }
}
