using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Threading;
using AvaSdk.Errors;
using AvaSdk.IO;
using Newtonsoft.Json.Linq;

namespace AvaSdk.Training
{
    /// <summary>
    /// One running owner per instance on a node: <c>run/&lt;id&gt;/owner.json</c> (<c>owner.&lt;rank&gt;.json</c> for a node of a
    /// multi-node job) names the process that holds it (host, boot
    /// id, pid, the process's start) with a heartbeat it renews. The commands of the owning process share the ownership;
    /// another process is refused while the owner lives. An owner whose process is gone from this host (or whose host
    /// rebooted) is stale and taken over; one on another host only once its heartbeat has expired, as pids are reused
    /// across containers. This process's ownerships live in a table here until Complete-AvaTrainInstance releases them.
    /// </summary>
    public static class InstanceOwnership
    {

        /// <summary>How often an owner renews its heartbeat, and how old one may get before another host takes over.</summary>
        public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(30);
        public static readonly TimeSpan HeartbeatExpiry = TimeSpan.FromMinutes(2);

        private static readonly ConcurrentDictionary<string, Held> Owned = new ConcurrentDictionary<string, Held>(StringComparer.Ordinal);

        /// <summary>
        /// Makes this process the owner of the instance (this node's part of it) in <paramref name="folder"/>, or keeps it so.
        /// Returns a note when a previous owner had ended without completing the instance, else null.
        /// </summary>
        /// <exception cref="AvaException">AvaTrainInstanceBusy: a live process elsewhere owns it.</exception>
        public static string? Acquire(RunFolder folder)
        {
            var full = Path.GetFullPath(folder.Path);
            var key = Path.GetFullPath(folder.Owner);
            if (Owned.ContainsKey(key))
                return null;
            Directory.CreateDirectory(full);
            using (Guard(folder))
            {
                var me = OwnerRecord.Current(DateTimeOffset.UtcNow);
                var previous = OwnerRecord.TryRead(folder.Owner);
                string? note = null;
                if (previous != null && !previous.IsSameProcess(me))
                {
                    if (previous.IsAlive(DateTimeOffset.UtcNow))
                        throw new AvaException(AvaErrors.TrainInstanceBusy,
                            $"The training instance in '{full}' is in use by {previous.Describe()}. One process at a time may run or complete " +
                            "an instance on a node: wait for it to finish, or stop it.", full);
                    note = $"The previous owner of the instance in '{full}', {previous.Describe()}, ended without completing it; this process takes it over.";
                }
                me.Write(folder.Owner);
                Owned[key] = new Held(folder);
                return note;
            }
        }

        /// <summary>
        /// True while a live process owns the instance (any node's part of it, <paramref name="nodes"/> of them), as the owner
        /// files say: an owner gone from this host, or silent past its heartbeat on another, is not one.
        /// </summary>
        public static bool HasLiveOwner(string runPath, int nodes)
        {
            for (var rank = 0; rank < nodes; rank++)
            {
                if (HasLiveOwner(RunFolder.Of(runPath, nodes > 1 ? rank : null)))
                    return true;
            }
            return false;
        }

        /// <summary>True while a live process owns this node's part of the instance (see <see cref="HasLiveOwner(string, int)"/>).</summary>
        public static bool HasLiveOwner(RunFolder folder) =>
            OwnerRecord.TryRead(folder.Owner) is { } owner && owner.IsAlive(DateTimeOffset.UtcNow);

        /// <summary>
        /// The owner of this node's part when it is known to be dead (gone from this host, or silent past its heartbeat on
        /// another), in words; null while it lives, or when no process owns it (not started yet, or released at its end).
        /// </summary>
        public static string? DeadOwner(RunFolder folder) =>
            OwnerRecord.TryRead(folder.Owner) is { } owner && !owner.IsAlive(DateTimeOffset.UtcNow) ? owner.Describe() : null;

        /// <summary>True when this process owns the instance (this node's part) in <paramref name="folder"/>.</summary>
        public static bool IsHeldHere(RunFolder folder) => Owned.ContainsKey(Path.GetFullPath(folder.Owner));

        /// <summary>
        /// Acquires the instance and marks a training run in it for as long as the result is not disposed: a second run of
        /// the same instance, even in this process, would interleave its writes with the first.
        /// </summary>
        /// <exception cref="AvaException">AvaTrainInstanceBusy: another process owns it, or a run of it is going on here.</exception>
        public static IDisposable BeginRun(RunFolder folder, out string? note)
        {
            note = Acquire(folder);
            var held = Owned[Path.GetFullPath(folder.Owner)];
            if (Interlocked.CompareExchange(ref held.Running, 1, 0) != 0)
                throw new AvaException(AvaErrors.TrainInstanceBusy,
                    $"The training instance in '{held.Folder.Path}' is already training in this process (another runspace or job): " +
                    "one Invoke-AvaTraining per instance at a time.", held.Folder.Path);
            return new RunMark(held);
        }

        /// <summary>
        /// Shares the run going on in this process with the script's own metrics of the instance (Write-AvaMetric):
        /// <paramref name="record"/> hands a metric to the run's one writer of metrics.jsonl, until the run mark is disposed.
        /// </summary>
        public static void ShareRun(RunFolder folder, Func<Metric, bool> record)
        {
            if (Owned.TryGetValue(Path.GetFullPath(folder.Owner), out var held))
                held.RunRecorder = record;
        }

        /// <summary>Records <paramref name="metric"/> through the run going on in this process; false when none is (or it has ended).</summary>
        public static bool TryRecordInRun(RunFolder folder, Metric metric) =>
            Owned.TryGetValue(Path.GetFullPath(folder.Owner), out var held) && held.RunRecorder is { } record && record(metric);

        /// <summary>Gives up this process's ownership: owner.json goes, and the heartbeat stops.</summary>
        public static void Release(RunFolder folder)
        {
            if (!Owned.TryRemove(Path.GetFullPath(folder.Owner), out var held))
                return;
            held.Dispose();
            using (Guard(folder))
            {
                var path = folder.Owner;
                if (OwnerRecord.TryRead(path) is OwnerRecord owner && owner.IsSameProcess(OwnerRecord.Current(DateTimeOffset.UtcNow)))
                    File.Delete(path);
            }
        }

        // The check and the write of the owner file happen under an OS lock (flock on Linux), which dies with its process.
        private static FileStream Guard(RunFolder folder) =>
            FileLock.WaitForPersistent(folder.OwnerGuard, TimeSpan.FromSeconds(10), CancellationToken.None)
            ?? throw new IOException($"The lock '{folder.OwnerGuard}' was held for more than 10 seconds.");

        private sealed class Held : IDisposable
        {
            public int Running;
            public volatile Func<Metric, bool>? RunRecorder;
            private readonly Timer heartbeat;

            public Held(RunFolder folder)
            {
                Folder = folder;
                heartbeat = new Timer(_ => Beat(), null, HeartbeatInterval, HeartbeatInterval);
            }

            public RunFolder Folder { get; }

            public void Dispose() => heartbeat.Dispose();

            private void Beat()
            {
                try
                {
                    OwnerRecord.Current(DateTimeOffset.UtcNow).Write(Folder.Owner);
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    // A missed beat only matters after HeartbeatExpiry, and only to another host.
                }
            }
        }

        private sealed class RunMark : IDisposable
        {
            private Held? held;

            public RunMark(Held held)
            {
                this.held = held;
            }

            public void Dispose()
            {
                if (Interlocked.Exchange(ref held, null) is Held done)
                {
                    done.RunRecorder = null;
                    Volatile.Write(ref done.Running, 0);
                }
            }
        }

        private sealed class OwnerRecord
        {
            private OwnerRecord(string host, string bootId, int pid, string processStart, DateTimeOffset heartbeat)
            {
                Host = host;
                BootId = bootId;
                Pid = pid;
                ProcessStart = processStart;
                Heartbeat = heartbeat;
            }

            public string Host { get; }

            public string BootId { get; }

            public int Pid { get; }

            public string ProcessStart { get; }

            public DateTimeOffset Heartbeat { get; }

            public static OwnerRecord Current(DateTimeOffset now) =>
                new OwnerRecord(Environment.MachineName, BootIdOfThisHost(), Environment.ProcessId, StartOf(Environment.ProcessId) ?? string.Empty, now);

            public static OwnerRecord? TryRead(string path)
            {
                try
                {
                    if (!File.Exists(path))
                        return null;
                    var json = JsonText.ParseObject(File.ReadAllText(path));
                    return new OwnerRecord((string?)json["host"] ?? string.Empty, (string?)json["bootId"] ?? string.Empty, (int?)json["pid"] ?? 0,
                        (string?)json["processStart"] ?? string.Empty, DateTimeOffset.Parse((string?)json["heartbeat"] ?? "0001-01-01", CultureInfo.InvariantCulture));
                }
                catch (Exception ex) when (ex is IOException || ex is Newtonsoft.Json.JsonException || ex is FormatException || ex is ArgumentException)
                {
                    // A damaged record names no one: it cannot keep anyone out.
                    return null;
                }
            }

            public void Write(string path) => AtomicFile.WriteAllText(path, new JObject
            {
                ["host"] = Host,
                ["bootId"] = BootId,
                ["pid"] = Pid,
                ["processStart"] = ProcessStart,
                ["heartbeat"] = Heartbeat.ToString("o", CultureInfo.InvariantCulture),
            }.ToString(Newtonsoft.Json.Formatting.None));

            public bool IsSameProcess(OwnerRecord other) =>
                Host == other.Host && BootId == other.BootId && Pid == other.Pid && ProcessStart == other.ProcessStart;

            public bool IsAlive(DateTimeOffset now)
            {
                if (Host != Environment.MachineName)
                    return now - Heartbeat < HeartbeatExpiry;
                if (BootId != BootIdOfThisHost())
                    return false;
                return StartOf(Pid) is string start && start == ProcessStart;
            }

            public string Describe() =>
                $"process {Pid} on host '{Host}' (last heartbeat {Heartbeat.ToLocalTime():yyyy-MM-dd HH:mm:ss})";

            private static string BootIdOfThisHost()
            {
                try
                {
                    return File.Exists("/proc/sys/kernel/random/boot_id") ? File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim() : string.Empty;
                }
                catch (IOException)
                {
                    return string.Empty;
                }
            }

            // When process pid started (so a reused pid is told apart), or null when there is no such process.
            private static string? StartOf(int pid)
            {
                try
                {
                    var stat = $"/proc/{pid}/stat";
                    if (File.Exists("/proc/self/stat"))
                    {
                        if (!File.Exists(stat))
                            return null;
                        // Field 22, counted after the command name, which may itself hold spaces and parentheses.
                        var text = File.ReadAllText(stat);
                        var fields = text.Substring(text.LastIndexOf(')') + 2).Split(' ');
                        return fields[0] == "Z" || fields[0] == "X" ? null : fields[19];
                    }
                    using var process = Process.GetProcessById(pid);
                    return process.StartTime.ToUniversalTime().Ticks.ToString(CultureInfo.InvariantCulture);
                }
                catch (Exception ex) when (ex is IOException || ex is ArgumentException || ex is InvalidOperationException || ex is UnauthorizedAccessException)
                {
                    return null;
                }
            }
        }
    }
}
