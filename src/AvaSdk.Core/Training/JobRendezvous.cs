using System;
using System.IO;
using System.Linq;
using System.Threading;
using AvaSdk.Errors;
using AvaSdk.IO;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace AvaSdk.Training
{
    /// <summary>
    /// How the nodes of one job come to share one instance without being told its id: they meet in the shared workspace.
    /// Under the job's lock (run/.jobs/&lt;job&gt;.lock, an OS lock that dies with its process), a node reads the job file
    /// (run/.jobs/&lt;job&gt;.json); while the instance it names is running and one of its nodes lives or has ended its part,
    /// the node joins it (a restarted node rejoins the run it died in);
    /// otherwise (the first node of a new run of the job) it creates the instance, on the platform too, and writes the job file. The others wait on
    /// the lock meanwhile, bounded by AVA_NODE_WAIT_SEC. Which node creates it does not depend on its rank.
    /// </summary>
    public static class JobRendezvous
    {
        /// <summary>This node's instance of the job: joined, or created when there is none running.</summary>
        /// <param name="createOnPlatform">Creates a new instance on the platform, and records it in status.json; null in local mode.</param>
        /// <exception cref="AvaException">AvaJobKeyMissing, AvaJobWaitTimedOut, and what the creation throws.</exception>
        /// <exception cref="OperationCanceledException"><paramref name="stopping"/> was cancelled while waiting.</exception>
        public static TrainInstance StartOrJoin(string workspaceRoot, JobNode node, TimeSpan wait, Func<TrainInstance>? createOnPlatform, DateTimeOffset now, CancellationToken stopping)
        {
            var name = node.JobFileName ?? throw new AvaException(AvaErrors.JobKeyMissing,
                $"This process is {node} (from {node.Source}), but nothing names the job its nodes share, so they cannot share one instance. " +
                $"Set ${Platform.PlatformConfig.JobNameVariable} to the same value on every node, or give every node the same instance id (${TrainInstanceId.EnvironmentVariable}).", node.Source);
            AvaWorkspace.RequireExists(workspaceRoot);
            var workspace = new AvaWorkspace(workspaceRoot);
            var jobFile = workspace.JobFile(name);
            using var held = FileLock.WaitForPersistent(workspace.JobLock(name), wait, stopping) ?? throw new AvaException(AvaErrors.JobWaitTimedOut,
                $"Waited {wait.TotalSeconds:0} s for another node of job '{node.JobKey}' to create or join its instance (the lock '{workspace.JobLock(name)}' stayed held). " +
                $"Check that node, or raise AVA_NODE_WAIT_SEC.", jobFile);
            if (RunningInstanceOf(jobFile, workspace) is (string id, var link))
            {
                var joined = TrainInstanceStore.Start(workspaceRoot, id, now, link, node, createdHere: false);
                joined.Log.Information("Joined training instance {Id:l} of job {Job:l} as {Node:l}", id, node.JobKey, joined.JobNode.ToString());
                return joined;
            }
            var created = createOnPlatform?.Invoke() ??
                TrainInstanceStore.Start(workspaceRoot, TrainInstanceId.NewId(now), now, null, node, createdHere: true);
            AtomicFile.WriteAllText(jobFile, new JObject
            {
                ["job"] = node.JobKey,
                ["id"] = created.Id,
                ["nodes"] = node.Size,
                ["createdBy"] = created.Node,
                ["created"] = TrainInstanceStore.FormatTime(now),
            }.ToString(Formatting.Indented));
            created.Log.Information("Created training instance {Id:l} for job {Job:l} ({Nodes} nodes) in {JobFile:l}", created.Id, node.JobKey, node.Size, jobFile);
            return created;
        }

        // The instance the job file names while it is still running, with its platform link; a finished one (or none) is
        // a new run of the job.
        private static (string Id, Platform.PlatformLink? Link)? RunningInstanceOf(string jobFile, AvaWorkspace workspace)
        {
            if (!File.Exists(jobFile))
                return null;
            string? id;
            try
            {
                id = (string?)JsonText.ParseObject(File.ReadAllText(jobFile))["id"];
            }
            catch (JsonException)
            {
                // Written by replacing it, so only a hand edit damages it: the next instance rewrites it.
                return null;
            }
            if (id == null || TrainInstanceId.Validate(id) != null)
                return null;
            var status = RunFolder.Of(workspace.RunPath(id)).Status;
            if (!File.Exists(status))
                return null;
            var record = TrainInstanceStore.ReadStatus(status, out var json);
            // Joined while a node of it lives or one ended its part (a node that died comes back to the run the others
            // finished, never forking the job in two); a job killed whole and started again is a new run, not a resume.
            var runPath = workspace.RunPath(id);
            var joinable = record.Status == TrainInstanceStatus.Running &&
                (InstanceOwnership.HasLiveOwner(runPath, (int?)json["nodes"] ?? 1) || NodeRecord.ReadAll(RunFolder.Of(runPath).Nodes).Any(node => node.EndTime != null));
            return joinable ? (id, Platform.PlatformLink.FromJson(json["platform"])) : null;
        }
    }
}
