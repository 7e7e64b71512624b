using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using AvaSdk.IO;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace AvaSdk
{
    /// <summary>
    /// One node of a multi-node job as it recorded itself in <c>run/&lt;id&gt;/nodes/&lt;rank&gt;.json</c>: when it started and
    /// ended, and how. Each node writes only its own file; node 0 reads them all before it completes the instance.
    /// </summary>
    public sealed class NodeRecord
    {
        internal NodeRecord(int rank, int size, string host, int pid, TrainInstanceStatus status, DateTimeOffset startTime, DateTimeOffset? endTime, string? errorMessage,
            TrainingFramework? framework = null)
        {
            Framework = framework;
            Rank = rank;
            Size = size;
            Host = host;
            Pid = pid;
            Status = status;
            StartTime = startTime;
            EndTime = endTime;
            ErrorMessage = errorMessage;
        }

        public int Rank { get; }

        /// <summary>The job's number of nodes as this node saw it.</summary>
        public int Size { get; }

        public string Host { get; }

        public int Pid { get; }

        public TrainInstanceStatus Status { get; internal set; }

        public DateTimeOffset StartTime { get; }

        public DateTimeOffset? EndTime { get; internal set; }

        public string? ErrorMessage { get; internal set; }

        /// <summary>The log's format as this node's run detected it; null until one did.</summary>
        public TrainingFramework? Framework { get; internal set; }

        public override string ToString() => $"node {Rank}: {Status.ToString().ToLowerInvariant()}";

        internal static NodeRecord Starting(Training.JobNode node, DateTimeOffset now) =>
            new NodeRecord(node.Rank, node.Size, Environment.MachineName, Environment.ProcessId, TrainInstanceStatus.Running, now, null, null);

        internal void Write(string path)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            AtomicFile.WriteAllText(path, new JObject
            {
                ["rank"] = Rank,
                ["size"] = Size,
                ["host"] = Host,
                ["pid"] = Pid,
                ["status"] = Status.ToString().ToLowerInvariant(),
                ["startTime"] = Training.TrainInstanceStore.FormatTime(StartTime),
                ["endTime"] = EndTime is DateTimeOffset end ? Training.TrainInstanceStore.FormatTime(end) : null,
                ["errorMessage"] = ErrorMessage,
                ["framework"] = Training.TrainInstanceStore.FormatFramework(Framework),
            }.ToString(Formatting.Indented));
        }

        /// <summary>The node records in <paramref name="nodesFolder"/>, by rank; a damaged one is left out (it is no end).</summary>
        internal static IReadOnlyList<NodeRecord> ReadAll(string nodesFolder)
        {
            if (!Directory.Exists(nodesFolder))
                return Array.Empty<NodeRecord>();
            return Directory.GetFiles(nodesFolder, "*.json").Select(TryRead).OfType<NodeRecord>().OrderBy(n => n.Rank).ToList();
        }

        internal static NodeRecord? TryRead(string path)
        {
            try
            {
                var json = JsonText.ParseObject(File.ReadAllText(path));
                var status = (TrainInstanceStatus)Enum.Parse(typeof(TrainInstanceStatus), (string?)json["status"] ?? string.Empty, ignoreCase: true);
                return new NodeRecord((int)json["rank"]!, (int?)json["size"] ?? 1, (string?)json["host"] ?? string.Empty, (int?)json["pid"] ?? 0, status,
                    Time(json["startTime"]) ?? DateTimeOffset.MinValue, Time(json["endTime"]), (string?)json["errorMessage"], Training.TrainInstanceStore.ParseFramework(json["framework"]));
            }
            catch (Exception ex) when (ex is IOException || ex is JsonException || ex is ArgumentException || ex is FormatException || ex is InvalidCastException)
            {
                return null;
            }
        }

        private static DateTimeOffset? Time(JToken? token) =>
            token?.Type == JTokenType.String ? DateTimeOffset.Parse((string)token!, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind) : null;
    }
}
