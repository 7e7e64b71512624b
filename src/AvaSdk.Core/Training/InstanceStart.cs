using System;
using System.Threading;
using AvaSdk.Platform;

namespace AvaSdk.Training
{
    /// <summary>
    /// How this process starts (or resumes, or joins) its training instance: in the workspace, or on the AVA platform when
    /// an API host is configured; as the node of its job it is, meeting the other nodes when the job has several. The one
    /// path of New-AvaTrainInstance and of Invoke-AvaTraining when its session has no instance running.
    /// </summary>
    public sealed class InstanceStart : IDisposable
    {
        private readonly string workspace;
        private readonly PlatformConfig config;
        private readonly JobNode node;
        private readonly string? requestedId;
        private readonly AvaApiClient? api;

        private InstanceStart(string workspace, PlatformConfig config, JobNode node, string? requestedId, AvaApiClient? api)
        {
            this.workspace = workspace;
            this.config = config;
            this.node = node;
            this.requestedId = requestedId;
            this.api = api;
        }

        /// <summary>Reads what the start needs (the node, the instance id, the platform) before anything is written.</summary>
        /// <param name="workspace">The workspace folder, resolved to a full path.</param>
        /// <param name="id">The instance to start or resume; null for the configured one (AVA_TRAINING_INSTANCE_ID), else a new one.</param>
        /// <param name="rank">This node's rank when the user gave it; null to take it from the environment.</param>
        /// <exception cref="Errors.AvaException">AvaNodeInvalid, AvaNodeNotWorker, AvaConfigInvalid, AvaConfigMissing.</exception>
        public static InstanceStart Prepare(string workspace, string? id, int? rank)
        {
            var config = new PlatformConfig(workspace);
            var node = JobNode.Resolve(Environment.GetEnvironmentVariable, rank);
            node.RequireWorker();
            var requested = string.IsNullOrEmpty(id) ? config.Value("TrainInstanceId") : id;
            var api = AvaApiClient.Configured(config);
            return new InstanceStart(workspace, config, node, requested, api);
        }

        /// <summary>Where the instance starts: the workspace, or the training on the platform.</summary>
        public string Target => api == null ? $"workspace '{workspace}'" : $"training '{config.RequireTrainingName()}' on the AVA platform at {config.ApiHost}";

        /// <summary>What the start will do, in words.</summary>
        public string Action => requestedId != null ? $"Start or resume training instance '{requestedId}'" :
            node.IsMultiNode ? $"Create or join the instance of job '{node.JobKey}' as {node}" : "Create a training instance";

        /// <summary>
        /// Starts the instance. Node 0 first sends what the platform is owed; a resumed instance whose owner died first
        /// sends the metrics that owner parsed but never delivered.
        /// </summary>
        /// <exception cref="Errors.AvaException">AvaWorkspaceNotFound, AvaTrainInstanceBusy, AvaTrainInstanceCompleted, AvaJobWaitTimedOut, the platform's errors.</exception>
        /// <exception cref="OperationCanceledException"><paramref name="stopping"/> was cancelled.</exception>
        public TrainInstance Start(IWorkObserver observer, CancellationToken stopping)
        {
            // Node 0 alone tells the platform; the other nodes leave what is owed to it.
            if (api != null && node.IsLeader)
                InstanceCompletion.SendPending(config, api, observer, stopping);
            TrainInstance StartOne(string? id) => api == null
                ? TrainInstanceStore.Start(workspace, id ?? TrainInstanceId.NewId(DateTimeOffset.UtcNow), DateTimeOffset.Now, node)
                : PlatformReports.StartAsync(workspace, id, config, api, DateTimeOffset.Now, node, stopping).GetAwaiter().GetResult();
            var instance = requestedId == null && node.IsMultiNode
                ? JobRendezvous.StartOrJoin(workspace, node, config.NodeWait, api == null ? null : () => StartOne(null), DateTimeOffset.Now, stopping)
                : StartOne(requestedId);
            if (instance.PreviousOwnerNote != null)
            {
                observer.Warning(instance.PreviousOwnerNote);
                // Its owner died: what it parsed but never sent goes now.
                InstanceCompletion.ReplayMetrics(instance, config, observer, stopping);
            }
            return instance;
        }

        public void Dispose() => api?.Dispose();
    }
}
