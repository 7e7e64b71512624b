using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.ComponentModel;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using AvaSdk.Errors;
using AvaSdk.Parsing;
using AvaSdk.Reporting;
using AvaSdk.Snapshots;
using Serilog;

namespace AvaSdk.Running
{
    /// <summary>
    /// Runs a training process and turns its log into metrics while it runs.
    /// The file is the queue: two reader threads append the whole lines of stdout and stderr to training.log as they
    /// arrive, so the child never waits, on anything; one processor follows the file at its own pace, numbers the lines
    /// (in arrival order), parses them and feeds metrics.jsonl, the reporters and the snapshot handlers, and hands the
    /// caller a bounded <see cref="Output"/>. A caller that stops reading holds the processor, never the child, and
    /// memory stays flat however long the log grows.
    /// training.log keeps the trainer's bytes as written, so what the file alone cannot tell the processor goes beside
    /// it as marks (<see cref="LogMark"/>): the pieces of a line too long to wait for whole (they may have the other
    /// stream's lines between them), and the line breaks that seem to go on across two writes but do not.
    /// The run's records matter more than the raw log: training.log stops short of a reserve of free space taken at the
    /// start (<see cref="LogReserve"/>), or at its first failed write, and from then on the lines reach the processor
    /// through a bounded queue in memory, not kept; lines beyond its bound are counted and let go, never waited for.
    /// </summary>
    public sealed class TrainingRun : IDisposable
    {
        private readonly TrainingRunOptions options;
        private readonly ILogger log;
        private readonly Process process;
        private readonly ProcessTreeGuard? guard;
        private const int ChunkSize = 64 * 1024;
        private const int OutputCapacity = 4096;

        private readonly Channel<TrainingOutput> output = Channel.CreateBounded<TrainingOutput>(
            new BoundedChannelOptions(OutputCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        private readonly FileStream logWriter;
        private readonly object logGate = new object();
        private readonly DriveInfo? logVolume;
        private readonly long logReserve;
        // Set, inside logGate, once training.log takes no more: after committed's last move, before the first line in memory.
        private int logStopped;
        private string? logStopReason;
        private readonly ConcurrentQueue<StoppedLogEntry> stoppedLog = new ConcurrentQueue<StoppedLogEntry>();
        private long stoppedLogBytes;
        private long stoppedLinesDropped;
        private const long StoppedLogBound = 8 * 1024 * 1024;
        // What a queued line costs beyond its text, so that a flood of empty lines is bounded too.
        private const int StoppedEntryCost = 64;
        // Splits the whole lines of one append into the queue's lines; only ever used inside logGate.
        private readonly LineSplitter stoppedLogSplitter = new LineSplitter();
        private bool recordGivenUp;
        private readonly SeriesTimes seriesTimes = new SeriesTimes();
        private readonly long logStart;
        // training.log up to here holds whole lines, or pieces its marks name; the processor reads no further.
        private long committed;
        // Taken by the processor in order; the pumps add them before committed passes their bytes.
        private readonly ConcurrentQueue<LogMark> logMarks = new ConcurrentQueue<LogMark>();
        // Inside logGate: the end of what the append under way wrote, its last byte, and the marks it owes.
        private long appended;
        private byte lastLogByte;
        private readonly List<LogMark> appendMarks = new List<LogMark>();
        private int readersDone;
        private readonly SemaphoreSlim logGrew = new SemaphoreSlim(0);
        private readonly Channel<SnapshotEvent> snapshots = Channel.CreateUnbounded<SnapshotEvent>(new UnboundedChannelOptions { SingleReader = true });
        private readonly string[] tail;
        private long tailCount;
        private readonly CancellationTokenSource stopping = new CancellationTokenSource();
        private readonly Task<int> completion;
        private int stopRequested;
        // Set once metrics.jsonl could not be written (a full disk): the metrics the run gave up from then on.
        private AvaException? diskFull;
        private int terminateRequested;
        // Metrics of the script's own (Write-AvaMetric) while the run goes on: recorded by the processor, the one writer.
        private readonly System.Collections.Concurrent.ConcurrentQueue<Metric> scriptMetrics = new System.Collections.Concurrent.ConcurrentQueue<Metric>();
        private readonly object scriptGate = new object();
        private bool takesScriptMetrics = true;
        private bool disposed;
        // Waiting metrics are not durable yet: few of them, so a kill loses little.
        private const int MaxMetricsWaitingForNode = 1_000;
        private readonly List<Metric> metricsWaitingForNode = new List<Metric>();
        // The node the log named (options.NodeFromLog); only the processor reads and writes it.
        private int? logNode;
        // Metrics the parser found in the log (not the script's own): none at the end is worth a warning.
        private long parsedMetrics;
        // The processor's too: whether an over-long line was warned about, and the bytes so far of the one it is passing.
        private bool longLineWarned;
        private long longLineBytes;
        // The processor's: whether training.log's stop was warned about, and the one line of the queue it is passing.
        private bool logStopWarned;
        private readonly List<string> stoppedLines = new List<string>(1);

        private TrainingRun(TrainingRunOptions options, ILogger log, Process process, ProcessTreeGuard? guard, FileStream logWriter)
        {
            this.options = options;
            this.log = log;
            this.process = process;
            this.guard = guard;
            this.logWriter = logWriter;
            logStart = committed = appended = logWriter.Length;
            logVolume = VolumeOf(options.Folder.Logs);
            logReserve = logVolume == null ? 0 : LogReserve(logVolume);
            tail = new string[Math.Max(1, options.TailLines)];
            if (guard != null)
                process.WaitForExitAsync().ContinueWith(_ => guard.Release(), TaskScheduler.Default);
            var splitters = new[] { new LineSplitter(), new LineSplitter() };
            var toLog = new LogAppender(this);
            var stdout = Task.Factory.StartNew(() => Pump(process.StandardOutput.BaseStream, splitters[0], toLog), TaskCreationOptions.LongRunning);
            var stderr = Task.Factory.StartNew(() => Pump(process.StandardError.BaseStream, splitters[1], toLog), TaskCreationOptions.LongRunning);
            Task.WhenAll(stdout, stderr).ContinueWith(_ =>
            {
                // A last line without its line break is still a line.
                foreach (var splitter in splitters)
                    Append(() => splitter.Finish(toLog));
                Volatile.Write(ref readersDone, 1);
                logGrew.Release();
            }, TaskScheduler.Default);
            completion = RunAsync();
        }

        /// <summary>Metrics (and lines and warnings) for the caller; completes after the process and all reporting are done.</summary>
        public ChannelReader<TrainingOutput> Output => output.Reader;

        /// <summary>The exit code, once the process has ended and everything it logged has been processed.</summary>
        public Task<int> Completion => completion;

        public int ProcessId => process.Id;

        public string LogFile => options.Folder.TrainingLog;

        public bool WasStopped => Volatile.Read(ref stopRequested) != 0;

        /// <summary>
        /// AvaDiskFull when metrics.jsonl could not be written: the metrics from then on were not recorded nor sent (a
        /// stopped training.log is only a warning: its lines were still parsed). Null when no metric was given up.
        /// </summary>
        public AvaException? DiskFull => Volatile.Read(ref diskFull);

        /// <summary>The last lines of the log, for error messages; read it once <see cref="Completion"/> has finished.</summary>
        public IReadOnlyList<string> Tail
        {
            get
            {
                var count = (int)Math.Min(tailCount, tail.Length);
                var lines = new string[count];
                for (var i = 0; i < count; i++)
                    lines[i] = tail[(tailCount - count + i) % tail.Length];
                return lines;
            }
        }

        /// <exception cref="AvaException">AvaTrainingNotStarted: the program could not be started.</exception>
        public static TrainingRun Start(TrainingRunOptions options, ILogger log)
        {
            var startInfo = new ProcessStartInfo(options.FilePath)
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = false,
                CreateNoWindow = true,
                WorkingDirectory = options.WorkingDirectory,
                StandardOutputEncoding = new UTF8Encoding(false),
                StandardErrorEncoding = new UTF8Encoding(false),
            };
            foreach (var argument in options.Arguments)
                startInfo.ArgumentList.Add(argument ?? string.Empty);
            foreach (var variable in options.Environment)
            {
                if (variable.Value == null)
                    startInfo.Environment.Remove(variable.Key);
                else
                    startInfo.Environment[variable.Key] = variable.Value;
            }
            if (ProcessTreeGuard.IsSupported)
            {
                // setsid and env exec the program in place; they would report a missing one only as exit code 127.
                var program = ExecutablePath(options.FilePath)
                    ?? throw NotStarted(options.FilePath, "no such executable file", null);
                ProcessTreeGuard.Wrap(startInfo, program);
            }
            Directory.CreateDirectory(options.Folder.Logs);
            // Unbuffered: the splitters hand over whole lines in large writes, and a failed write leaves nothing behind to retry.
            var logWriter = IO.LineFile.OpenAppend(options.Folder.TrainingLog, keepTornLine: true, bufferSize: 0);
            var process = new Process { StartInfo = startInfo };
            try
            {
                process.Start();
            }
            catch (Exception ex) when (ex is Win32Exception || ex is InvalidOperationException || ex is FileNotFoundException)
            {
                process.Dispose();
                logWriter.Dispose();
                throw NotStarted(options.FilePath, ex.Message, ex);
            }
            var guard = ProcessTreeGuard.IsSupported ? ProcessTreeGuard.Watch(process) : null;
            log.Information("Started {FilePath:l} {Arguments:l} (pid {Pid}) in {WorkingDirectory:l}; its log goes to {LogFile:l}",
                options.FilePath, options.Secrets.Mask(string.Join(" ", options.Arguments)), process.Id, options.WorkingDirectory, options.Folder.TrainingLog);
            return new TrainingRun(options, log, process, guard, logWriter);
        }

        private static AvaException NotStarted(string filePath, string reason, Exception? inner) =>
            new AvaException(AvaErrors.TrainingNotStarted, $"The training program '{filePath}' could not be started: {reason}. Check the path, or that it is on PATH and executable.", filePath, inner);

        // The file a start of filePath would run: a path as it is, a bare name from PATH; null when there is no executable file.
        private static string? ExecutablePath(string filePath)
        {
            static bool Runnable(string path) =>
                File.Exists(path) && !OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;
            if (filePath.Contains('/'))
                return Runnable(Path.GetFullPath(filePath)) ? Path.GetFullPath(filePath) : null;
            foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries))
            {
                var candidate = Path.Combine(folder, filePath);
                if (Runnable(candidate))
                    return candidate;
            }
            return null;
        }

        /// <summary>
        /// Records a metric of the script's own in this run's metrics.jsonl and reporters, without handing it to
        /// <see cref="Output"/>. While the log is processed the processor records it, so the file keeps one writer; after
        /// that (the caller still reading what the run left in Output) it is written here, and its delivery is owed to the
        /// next command, as the reporters are done. False once the run is disposed.
        /// </summary>
        public bool TryRecord(Metric metric)
        {
            lock (scriptGate)
            {
                if (disposed)
                    return false;
                if (!takesScriptMetrics)
                {
                    options.Record?.Report(seriesTimes.Unique(OnLogNode(metric)));
                    options.Record?.Flush();
                    if (options.Record?.Failure is IOException failure)
                        throw new AvaException(AvaErrors.DiskFull, $"{options.Record.Path} could not be written ({failure.Message}): the metric was not recorded. Free space in '{options.Folder.Path}'.", options.Folder.Path, failure);
                    return true;
                }
                scriptMetrics.Enqueue(metric);
            }
            if (logGrew.CurrentCount == 0)
                logGrew.Release();
            return true;
        }

        /// <summary>True once <see cref="Terminate"/> was called: the run was asked to end before the trainer was done.</summary>
        public bool WasTerminated => Volatile.Read(ref terminateRequested) != 0;

        /// <summary>
        /// Passes a polite stop on: SIGTERM to the trainer's whole process group, so it can write a checkpoint, then, if it
        /// is still running after <paramref name="grace"/>, <see cref="Stop"/>. What it logs meanwhile is processed as usual.
        /// </summary>
        public void Terminate(TimeSpan grace)
        {
            if (Interlocked.Exchange(ref terminateRequested, 1) != 0)
                return;
            log.Warning("Passing SIGTERM on to the training process (pid {Pid}) and its children; they have {Grace:0} s to end", process.Id, grace.TotalSeconds);
            if (guard != null)
                guard.TerminateTree();
            else
                Stop();
            // The run ends with the trainer; once it has, there is nothing left to kill.
            Task.WhenAny(Task.Delay(grace), completion).ContinueWith(_ =>
            {
                if (!completion.IsCompleted)
                    Stop();
            }, TaskScheduler.Default);
        }

        /// <summary>Kills the process and everything it started; what it already logged is still processed.</summary>
        public void Stop()
        {
            if (Interlocked.Exchange(ref stopRequested, 1) != 0)
                return;
            log.Warning("Stopping the training process (pid {Pid}) and its children", process.Id);
            try
            {
                if (guard != null)
                    guard.KillTree();
                else
                    process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // It exited on its own meanwhile.
            }
            stopping.Cancel();
        }

        public void Dispose()
        {
            if (!completion.IsCompleted)
            {
                Stop();
                completion.ContinueWith(_ => { }, TaskScheduler.Default).Wait(TimeSpan.FromSeconds(10));
            }
            // Only now: until the run is over its metrics file has one writer, the run, and the script's metrics go through it.
            lock (scriptGate)
                disposed = true;
            guard?.Dispose();
            process.Dispose();
            stopping.Dispose();
            logWriter.Dispose();
            logGrew.Dispose();
        }

        // Moves one stream's bytes into training.log, whole lines at a time (an over-long one in pieces), as fast as they come.
        // Secrets are masked first, so training.log (and its marks' offsets) holds the masked bytes alone.
        private void Pump(Stream pipe, LineSplitter splitter, LogAppender toLog)
        {
            var buffer = new byte[ChunkSize];
            var masker = options.Secrets.ForStream();
            while (true)
            {
                var read = pipe.Read(buffer, 0, buffer.Length);
                var masked = read > 0 ? masker.Mask(buffer, read) : masker.Finish();
                if (masked.Count > 0)
                    Append(() => splitter.Split(masked.Array!, masked.Count, toLog));
                if (read <= 0)
                    return;
            }
        }

        // The free space training.log leaves to the run's records (metrics.jsonl, the reporters' spools, ava.log): the
        // larger of 1 MiB and 1 % of the volume, but never more than half of what is free at the start, so a small
        // volume still keeps some of the log.
        // A volume that cannot say how large it is gets none: training.log then stops at its first failed write.
        // Null where the path names no volume DriveInfo knows (a UNC path on Windows): no reserve then.
        private static DriveInfo? VolumeOf(string folder)
        {
            try
            {
                return new DriveInfo(folder);
            }
            catch (ArgumentException)
            {
                return null;
            }
        }

        private static long LogReserve(DriveInfo volume)
        {
            try
            {
                return Math.Min(Math.Max(1024 * 1024, volume.TotalSize / 100), volume.AvailableFreeSpace / 2);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                return 0;
            }
        }

        private bool BelowReserveAfter(int count)
        {
            try
            {
                return logVolume != null && logVolume.AvailableFreeSpace - count < logReserve;
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                return false;
            }
        }

        // Inside logGate: writes bytes of one stream to training.log, marked as kind (null: whole lines of its own); once
        // the log is stopped, its lines go to the processor through memory instead.
        private void WriteLog(byte[] bytes, int offset, int count, LogMarkKind? kind)
        {
            if (logStopped == 0 && BelowReserveAfter(count))
                StopLog($"free space in '{options.Folder.Logs}' fell below the {logReserve / 1024} KiB kept for the run's records");
            if (logStopped == 0)
            {
                try
                {
                    AppendToFile(bytes, offset, count, kind);
                    return;
                }
                catch (IOException ex)
                {
                    // What this write left of a line is cut; the writes before it in this append were whole.
                    try
                    {
                        logWriter.SetLength(appended);
                    }
                    catch (IOException)
                    {
                        // A torn last line is skipped by readers and ended by the next writer.
                    }
                    StopLog($"it could not be written ({ex.Message})");
                }
            }
            QueueStoppedLog(bytes, offset, count, kind);
        }

        private void AppendToFile(byte[] bytes, int offset, int count, LogMarkKind? kind)
        {
            // The other stream's line break just before would seem to go on into these lines.
            if (kind == null && LineSplitter.ContinuesLineBreak(lastLogByte, bytes[offset]))
                appendMarks.Add(new LogMark(appended, 0, LogMarkKind.LinesStart));
            logWriter.Write(bytes, offset, count);
            if (kind is LogMarkKind marked)
                appendMarks.Add(new LogMark(appended, count, marked));
            appended += count;
            lastLogByte = bytes[offset + count - 1];
        }

        // Inside logGate: what training.log holds is final before the first line goes through memory.
        private void StopLog(string reason)
        {
            logStopReason = reason;
            CommitAppended();
            Volatile.Write(ref logStopped, 1);
        }

        private void CommitAppended()
        {
            foreach (var mark in appendMarks)
                logMarks.Enqueue(mark);
            appendMarks.Clear();
            Volatile.Write(ref committed, appended);
        }

        // Inside logGate: whole lines are queued one by one, a piece of an over-long line as its mark; past the bound they
        // are counted instead. The rest of a line break is no line.
        private void QueueStoppedLog(byte[] bytes, int offset, int count, LogMarkKind? kind)
        {
            if (kind == LogMarkKind.LineBreakContinued)
                return;
            if (kind is LogMarkKind piece)
            {
                if (!TryQueueStopped(new StoppedLogEntry(null, new LogMark(0, count, piece)), 0) && piece == LogMarkKind.LastPiece)
                    Interlocked.Increment(ref stoppedLinesDropped);
                return;
            }
            var lines = new LineCollector();
            stoppedLogSplitter.StartAfresh();
            stoppedLogSplitter.Split(bytes.AsSpan(offset, count).ToArray(), count, lines);
            foreach (var line in lines.Lines)
            {
                if (!TryQueueStopped(new StoppedLogEntry(line, default), line.Length))
                    Interlocked.Increment(ref stoppedLinesDropped);
            }
        }

        private bool TryQueueStopped(StoppedLogEntry entry, int length)
        {
            var cost = length + StoppedEntryCost;
            if (Interlocked.Read(ref stoppedLogBytes) + cost > StoppedLogBound)
                return false;
            Interlocked.Add(ref stoppedLogBytes, cost);
            stoppedLog.Enqueue(entry);
            return true;
        }

        private void Append(Action write)
        {
            lock (logGate)
            {
                write();
                CommitAppended();
            }
            if (logGrew.CurrentCount == 0)
                logGrew.Release();
        }

        private async Task<int> RunAsync()
        {
            try
            {
                var snapshotWork = HandleSnapshotsAsync();
                try
                {
                    await Task.Factory.StartNew(ProcessLines, TaskCreationOptions.LongRunning).ConfigureAwait(false);
                }
                finally
                {
                    // However the processor ended, the script's metrics are recorded from here on by TryRecord itself.
                    lock (scriptGate)
                    {
                        takesScriptMetrics = false;
                        RecordScriptMetrics();
                    }
                }
                snapshots.Writer.TryComplete();
                await snapshotWork.ConfigureAwait(false);
                process.WaitForExit();
                await CompleteReportersAsync().ConfigureAwait(false);
                var exitCode = process.ExitCode;
                log.Information("The training process exited with code {ExitCode}", exitCode);
                return exitCode;
            }
            finally
            {
                output.Writer.TryComplete();
            }
        }

        // Follows training.log from where this run began, on its own thread: it may wait for the caller (a full Output),
        // while the readers go on appending.
        private void ProcessLines()
        {
            var parsed = new ParseOutput();
            var splitter = new LineSplitter();
            var lines = new LineCollector();
            var buffer = new byte[ChunkSize];
            long lineNumber = 0;
            var timestamp = DateTimeOffset.MinValue;
            using (var file = new FileStream(LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1))
            {
                file.Position = logStart;
                var sinceFlush = Stopwatch.StartNew();
                while (true)
                {
                    RecordScriptMetrics();
                    var done = Volatile.Read(ref readersDone) != 0;
                    // Read before committed: once the log is stopped, committed has moved for the last time.
                    var stopped = Volatile.Read(ref logStopped) != 0;
                    var end = Volatile.Read(ref committed);
                    if (file.Position < end)
                    {
                        var hasMark = logMarks.TryPeek(out var mark);
                        if (hasMark && mark.Offset == file.Position)
                        {
                            logMarks.TryDequeue(out _);
                            splitter.StartAfresh();
                            file.Position += mark.Length;
                            PassMark(mark, ref lineNumber);
                            continue;
                        }
                        var upTo = hasMark ? Math.Min(end, mark.Offset) : end;
                        var read = file.Read(buffer, 0, (int)Math.Min(buffer.Length, upTo - file.Position));
                        splitter.Split(buffer, read, lines);
                        Process(lines.Lines, ref lineNumber, ref timestamp, parsed);
                        FlushNowAndThen(sinceFlush);
                        continue;
                    }
                    if (stopped && stoppedLog.TryDequeue(out var entry))
                    {
                        PassStopped(entry, ref lineNumber, ref timestamp, parsed);
                        FlushNowAndThen(sinceFlush);
                        continue;
                    }
                    if (done)
                        break;
                    // Caught up: make what was parsed visible before waiting for more.
                    FlushAll();
                    sinceFlush.Restart();
                    logGrew.Wait();
                }
            }
            WarnStoppedLinesDropped();
            parsed.Clear();
            options.Parser.Complete(new LogLineContext(lineNumber, NextTimestamp(timestamp), options.TrainInstanceId, options.Node), parsed);
            Dispatch(parsed);
            ReleaseMetricsWaitingForNode();
            // A log whose lines were let go was not all read: its lack of metrics says nothing of its format.
            if (parsedMetrics == 0 && Interlocked.Read(ref stoppedLinesDropped) == 0)
                WarnNoMetrics(lineNumber);
            lock (scriptGate)
            {
                takesScriptMetrics = false;
                RecordScriptMetrics();
                FlushAll();
            }
        }

        // A log that never pauses is still made durable (and so sendable) a few times a second.
        private void FlushNowAndThen(Stopwatch sinceFlush)
        {
            if (sinceFlush.ElapsedMilliseconds < 200)
                return;
            FlushAll();
            sinceFlush.Restart();
        }

        private void RecordScriptMetrics()
        {
            while (scriptMetrics.TryDequeue(out var metric))
                Record(OnLogNode(metric));
        }

        // A script's metric of a worker whose node the log named carries that node too, as the log's metrics do.
        private Metric OnLogNode(Metric metric) => options.NodeFromLog && logNode is int node ? metric.OnNode(node) : metric;

        // metrics.jsonl first, so the others only send what it holds.
        private void FlushAll()
        {
            options.Record?.Flush();
            if (!RecordFailed())
            {
                foreach (var reporter in options.Reporters)
                    reporter.Flush();
            }
        }

        // Once metrics.jsonl takes no more records, the reporters give up what it does not hold.
        private bool RecordFailed()
        {
            if (options.Record?.Failure is not IOException failure)
                return false;
            if (!recordGivenUp)
            {
                recordGivenUp = true;
                foreach (var reporter in options.Reporters)
                    reporter.GiveUpAfter(options.Record.Kept);
                GiveUp($"{options.Record.Path} could not be written ({failure.Message})", $"the metrics after its first {options.Record.Kept} of this run were not recorded nor sent");
            }
            return true;
        }

        private void GiveUp(string what, string consequence)
        {
            var problem = new AvaException(AvaErrors.DiskFull, $"{what}: {consequence}. Free space in '{options.Folder.Path}' (or give the job a larger volume); the training itself went on.", options.Folder.Path);
            if (Interlocked.CompareExchange(ref diskFull, problem, null) == null)
                log.Error("{Problem:l}", problem.Message);
        }

        private void Process(List<string> lines, ref long lineNumber, ref DateTimeOffset timestamp, ParseOutput parsed)
        {
            foreach (var line in lines)
            {
                lineNumber++;
                Show(line);
                parsed.Clear();
                timestamp = NextTimestamp(timestamp);
                options.Parser.Parse(line, new LogLineContext(lineNumber, timestamp, options.TrainInstanceId, options.Node), parsed);
                if (parsed.DetectedFramework is TrainingFramework detected)
                    OnFrameworkDetected(detected, lineNumber);
                Dispatch(parsed);
            }
            lines.Clear();
        }

        // A line that came after training.log was stopped: parsed as the file's are; the first one warns, once a run.
        private void PassStopped(StoppedLogEntry entry, ref long lineNumber, ref DateTimeOffset timestamp, ParseOutput parsed)
        {
            Interlocked.Add(ref stoppedLogBytes, -((entry.Line?.Length ?? 0) + StoppedEntryCost));
            if (!logStopWarned)
            {
                logStopWarned = true;
                var problem = $"{LogFile} was stopped ({AvaErrors.TrainingLogStopped.Id}): {logStopReason}. The trainer's output from here on is parsed, " +
                    "and its metrics recorded and sent, but it is not kept. Free space in the volume (or give the job a larger one) to keep the whole log.";
                log.Warning("{Problem:l}", problem);
                Emit(TrainingOutput.Warning(problem, AvaErrors.TrainingLogStopped));
            }
            if (entry.Line == null)
            {
                PassMark(entry.Piece, ref lineNumber);
                return;
            }
            stoppedLines.Add(entry.Line);
            Process(stoppedLines, ref lineNumber, ref timestamp, parsed);
        }

        // Once the pumps are done: the lines the queue in memory could not take, in one warning.
        private void WarnStoppedLinesDropped()
        {
            var dropped = Interlocked.Read(ref stoppedLinesDropped);
            if (dropped == 0)
                return;
            var problem = $"{dropped} line(s) of the trainer's output were neither kept nor parsed ({AvaErrors.LogLinesDropped.Id}): {LogFile} was stopped, " +
                $"and they came while more than {StoppedLogBound / (1024 * 1024)} MiB of lines waited in memory to be parsed.";
            log.Warning("{Problem:l}", problem);
            Emit(TrainingOutput.Warning(problem, AvaErrors.LogLinesDropped));
        }

        private void OnFrameworkDetected(TrainingFramework framework, long lineNumber)
        {
            var note = $"Detected the log's format: {framework} (line {lineNumber})";
            log.Information("{Note:l}", note);
            Emit(TrainingOutput.Note(note));
            options.FrameworkDetected?.Invoke(framework);
        }

        private void WarnNoMetrics(long lines)
        {
            var formats = options.Parser.Formats;
            var tried = formats.Count > 1 ? string.Join(", ", formats.Take(formats.Count - 1)) + " and " + formats[^1] : string.Join(string.Empty, formats);
            var problem = $"No metric was recognised in the log: its {lines} line(s) were read as {tried}.";
            log.Warning("{Problem:l}", problem);
            Emit(TrainingOutput.Warning(problem, AvaErrors.NoMetricsRecognised));
        }

        private void Show(string line)
        {
            tail[tailCount++ % tail.Length] = line;
            if (options.ForwardLines)
                Emit(TrainingOutput.Line(line));
        }

        // Marked bytes are not lines as they stand: a piece of an over-long line is counted, never parsed (the first one
        // warns, once a run); the rest of a line break, or the start of the other stream's lines, only has the splitter
        // start afresh.
        private void PassMark(LogMark mark, ref long lineNumber)
        {
            if (mark.Kind != LogMarkKind.Piece && mark.Kind != LogMarkKind.LastPiece)
                return;
            if (!longLineWarned)
            {
                longLineWarned = true;
                var problem = $"A line of the training log is longer than {LineSplitter.LongestLine} bytes (1 MiB): it is kept in {LogFile} as it arrives, " +
                    $"in pieces the other stream's lines may come between, but it is not parsed; so is any other such line of this run.";
                log.Warning("{Problem:l}", problem);
                Emit(TrainingOutput.Warning(problem, AvaErrors.LogLineTooLong));
            }
            longLineBytes += mark.Length;
            if (mark.Kind != LogMarkKind.LastPiece)
                return;
            lineNumber++;
            Show($"(a line of {longLineBytes} bytes, too long to parse: see {LogFile})");
            longLineBytes = 0;
        }

        // A line's time is the clock's reading as it is processed, never earlier than the line before it (the system clock
        // can be set back); lines read in the same instant share it, as the probe's golden files expect.
        private DateTimeOffset NextTimestamp(DateTimeOffset previous)
        {
            var now = options.Clock.GetUtcNow();
            return now > previous ? now : previous;
        }

        private void Dispatch(ParseOutput parsed)
        {
            parsedMetrics += parsed.Metrics.Count;
            if (!options.NodeFromLog)
            {
                foreach (var parsedMetric in parsed.Metrics)
                    Emit(TrainingOutput.Of(Record(parsedMetric)));
            }
            else
            {
                DispatchOnLogNode(parsed);
            }
            foreach (var snapshot in parsed.Snapshots)
                snapshots.Writer.TryWrite(snapshot);
        }

        // A worker whose rank the log names: its metrics wait for the first line that names it (a bounded number of them),
        // then they and all that follow carry that node.
        private void DispatchOnLogNode(ParseOutput parsed)
        {
            if (logNode == null && parsed.Node is int named && named < options.NodeCount)
            {
                logNode = named;
                log.Information("The log names this worker's node: Node[{Node}]; its metrics carry it", named);
                foreach (var waiting in metricsWaitingForNode)
                    Emit(TrainingOutput.Of(Record(waiting.OnNode(named))));
                metricsWaitingForNode.Clear();
            }
            foreach (var parsedMetric in parsed.Metrics)
            {
                if (logNode is int node)
                    Emit(TrainingOutput.Of(Record(parsedMetric.OnNode(node))));
                else if (metricsWaitingForNode.Count < MaxMetricsWaitingForNode)
                    metricsWaitingForNode.Add(parsedMetric);
                else
                {
                    ReleaseMetricsWaitingForNode();
                    Emit(TrainingOutput.Of(Record(parsedMetric)));
                }
            }
        }

        // No line named the node (yet): the waiting metrics go on with the node of the worker's slot.
        private void ReleaseMetricsWaitingForNode()
        {
            if (metricsWaitingForNode.Count == 0)
                return;
            log.Warning("No line of the log named this worker's node (Node[n]) before {Count} metrics; they carry the node of its slot, {Node}", metricsWaitingForNode.Count, options.Node);
            foreach (var waiting in metricsWaitingForNode)
                Emit(TrainingOutput.Of(Record(waiting)));
            metricsWaitingForNode.Clear();
        }

        // metrics.jsonl first, then the reporters, which only send what it holds.
        private Metric Record(Metric parsed)
        {
            var metric = seriesTimes.Unique(parsed);
            options.Record?.Report(metric);
            if (!RecordFailed())
            {
                foreach (var reporter in options.Reporters)
                    reporter.Report(metric);
            }
            return metric;
        }

        private async Task HandleSnapshotsAsync()
        {
            var context = new SnapshotContext(options.WorkingDirectory, options.Folder.Output, options.TrainInstanceId, log, process.WaitForExitAsync());
            while (await snapshots.Reader.WaitToReadAsync().ConfigureAwait(false))
            {
                while (snapshots.Reader.TryRead(out var snapshot))
                {
                    foreach (var handler in options.SnapshotHandlers)
                    {
                        try
                        {
                            await handler.HandleAsync(snapshot, context, CancellationToken.None).ConfigureAwait(false);
                        }
                        catch (Exception ex)
                        {
                            log.Warning("Snapshot at log line {Line}: {Problem:l}", snapshot.Line, ex.Message);
                            await EmitAsync(TrainingOutput.Warning($"Snapshot at log line {snapshot.Line}: {ex.Message}", (ex as AvaException)?.Error)).ConfigureAwait(false);
                        }
                    }
                }
            }
        }

        /// <summary>
        /// How long the reporters may go on sending once the trainer has exited: an endpoint that accepts connections and
        /// never answers must not hold the command, so what is left after it goes to the spool.
        /// </summary>
        public static readonly TimeSpan DeliveryAfterExit = TimeSpan.FromSeconds(10);

        private async Task CompleteReportersAsync()
        {
            using var delivering = CancellationTokenSource.CreateLinkedTokenSource(stopping.Token);
            delivering.CancelAfter(DeliveryAfterExit);
            lock (scriptGate)
            {
                options.Record?.Flush();
                RecordFailed();
            }
            foreach (var reporter in options.Reporters)
            {
                var outcome = await reporter.CompleteAsync(delivering.Token).ConfigureAwait(false);
                var why = delivering.IsCancellationRequested && !stopping.IsCancellationRequested
                    ? $" (the metrics endpoint did not take them within {DeliveryAfterExit.TotalSeconds:0} s of the training's end)" : string.Empty;
                if (outcome.Undelivered > 0)
                    await EmitAsync(TrainingOutput.Warning(
                        $"{outcome.Undelivered} metric(s) could not be delivered yet{why}; they are kept in '{outcome.KeptIn}' and will be sent again at the next successful report or at Complete-AvaTrainInstance.")).ConfigureAwait(false);
                if (outcome.NotRepresentable > 0)
                    await EmitAsync(TrainingOutput.Warning(
                        $"{outcome.NotRepresentable} metric(s) with NaN or infinite values were not sent (line protocol cannot carry them); they are in {options.Folder.Metrics}.")).ConfigureAwait(false);
            }
        }

        // The processor waits here for the caller while Output is full; once the run is stopped nobody reads, and what is
        // left for the pipeline is dropped (metrics.jsonl and the reporters still get everything).
        private void Emit(TrainingOutput item)
        {
            if (output.Writer.TryWrite(item) || stopping.IsCancellationRequested)
                return;
            try
            {
                output.Writer.WriteAsync(item, stopping.Token).AsTask().GetAwaiter().GetResult();
            }
            catch (OperationCanceledException)
            {
            }
        }

        private async Task EmitAsync(TrainingOutput item)
        {
            try
            {
                await output.Writer.WriteAsync(item, stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        private enum LogMarkKind
        {
            // The other stream's lines start here, though a line break before seems to go on into them.
            LinesStart,
            // The rest of the line break that ended this stream's last write: no line of its own.
            LineBreakContinued,
            // A piece of an over-long line, not its last.
            Piece,
            // The last piece of an over-long line, its line break included.
            LastPiece,
        }

        // Bytes of training.log the processor takes as the mark says instead of cutting them into lines.
        private readonly struct LogMark
        {
            public LogMark(long offset, int length, LogMarkKind kind)
            {
                Offset = offset;
                Length = length;
                Kind = kind;
            }

            public long Offset { get; }

            public int Length { get; }

            public LogMarkKind Kind { get; }
        }

        // A line that came once training.log was stopped, or a piece of an over-long one (Line null).
        private readonly struct StoppedLogEntry
        {
            public StoppedLogEntry(string? line, LogMark piece)
            {
                Line = line;
                Piece = piece;
            }

            public string? Line { get; }

            public LogMark Piece { get; }
        }

        // A pump's way into training.log: the lines themselves are the processor's business.
        private sealed class LogAppender : ILineSink
        {
            private readonly TrainingRun run;

            public LogAppender(TrainingRun run)
            {
                this.run = run;
            }

            public void Line(byte[] bytes, int offset, int count)
            {
            }

            public void WholeLines(byte[] bytes, int offset, int count) => run.WriteLog(bytes, offset, count, null);

            public void LineBreakContinued(byte[] bytes, int offset, int count) => run.WriteLog(bytes, offset, count, LogMarkKind.LineBreakContinued);

            public void Piece(byte[] bytes, int offset, int count, bool last) => run.WriteLog(bytes, offset, count, last ? LogMarkKind.LastPiece : LogMarkKind.Piece);
        }

        // The processor's lines, decoded. training.log's unmarked bytes hold whole lines no longer than LongestLine, so no
        // piece comes out of them (pieces are marked, and passed by their marks), and the rest of a line break cut by a
        // read needs nothing more.
        private sealed class LineCollector : ILineSink
        {
            private static readonly Encoding Utf8 = new UTF8Encoding(false, false);

            public List<string> Lines { get; } = new List<string>();

            public void Line(byte[] bytes, int offset, int count) => Lines.Add(Utf8.GetString(bytes, offset, count));

            public void WholeLines(byte[] bytes, int offset, int count)
            {
            }

            public void LineBreakContinued(byte[] bytes, int offset, int count)
            {
            }

            public void Piece(byte[] bytes, int offset, int count, bool last)
            {
            }
        }
    }
}
