using Serilog;
using Serilog.Core;

namespace AvaSdk.Logging
{
    /// <summary>The Serilog loggers of the module: one per training instance, and one for work outside any instance.</summary>
    public static class InstanceLog
    {
        public const long FileSizeLimitBytes = 50L * 1024 * 1024;
        public const int RetainedFileCount = 10;

        private const string Template = "{Timestamp:yyyy-MM-dd HH:mm:ss.fff zzz} [{Level:u3}] [pid {ProcessId}] {Message:lj}{NewLine}{Exception}";

        // A node of a multi-node job tags its lines as the original SDK's logger did: Node[<rank>].
        private const string NodeTemplate = "{Timestamp:yyyy-MM-dd HH:mm:ss.fff zzz} [{Level:u3}] [pid {ProcessId}] Node[{NodeRank}] {Message:lj}{NewLine}{Exception}";

        /// <summary>For work done outside a training instance: only open captures see it.</summary>
        public static ILogger Detached { get; } = new LoggerConfiguration()
            .MinimumLevel.Debug()
            .WriteTo.Sink(new LogCaptureSink())
            .CreateLogger();

        /// <summary>A logger for <paramref name="path"/> (a run's ava.log), rolling by size, that open captures also see.</summary>
        /// <param name="node">The node's rank in a job of several nodes; null in a single-node job.</param>
        public static Logger Create(string path, int? node = null)
        {
            var configuration = new LoggerConfiguration()
                .MinimumLevel.Debug()
                .Enrich.With(new ProcessIdEnricher());
            if (node != null)
                configuration = configuration.Enrich.WithProperty("NodeRank", node.Value);
            return configuration
                .WriteTo.Sink(new LogCaptureSink())
                .WriteTo.File(
                    path,
                    outputTemplate: node == null ? Template : NodeTemplate,
                    fileSizeLimitBytes: FileSizeLimitBytes,
                    rollOnFileSizeLimit: true,
                    retainedFileCountLimit: RetainedFileCount,
                    // Several processes of one job (the script, a training child using the SDK) append to one file.
                    shared: true)
                .CreateLogger();
        }

        private sealed class ProcessIdEnricher : ILogEventEnricher
        {
            private static readonly int Pid = System.Diagnostics.Process.GetCurrentProcess().Id;

            public void Enrich(Serilog.Events.LogEvent logEvent, ILogEventPropertyFactory propertyFactory) =>
                logEvent.AddOrUpdateProperty(propertyFactory.CreateProperty("ProcessId", Pid));
        }
    }
}
