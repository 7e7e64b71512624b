using System;
using System.Linq;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using AvaSdk.Errors;
using AvaSdk.IO;
using AvaSdk.Logging;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace AvaSdk.Training
{
    /// <summary>Creates, resumes and completes training instances, keeping <c>run/&lt;id&gt;/status.json</c> true.</summary>
    public static class TrainInstanceStore
    {
        /// <summary>Starts instance <paramref name="id"/> in <paramref name="workspaceRoot"/>, or resumes it when its folder exists.</summary>
        public static TrainInstance Start(string workspaceRoot, string id, DateTimeOffset now) => Start(workspaceRoot, id, now, JobNode.Single);

        /// <summary>
        /// <see cref="Start(string, string, DateTimeOffset)"/> as <paramref name="node"/> of its job: a node other than 0 records
        /// only its own start, and leaves status.json to node 0.
        /// </summary>
        public static TrainInstance Start(string workspaceRoot, string id, DateTimeOffset now, JobNode node) => Start(workspaceRoot, id, now, null, node, createdHere: false);

        /// <param name="node">This process's node of the job: in a job of several, it records its own start in nodes/.</param>
        /// <param name="createdHere">This node created the instance. status.json is written by the node that created the
        /// instance and by node 0, never by the others, so no file has writers on two nodes.</param>
        internal static TrainInstance Start(string workspaceRoot, string id, DateTimeOffset now, Platform.PlatformLink? platform, JobNode node, bool createdHere)
        {
            var problem = TrainInstanceId.Validate(id);
            if (problem != null)
                throw new AvaException(AvaErrors.TrainInstanceIdInvalid, $"The training instance id '{id}' is not valid: {problem}. Use 1-{TrainInstanceId.MaxLength} letters, digits, '.', '_' or '-'.", id);
            AvaWorkspace.RequireExists(workspaceRoot);

            var workspace = new AvaWorkspace(workspaceRoot);
            var runPath = workspace.RunPath(id);
            var statusPath = RunFolder.Of(runPath).Status;
            JObject? previousJson = null;
            var previous = File.Exists(statusPath) ? ReadStatus(statusPath, out previousJson) : null;
            // A job's files are named by its number of nodes: a process that sees another number would write beside them.
            if (previousJson != null && ((int?)previousJson["nodes"] ?? 1) is var recorded && recorded != node.Size)
                throw new AvaException(AvaErrors.NodeInvalid, $"Training instance '{id}' belongs to a job of {recorded} node(s), but this process is {node} (from {node.Source}). " +
                    $"Set ${JobNode.SizeVariable} to {recorded} and this node's rank (${JobNode.RankVariable}) to resume it.", id);
            string? slotNote = null;
            if (!node.Claimed)
                (node, slotNote) = TakeSlot(runPath, node);
            var recordsInstance = createdHere || node.IsLeader;
            var folder = RunFolder.Of(runPath, node.Tag);

            var ownedHere = InstanceOwnership.IsHeldHere(folder);
            var takeOver = InstanceOwnership.Acquire(folder) ?? slotNote;
            // A process killed while it rewrote one of these left its temp file behind.
            foreach (var written in folder.ReplacedFiles)
                AtomicFile.RemoveLeftovers(written);
            Directory.CreateDirectory(folder.Output);
            Directory.CreateDirectory(folder.TrainerLogs);
            var instance = new TrainInstance(id, workspace, previous?.StartTime ?? now, InstanceLog.Create(folder.InstanceLog, node.Tag), node)
            {
                Platform = platform,
                Framework = previous?.Framework,
                PreviousOwnerNote = takeOver ?? (WasLeftRunning(folder, node, previous) && !ownedHere
                    ? $"Training instance '{id}' was left running by a process that did not record itself (an older AvaSdk, or one killed before it could); resuming it."
                    : null),
            };
            if (instance.PreviousOwnerNote != null)
                instance.Log.Warning("{Note:l}", instance.PreviousOwnerNote);
            if (recordsInstance)
                WriteStatus(instance);
            if (node.IsMultiNode)
            {
                // A node that died and came back goes on with the run its job's other nodes trained in: it keeps that
                // start, so the ends they recorded since still count when node 0 completes (InstanceCompletion.WaitForNodes).
                var since = NodeRecord.TryRead(folder.NodeRecord(node.Rank)) is { EndTime: null } died ? died.StartTime : now;
                NodeRecord.Starting(node, since).Write(folder.NodeRecord(node.Rank));
                instance.Log.Information("This process is {Node:l} (from {Source:l})", node.ToString(), node.Source);
            }

            if (previous == null)
                instance.Log.Information("Started training instance {Id:l} in {RunPath:l}", id, instance.RunPath);
            else
                instance.Log.Information("Resumed training instance {Id:l} in {RunPath:l} (it was {PreviousStatus:l}); its files are kept",
                    id, instance.RunPath, previous.Status.ToString().ToLowerInvariant());
            return instance;
        }

        // A DMLC worker whose rank only its log will tell takes the first slot no live process holds: its files' rank.
        private static (JobNode Node, string? Note) TakeSlot(string runPath, JobNode node)
        {
            // A slot whose worker has not ended first: one that ended may belong to a worker that completed its part.
            var slots = Enumerable.Range(0, node.Size)
                .OrderBy(slot => NodeRecord.TryRead(RunFolder.Of(runPath, slot).NodeRecord(slot)) is { EndTime: not null } ? 1 : 0);
            foreach (var slot in slots)
            {
                var folder = RunFolder.Of(runPath, slot);
                if (InstanceOwnership.IsHeldHere(folder))
                    continue;
                try
                {
                    return (node.InSlot(slot), InstanceOwnership.Acquire(folder));
                }
                catch (AvaException ex) when (ex.Error == AvaErrors.TrainInstanceBusy)
                {
                    // Another live worker holds it.
                }
            }
            throw new AvaException(AvaErrors.NodeInvalid, $"All {node.Size} worker slots of the instance in '{runPath}' are held by live processes, so this DMLC worker has none " +
                "(DMLC_NUM_WORKER is smaller than the number of workers started?).", runPath);
        }

        // Whether this node's part of the instance was running when no one owned it: in a job of several nodes, the node's
        // own record says (status.json is running while the other nodes are).
        private static bool WasLeftRunning(RunFolder folder, JobNode node, StatusRecord? previous) => node.IsMultiNode
            ? NodeRecord.TryRead(folder.NodeRecord(node.Rank)) is { EndTime: null }
            : previous?.Status == TrainInstanceStatus.Running;

        /// <summary>
        /// The instances of a workspace as their status.json files say, to look at: no ownership is taken and no log is
        /// opened (completing one takes it over as Complete-AvaTrainInstance does). A damaged status file is a problem
        /// of its own, and the others are still listed.
        /// </summary>
        /// <exception cref="AvaException">AvaWorkspaceNotFound.</exception>
        public static IReadOnlyList<TrainInstance> List(string workspaceRoot, out IReadOnlyList<AvaException> problems)
        {
            AvaWorkspace.RequireExists(workspaceRoot);
            var found = new List<TrainInstance>();
            var failed = new List<AvaException>();
            problems = failed;
            var workspace = new AvaWorkspace(workspaceRoot);
            var runs = Path.Combine(workspaceRoot, "run");
            if (!Directory.Exists(runs))
                return found;
            foreach (var runPath in Directory.GetDirectories(runs).OrderBy(p => p, StringComparer.Ordinal))
            {
                var folder = RunFolder.Of(runPath);
                if (!File.Exists(folder.Status))
                    continue;
                try
                {
                    var record = ReadStatus(folder.Status, out var json);
                    var id = Path.GetFileName(runPath);
                    found.Add(new TrainInstance(id, workspace, record.StartTime, Serilog.Core.Logger.None, JobNode.Listed((int?)json["nodes"] ?? 1))
                    {
                        Status = record.Status,
                        EndTime = record.EndTime,
                        ErrorMessage = record.ErrorMessage,
                        Framework = record.Framework,
                        CompletedAtSessionEnd = (bool?)json[CompletedAtSessionEndField] == true,
                        Platform = Platform.PlatformLink.FromJson(json["platform"]),
                    });
                }
                catch (Exception ex) when (ex is AvaException || ex is IOException || ex is JsonException)
                {
                    failed.Add(ex as AvaException ?? new AvaException(AvaErrors.TrainInstanceStatusInvalid, $"The status file '{folder.Status}' cannot be read: {ex.Message}", folder.Status, ex));
                }
            }
            return found;
        }

        /// <summary>Marks the instance done (no message) or failed, rewrites status.json and closes its log.</summary>
        public static void Complete(TrainInstance instance, string? errorMessage, DateTimeOffset now)
        {
            MarkComplete(instance, errorMessage, now);
            instance.CloseLog();
        }

        /// <summary>
        /// Marks the instance done or failed in status.json, leaving its log open; a platform instance is then
        /// waiting to be reported (see <see cref="Platform.PlatformReports"/>).
        /// </summary>
        internal static void MarkComplete(TrainInstance instance, string? errorMessage, DateTimeOffset now)
        {
            var onDisk = File.Exists(instance.StatusPath) ? ReadStatus(instance.StatusPath) : null;
            var status = onDisk != null && onDisk.Status != TrainInstanceStatus.Running ? onDisk.Status : instance.Status;
            if (status != TrainInstanceStatus.Running)
                throw new AvaException(AvaErrors.TrainInstanceCompleted, $"The training instance '{instance.Id}' is already {status.ToString().ToLowerInvariant()}.",
                    instance.Id);

            instance.Status = string.IsNullOrEmpty(errorMessage) ? TrainInstanceStatus.Done : TrainInstanceStatus.Failed;
            instance.EndTime = now;
            instance.ErrorMessage = string.IsNullOrEmpty(errorMessage) ? null : errorMessage;
            if (instance.Platform != null)
            {
                instance.Platform.Instance["status"] = instance.Status == TrainInstanceStatus.Done ? "done" : "failed";
                instance.Platform.Instance["stopTime"] = FormatTime(now);
                instance.Platform.Instance["errMsg"] = instance.ErrorMessage ?? string.Empty;
                instance.Platform.Reported = false;
            }
            WriteStatus(instance);
            if (instance.Status == TrainInstanceStatus.Done)
                instance.Log.Information("Training instance {Id:l} is done after {Duration:l}", instance.Id, FormatDuration(now - instance.StartTime));
            else
                instance.Log.Warning("Training instance {Id:l} failed after {Duration:l}: {ErrorMessage:l}", instance.Id, FormatDuration(now - instance.StartTime), errorMessage);
        }

        /// <summary>
        /// Records this node's end in nodes/&lt;rank&gt;.json (a node of a multi-node job). Node 0 may record it again when a
        /// completion stopped before the instance was marked; another node's second completion is an error.
        /// </summary>
        /// <exception cref="AvaException">AvaTrainInstanceCompleted: this node (not node 0) has already ended.</exception>
        internal static void MarkNodeEnd(TrainInstance instance, string? errorMessage, DateTimeOffset now)
        {
            if (!instance.JobNode.IsLeader)
                RequireNodeRunning(instance);
            var path = instance.Folder.NodeRecord(instance.Node);
            var record = NodeRecord.TryRead(path) ?? NodeRecord.Starting(instance.JobNode, instance.StartTime);
            record.Status = string.IsNullOrEmpty(errorMessage) ? TrainInstanceStatus.Done : TrainInstanceStatus.Failed;
            record.EndTime = now;
            record.ErrorMessage = string.IsNullOrEmpty(errorMessage) ? null : errorMessage;
            // Logged first: node 0 uploads this node's log once the record says it ended.
            instance.Log.Information("Node {Node} of training instance {Id:l} ended: {Status:l}", instance.Node, instance.Id, record.Status.ToString().ToLowerInvariant());
            record.Write(path);
            if (!instance.JobNode.IsLeader)
            {
                // This node's part is over: the object takes no more runs or metrics.
                instance.Status = record.Status;
                instance.EndTime = now;
                instance.ErrorMessage = record.ErrorMessage;
            }
        }

        /// <summary>Refuses a node (not 0) whose part of the instance has already ended.</summary>
        /// <exception cref="AvaException">AvaTrainInstanceCompleted.</exception>
        internal static void RequireNodeRunning(TrainInstance instance)
        {
            if (NodeRecord.TryRead(instance.Folder.NodeRecord(instance.Node)) is { EndTime: not null } record)
                throw new AvaException(AvaErrors.TrainInstanceCompleted, $"Node {instance.Node} of training instance '{instance.Id}' has already ended ({record.Status.ToString().ToLowerInvariant()}).", instance.Id);
        }

        internal static void Save(TrainInstance instance) => WriteStatus(instance);

        /// <summary>
        /// Records the log's format a run detected: in status.json (when this node writes it) and, in a job of several
        /// nodes, in this node's record.
        /// </summary>
        internal static void RecordFramework(TrainInstance instance, TrainingFramework framework)
        {
            instance.Framework = framework;
            if (instance.JobNode.IsLeader)
                WriteStatus(instance);
            if (instance.JobNode.IsMultiNode)
            {
                var path = instance.Folder.NodeRecord(instance.Node);
                var record = NodeRecord.TryRead(path) ?? NodeRecord.Starting(instance.JobNode, instance.StartTime);
                record.Framework = framework;
                record.Write(path);
            }
        }

        private const string CompletedAtSessionEndField = "completedAtSessionEnd";

        /// <summary>
        /// True when status.json says the instance failed because its session ended without completing it (see
        /// InstanceCompletion.CompleteAtSessionEnd). A damaged status file is no such instance: completing it says what is wrong with it.
        /// </summary>
        public static bool WasFailedAtSessionEnd(TrainInstance instance)
        {
            try
            {
                return File.Exists(instance.StatusPath) && ReadStatus(instance.StatusPath, out var json).Status == TrainInstanceStatus.Failed && (bool?)json[CompletedAtSessionEndField] == true;
            }
            catch (AvaException)
            {
                return false;
            }
        }

        /// <summary>The status record of an instance as kept in its status.json.</summary>
        public sealed class StatusRecord
        {
            public StatusRecord(TrainInstanceStatus status, DateTimeOffset startTime, DateTimeOffset? endTime, string? errorMessage, TrainingFramework? framework = null)
            {
                Framework = framework;
                Status = status;
                StartTime = startTime;
                EndTime = endTime;
                ErrorMessage = errorMessage;
            }

            public TrainInstanceStatus Status { get; }

            public DateTimeOffset StartTime { get; }

            public DateTimeOffset? EndTime { get; }

            public string? ErrorMessage { get; }

            /// <summary>The log's format as a run detected it; null until one did.</summary>
            public TrainingFramework? Framework { get; }
        }

        /// <summary>
        /// The version of the run folder's layout, written into status.json. 1 (no field): AvaSdk 0.1.0, whose metric spool,
        /// pending model records and resume records are still delivered. 2: owner.json and metrics.delivered join them.
        /// </summary>
        public const int LayoutVersion = 2;

        public static StatusRecord ReadStatus(string statusPath) => ReadStatus(statusPath, out _);

        /// <summary><see cref="ReadStatus(string)"/>, also handing back the file's JSON (its platform link, for listing).</summary>
        internal static StatusRecord ReadStatus(string statusPath, out JObject json)
        {
            try
            {
                json = JsonText.ParseObject(File.ReadAllText(statusPath));
            }
            catch (JsonException ex)
            {
                throw new AvaException(AvaErrors.TrainInstanceStatusInvalid, $"The status file '{statusPath}' is damaged ({ex.Message}). Restore it, or delete it to resume the instance as new.", statusPath, ex);
            }
            if (json["layout"]?.Type == JTokenType.Integer && (int)json["layout"]! > LayoutVersion)
                throw new AvaException(AvaErrors.WorkspaceTooNew, $"The instance in '{Path.GetDirectoryName(statusPath)}' was written by a newer AvaSdk (run folder layout {(int)json["layout"]!}; this one knows " +
                    $"up to {LayoutVersion}). Use that AvaSdk, or a newer one, to go on with it.", statusPath);
            try
            {
                var status = (TrainInstanceStatus)Enum.Parse(typeof(TrainInstanceStatus), (string?)json["status"] ?? string.Empty, ignoreCase: true);
                return new StatusRecord(status, ParseTime(json["startTime"]) ?? throw new FormatException("startTime is missing"),
                    ParseTime(json["endTime"]), (string?)json["errorMessage"], ParseFramework(json["framework"]));
            }
            catch (Exception ex) when (ex is JsonException || ex is FormatException || ex is ArgumentException || ex is InvalidCastException)
            {
                throw new AvaException(AvaErrors.TrainInstanceStatusInvalid, $"The status file '{statusPath}' is damaged ({ex.Message}). Restore it, or delete it to resume the instance as new.", statusPath, ex);
            }
        }

        private static void WriteStatus(TrainInstance instance)
        {
            var json = new JObject
            {
                ["layout"] = LayoutVersion,
                ["id"] = instance.Id,
                ["status"] = instance.Status.ToString().ToLowerInvariant(),
                ["startTime"] = FormatTime(instance.StartTime),
                ["endTime"] = instance.EndTime is DateTimeOffset end ? FormatTime(end) : null,
                ["errorMessage"] = instance.ErrorMessage,
            };
            if (instance.Framework != null)
                json["framework"] = FormatFramework(instance.Framework);
            if (instance.CompletedAtSessionEnd)
                json[CompletedAtSessionEndField] = true;
            if (instance.NodeCount > 1)
                json["nodes"] = instance.NodeCount;
            if (instance.Platform != null)
                json["platform"] = instance.Platform.ToJson();
            AtomicFile.WriteAllText(instance.StatusPath, json.ToString(Formatting.Indented));
        }

        internal static string? FormatFramework(TrainingFramework? framework) => framework?.ToString().ToLowerInvariant();

        // A name this AvaSdk does not know (a newer one's) is no detection it can show.
        internal static TrainingFramework? ParseFramework(JToken? token) =>
            token?.Type == JTokenType.String && Enum.TryParse<TrainingFramework>((string)token!, ignoreCase: true, out var framework) && Enum.IsDefined(framework) ? framework : null;

        internal static string FormatTime(DateTimeOffset time) => time.ToString("yyyy-MM-ddTHH:mm:ss.fffzzz", CultureInfo.InvariantCulture);

        private static string FormatDuration(TimeSpan duration) =>
            duration.ToString(duration.Days > 0 ? @"d\.hh\:mm\:ss" : @"hh\:mm\:ss", CultureInfo.InvariantCulture);

        private static DateTimeOffset? ParseTime(JToken? token)
        {
            // Read through IO.JsonText, times are the strings they were written as.
            if (token == null || token.Type == JTokenType.Null)
                return null;
            return DateTimeOffset.Parse((string)token!, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
        }
    }
}
