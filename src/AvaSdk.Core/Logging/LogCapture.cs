using System;
using System.Collections.Concurrent;
using System.Threading;
using Serilog.Core;
using Serilog.Events;

namespace AvaSdk.Logging
{
    /// <summary>
    /// Collects what the core logs while a caller (a cmdlet) has a capture open, including from tasks it
    /// starts, so that the caller can show it on its own thread (as Verbose). The core never writes to a
    /// host itself.
    /// </summary>
    public sealed class LogCapture : IDisposable
    {
        private static readonly AsyncLocal<LogCapture?> Current = new AsyncLocal<LogCapture?>();

        private readonly ConcurrentQueue<LogEvent> events = new ConcurrentQueue<LogEvent>();
        private readonly LogCapture? previous;

        private LogCapture(LogCapture? previous)
        {
            this.previous = previous;
        }

        /// <summary>Opens a capture for the current flow of execution; dispose it to close.</summary>
        public static LogCapture Begin()
        {
            var capture = new LogCapture(Current.Value);
            Current.Value = capture;
            return capture;
        }

        /// <summary>The next captured event, as Serilog gave it (for the core's own tests).</summary>
        internal bool TryTakeEvent(out LogEvent logEvent) => events.TryDequeue(out logEvent!);

        /// <summary>The next captured event, rendered as text (so that callers need no Serilog of their own).</summary>
        public bool TryTake(out string message)
        {
            var taken = events.TryDequeue(out var logEvent);
            message = taken ? logEvent!.RenderMessage() : string.Empty;
            return taken;
        }

        public void Dispose()
        {
            if (Current.Value == this)
                Current.Value = previous;
        }

        internal static void Offer(LogEvent logEvent) => Current.Value?.events.Enqueue(logEvent);
    }

    /// <summary>The Serilog sink that hands events to the open <see cref="LogCapture"/>, if any.</summary>
    public sealed class LogCaptureSink : ILogEventSink
    {
        public void Emit(LogEvent logEvent) => LogCapture.Offer(logEvent);
    }
}
