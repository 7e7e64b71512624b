using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using AvaSdk.Reporting;
using AvaSdk.Training;

namespace AvaSdk.Metrics
{
    /// <summary>
    /// The metrics instances recorded, read back from every node's metrics file (Get-AvaMetric): streamed, so a file of
    /// any size is read in flat memory, and followed while it grows, as <c>Get-Content -Wait</c> follows a file. Only whole
    /// records are read; a torn last line waits for its end.
    /// </summary>
    public sealed class RecordedMetrics
    {
        /// <summary>How often a followed run is looked at again.</summary>
        public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

        // How much of the end of a metrics file NamesIn reads.
        private const int NameTailBytes = 64 * 1024;

        private readonly IReadOnlyList<TrainInstance> instances;
        private readonly Func<Metric, bool> wanted;
        private readonly Dictionary<string, Cursor> cursors = new Dictionary<string, Cursor>(StringComparer.Ordinal);

        /// <param name="wanted">Which metrics to give (by name, phase, node…).</param>
        public RecordedMetrics(IReadOnlyList<TrainInstance> instances, Func<Metric, bool> wanted)
        {
            this.instances = instances;
            this.wanted = wanted;
        }

        /// <summary>
        /// The wanted metrics recorded so far, instance by instance, node by node; with <paramref name="last"/>, only the
        /// last ones of each instance, by time across its nodes.
        /// </summary>
        /// <exception cref="Errors.AvaException">AvaMetricsFileUnreadable.</exception>
        public IEnumerable<Metric> ReadAll(int? last = null)
        {
            foreach (var instance in instances)
            {
                if (last is not int count)
                {
                    foreach (var metric in ReadNew(instance))
                        yield return metric;
                    continue;
                }
                // The last ones of each node (at most count each, so memory stays bounded), then the last of them all by time.
                var kept = new List<Metric>();
                var files = RunFolder.Of(instance.RunPath).AllNodeMetrics();
                foreach (var (_, file) in files)
                {
                    var ofNode = new Queue<Metric>();
                    foreach (var metric in ReadNew(file))
                    {
                        if (count == 0)
                            continue;
                        if (ofNode.Count == count)
                            ofNode.Dequeue();
                        ofNode.Enqueue(metric);
                    }
                    kept.AddRange(ofNode);
                }
                // One file keeps its own order; several are merged by time.
                var ordered = files.Count > 1 ? kept.OrderBy(m => m.Timestamp) : (IEnumerable<Metric>)kept;
                foreach (var metric in ordered.Skip(Math.Max(0, kept.Count - count)))
                    yield return metric;
            }
        }

        /// <summary>
        /// After <see cref="ReadAll"/>: the wanted metrics as they are recorded, until every instance has ended (one last
        /// read then) or <paramref name="stopping"/> is cancelled. An instance still running whose owner is gone (killed
        /// without completing) is left with <paramref name="abandoned"/> called once for it.
        /// </summary>
        public IEnumerable<Metric> Follow(Action<TrainInstance> abandoned, CancellationToken stopping)
        {
            var following = instances.ToList();
            while (following.Count > 0 && !stopping.IsCancellationRequested)
            {
                foreach (var instance in following.ToList())
                {
                    // Looked at before the read, so what a completed run wrote last is read too.
                    var state = StateOf(instance);
                    foreach (var metric in ReadNew(instance))
                        yield return metric;
                    if (state == RunState.Running)
                        continue;
                    following.Remove(instance);
                    if (state == RunState.Abandoned)
                        abandoned(instance);
                }
                if (following.Count > 0)
                    stopping.WaitHandle.WaitOne(PollInterval);
            }
        }

        /// <summary>
        /// The names of the metrics a run recorded, cheaply enough for tab completion whatever the size of its files: only
        /// the first <paramref name="recordsPerFile"/> records and the last <see cref="NameTailBytes"/> of each node's file,
        /// since a run records its names again and again (the test phase's first and last among them).
        /// </summary>
        public static IReadOnlyCollection<string> NamesIn(string runPath, int recordsPerFile)
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            void Read(TextReader reader, int most)
            {
                for (var read = 0; read < most && reader.ReadLine() is string record; read++)
                {
                    if (MetricJournal.Parse(record) is { } metric)
                        names.Add(metric.Name);
                }
            }
            foreach (var (_, file) in RunFolder.Of(runPath).AllNodeMetrics())
            {
                using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                using var reader = new StreamReader(stream, Encoding.UTF8);
                Read(reader, recordsPerFile);
                if (stream.Length - stream.Position > NameTailBytes)
                {
                    stream.Seek(-NameTailBytes, SeekOrigin.End);
                    reader.DiscardBufferedData();
                    reader.ReadLine(); // the part of a record the seek landed in
                }
                Read(reader, int.MaxValue);
            }
            return names;
        }

        private enum RunState
        {
            Running,
            Ended,
            Abandoned,
        }

        private static RunState StateOf(TrainInstance instance)
        {
            TrainInstanceStore.StatusRecord status;
            try
            {
                status = TrainInstanceStore.ReadStatus(instance.StatusPath);
            }
            catch (Errors.AvaException)
            {
                // Being rewritten (atomically, so this is a damaged file): the next look decides.
                return RunState.Running;
            }
            catch (IOException)
            {
                return RunState.Running;
            }
            if (status.Status != TrainInstanceStatus.Running)
                return RunState.Ended;
            return InstanceOwnership.HasLiveOwner(instance.RunPath, instance.NodeCount) ? RunState.Running : RunState.Abandoned;
        }

        // The wanted records every node's file of the instance gained since the last read.
        private IEnumerable<Metric> ReadNew(TrainInstance instance) =>
            RunFolder.Of(instance.RunPath).AllNodeMetrics().SelectMany(node => ReadNew(node.File));

        // The wanted records a node's file gained since the last read, whole ones only.
        private IEnumerable<Metric> ReadNew(string file)
        {
            if (!cursors.TryGetValue(file, out var cursor))
                cursors[file] = cursor = new Cursor(file);
            foreach (var record in cursor.ReadNew())
            {
                if (MetricJournal.Parse(record) is { } metric && wanted(metric))
                    yield return metric;
            }
        }

        // Where reading of one file got to: just after the last '\n' read.
        private sealed class Cursor
        {
            private readonly string path;
            private readonly byte[] buffer = new byte[64 * 1024];
            private readonly MemoryStream line = new MemoryStream();
            private long offset;

            public Cursor(string path)
            {
                this.path = path;
            }

            public IEnumerable<string> ReadNew()
            {
                FileStream stream;
                try
                {
                    stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1);
                }
                catch (Exception ex) when (ex is FileNotFoundException || ex is DirectoryNotFoundException)
                {
                    // Gone with its run folder: nothing more to read.
                    return Array.Empty<string>();
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    throw new Errors.AvaException(Errors.AvaErrors.MetricsFileUnreadable, $"The metrics file '{path}' cannot be read: {ex.Message}", path, ex);
                }
                return Lines(stream);
            }

            private IEnumerable<string> Lines(FileStream opened)
            {
                using var stream = opened;
                // A file cut back (a full disk) is read again from its start of what is left.
                if (stream.Length < offset)
                    offset = 0;
                stream.Position = offset;
                line.SetLength(0);
                int read;
                while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
                {
                    var start = 0;
                    for (var i = 0; i < read; i++)
                    {
                        if (buffer[i] != (byte)'\n')
                            continue;
                        line.Write(buffer, start, i - start);
                        offset += line.Length + 1;
                        if (line.Length > 0)
                            yield return Encoding.UTF8.GetString(line.GetBuffer(), 0, (int)line.Length);
                        line.SetLength(0);
                        start = i + 1;
                    }
                    line.Write(buffer, start, read - start);
                }
            }
        }
    }
}
