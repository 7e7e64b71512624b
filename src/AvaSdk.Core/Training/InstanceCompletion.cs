using System;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AvaSdk.Errors;
using AvaSdk.Platform;
using AvaSdk.Reporting;
using AvaSdk.Snapshots;
using AvaSdk.Storage;

namespace AvaSdk.Training
{
    /// <summary>Where a long piece of core work shows itself; called only on the thread that started the work.</summary>
    public interface IWorkObserver
    {
        /// <param name="about">The error the warning is about, if any: the caller adds what its user can do about it.</param>
        void Warning(string message, AvaError? about = null);

        /// <param name="percent">-1 when unknown.</param>
        void Progress(string activity, string status, int percent);

        void ProgressCompleted(string activity);
    }

    /// <summary>
    /// Completes an instance in the one order that loses nothing: take ownership, drain the run's outbox (snapshot
    /// uploads, model records), send the metrics not yet delivered, mark it done or failed in status.json, tell the
    /// platform, release. Used by Complete-AvaTrainInstance, and by Invoke-AvaTraining when the job is terminated.
    /// Nothing owed is given up: what cannot be sent stays in the run folder, and a warning says where.
    /// In a job of several nodes each node records its own end (nodes/&lt;rank&gt;.json) and sends its own metrics; node 0
    /// alone drains the outbox, waits (bounded) for every node's end, and marks and reports the instance: failed when a
    /// node failed or never recorded its end.
    /// </summary>
    public static class InstanceCompletion
    {
        private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

        /// <summary>Completes <paramref name="instance"/>: done without <paramref name="errorMessage"/>, else failed.</summary>
        /// <param name="stopping">Ctrl+C: the instance stays running, and what is owed stays in its run folder.</param>
        /// <param name="timeLimit">How long sending may take (a SIGTERM's grace); once it is out, the instance is still
        /// marked, and what was not sent stays owed.</param>
        /// <exception cref="AvaException">AvaTrainInstanceBusy (another process owns it), AvaTrainInstanceCompleted, a status file that cannot be written.</exception>
        /// <exception cref="OperationCanceledException"><paramref name="stopping"/> was cancelled before the instance was marked.</exception>
        public static void Complete(TrainInstance instance, string? errorMessage, IWorkObserver observer, CancellationToken stopping, TimeSpan? timeLimit = null)
        {
            if (!instance.JobNode.IsLeader && instance.JobNode.IsMultiNode)
                TrainInstanceStore.RequireNodeRunning(instance);
            if (InstanceOwnership.Acquire(instance.Folder) is string note)
                observer.Warning(note);
            var config = new PlatformConfig(instance.Workspace);
            using var sending = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            if (timeLimit is TimeSpan limit)
                sending.CancelAfter(limit);
            var node = instance.JobNode;
            if (node.IsLeader)
                DrainOutbox(instance, config, observer, sending.Token);
            ReplayMetrics(instance, config, observer, sending.Token);
            stopping.ThrowIfCancellationRequested();
            if (node.IsMultiNode)
            {
                TrainInstanceStore.MarkNodeEnd(instance, errorMessage, DateTimeOffset.Now);
                if (!node.IsLeader)
                {
                    instance.CloseLog();
                    InstanceOwnership.Release(instance.Folder);
                    return;
                }
                var unfinished = WaitForNodes(instance, config.NodeWait, observer, sending.Token);
                stopping.ThrowIfCancellationRequested();
                ReplayGoneNodes(instance, config, observer, sending.Token);
                if (unfinished != null)
                {
                    observer.Warning($"Training instance '{instance.Id}' is marked failed: {unfinished}.", AvaErrors.NodesUnfinished);
                    errorMessage = string.IsNullOrEmpty(errorMessage) ? unfinished : $"{errorMessage}; {unfinished}";
                }
            }
            TrainInstanceStore.MarkComplete(instance, errorMessage, DateTimeOffset.Now);
            try
            {
                ReportToPlatform(instance, config, observer, sending.Token, sendOtherPending: true);
            }
            finally
            {
                instance.CloseLog();
                InstanceOwnership.Release(instance.Folder);
            }
        }

        /// <summary>How long completing the instances a session left running may take as it ends: it only marks and reports.</summary>
        public static readonly TimeSpan SessionEndLimit = TimeSpan.FromSeconds(5);

        /// <summary>
        /// Completes an instance its session started or joined and left running, as the session ends: marks it done or
        /// failed (a node other than 0: records the node's end) and tells the platform, before <paramref name="deadline"/>
        /// (see <see cref="SessionEndLimit"/>). It waits for no other node and no upload: the outbox, undelivered metrics
        /// and a report the platform did not take stay owed to the next AvaSdk command. Never throws: what goes wrong is a warning.
        /// </summary>
        /// <param name="ending">What ended, for the warning: "its PowerShell session ended".</param>
        public static void CompleteAtSessionEnd(TrainInstance instance, string? errorMessage, string ending, IWorkObserver observer, CancellationToken deadline)
        {
            var outcome = string.IsNullOrEmpty(errorMessage) ? "done" : $"failed ({errorMessage})";
            var node = instance.JobNode;
            var what = node.IsLeader ? $"Training instance '{instance.Id}'" : $"Node {instance.Node} of training instance '{instance.Id}'";
            // Its run folder was deleted (a test's temporary workspace): there is nothing left to mark, nor to recreate.
            if (!Directory.Exists(instance.Folder.Path))
                return;
            try
            {
                if (node.IsMultiNode)
                    TrainInstanceStore.MarkNodeEnd(instance, errorMessage, DateTimeOffset.Now);
                if (node.IsLeader)
                {
                    instance.CompletedAtSessionEnd = true;
                    TrainInstanceStore.MarkComplete(instance, errorMessage, DateTimeOffset.Now);
                }
                var note = $"{what} was still running when {ending}, so AvaSdk marked it {outcome} for you, waiting for no upload and no other node: " +
                    "the next AvaSdk command in its workspace sends what it still owes. End the script with Complete-AvaTrainInstance to complete it yourself.";
                instance.Log.Warning("{Note:l}", note);
                observer.Warning(note);
                if (node.IsLeader)
                    ReportToPlatform(instance, new PlatformConfig(instance.Workspace), observer, deadline, sendOtherPending: false);
            }
            catch (AvaException ex) when (ex.Error == AvaErrors.TrainInstanceCompleted)
            {
                // Another process or runspace completed it meanwhile.
                instance.Log.Information("{What:l} was already completed when its session ended", what);
            }
            catch (Exception ex) when (ex is AvaException || ex is IOException || ex is UnauthorizedAccessException)
            {
                observer.Warning($"{what} was still running when {ending}, but AvaSdk could not mark it {outcome}: {ex.Message}");
            }
            finally
            {
                instance.CloseLog();
                try
                {
                    InstanceOwnership.Release(instance.Folder);
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    // Its owner file names a process that is ending: the next owner takes it over.
                }
            }
        }

        /// <summary>
        /// Waits, with progress, until every node of the job has recorded its end or is known to be dead (its owner gone
        /// from this host, or its heartbeat expired elsewhere), or <paramref name="bound"/> is out.
        /// Returns null when every node is done, else what went wrong (the failed nodes, the dead ones, the ones that never ended).
        /// </summary>
        private static string? WaitForNodes(TrainInstance instance, TimeSpan bound, IWorkObserver observer, CancellationToken stopping)
        {
            const string Activity = "Waiting for the job's nodes";
            var clock = System.Diagnostics.Stopwatch.StartNew();
            // An end recorded before this node started is an earlier attempt's: the nodes of a job train together.
            var since = NodeRecord.TryRead(instance.Folder.NodeRecord(instance.Node))?.StartTime ?? instance.StartTime;
            // A node that failed before node 0 started again (its failure may be why node 0 did) is reported as failed, not waited for.
            bool Ended(NodeRecord? node) => node?.EndTime is DateTimeOffset end && (end >= since || node.Status == TrainInstanceStatus.Failed);
            string? DeadOwner(int rank) => rank == instance.Node ? null : InstanceOwnership.DeadOwner(RunFolder.Of(instance.RunPath, rank));
            System.Collections.Generic.IReadOnlyList<NodeRecord> nodes;
            while (true)
            {
                nodes = NodeRecord.ReadAll(instance.Folder.Nodes);
                var ended = nodes.Count(n => Ended(n) && n.Rank < instance.NodeCount);
                var settled = ended + Enumerable.Range(0, instance.NodeCount).Count(rank => !Ended(nodes.FirstOrDefault(n => n.Rank == rank)) && DeadOwner(rank) != null);
                if (settled >= instance.NodeCount || clock.Elapsed >= bound || stopping.IsCancellationRequested)
                    break;
                observer.Progress(Activity, $"{ended} of {instance.NodeCount} nodes have ended", ended * 100 / instance.NodeCount);
                stopping.WaitHandle.WaitOne(PollInterval);
            }
            observer.ProgressCompleted(Activity);
            var problems = new System.Collections.Generic.List<string>();
            for (var rank = 0; rank < instance.NodeCount; rank++)
            {
                var record = nodes.FirstOrDefault(n => n.Rank == rank);
                if (Ended(record))
                {
                    if (record!.Status == TrainInstanceStatus.Failed && rank != instance.Node)
                        problems.Add($"node {rank} failed: {record.ErrorMessage}");
                }
                else if (DeadOwner(rank) is string dead)
                    problems.Add($"node {rank} died without recording its end: its {dead} is gone");
                else
                    problems.Add($"node {rank} did not record its end within {bound.TotalSeconds:0} s");
            }
            return problems.Count == 0 ? null : string.Join("; ", problems);
        }

        /// <summary>
        /// Sends what the run's outbox holds, after waiting for a drainer already at it (the training's background uploads):
        /// with progress, until it is empty or every entry left has failed once more. Ctrl+C leaves the rest in the outbox.
        /// </summary>
        public static void DrainOutbox(TrainInstance instance, PlatformConfig config, IWorkObserver observer, CancellationToken stopping)
        {
            var outbox = new SnapshotOutbox(instance.Folder);
            if (outbox.Entries().Count == 0)
                return;
            SnapshotOutboxDrainer drainer;
            try
            {
                drainer = SnapshotOutboxDrainer.For(instance.Folder, config, instance.Log);
            }
            catch (AvaException ex)
            {
                observer.Warning($"{outbox.Entries().Count} snapshot model(s) of instance '{instance.Id}' were not sent ({ex.Message}); they stay in '{outbox.Path}' for the next AvaSdk command in this instance.");
                return;
            }
            const string Activity = SnapshotOutboxDrainer.ProgressActivity;
            using (drainer)
            {
                while (!stopping.IsCancellationRequested)
                {
                    var pass = drainer.DrainOnceAsync(stopping);
                    System.Collections.Generic.IReadOnlyList<SnapshotOutboxEntry>? failed;
                    try
                    {
                        // Ctrl+C leaves the rest in the outbox; the pass, which sees the same token, gets 5 s to end.
                        failed = ObservedWait.Wait(pass, () => observer.Progress(Activity, drainer.ProgressStatus, drainer.ProgressPercent), stopping, TimeSpan.FromSeconds(5));
                    }
                    catch (OperationCanceledException)
                    {
                        break;
                    }
                    if (failed == null)
                    {
                        // Another drainer (the training's background uploads) holds the outbox: wait for it, then go over what it left.
                        observer.Progress(Activity, $"Waiting for the training's uploads: {outbox.Entries().Count} model(s) left", -1);
                        stopping.WaitHandle.WaitOne(PollInterval);
                        continue;
                    }
                    foreach (var entry in failed)
                        observer.Warning(entry.DescribeFailure(outbox.Path), entry.Failure);
                    break;
                }
            }
            observer.ProgressCompleted(Activity);
        }

        /// <summary>
        /// Sends what an earlier run left undelivered: records of metrics.jsonl a killed run never sent, and the spool, for
        /// at most <see cref="PlatformConfig.DeliveryWait"/> (an endpoint that never answers must not hold the command).
        /// Undelivered metrics never stop a command: they stay owed where they are, and a warning says where and what sends them.
        /// </summary>
        public static void ReplayMetrics(TrainInstance instance, PlatformConfig config, IWorkObserver observer, CancellationToken stopping) =>
            ReplayMetrics(instance.Folder, instance.Id, instance.Log, config, observer, stopping);

        private static void ReplayMetrics(RunFolder folder, string instanceId, Serilog.ILogger log, PlatformConfig config, IWorkObserver observer, CancellationToken stopping)
        {
            long undelivered;
            string? why = null;
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            try
            {
                bounded.CancelAfter(config.DeliveryWait);
                undelivered = MetricDelivery.RecoverJournalAsync(folder, config, instanceId, log, bounded.Token).GetAwaiter().GetResult() +
                    MetricDelivery.ReplaySpoolAsync(folder, config, instanceId, log, bounded.Token).GetAwaiter().GetResult();
            }
            catch (AvaConfigException ex)
            {
                undelivered = Owed(folder);
                why = $" ({ex.Message})";
            }
            catch (OperationCanceledException) when (bounded.IsCancellationRequested)
            {
                undelivered = Owed(folder);
                why = stopping.IsCancellationRequested ? " (out of time)" : $" (the metrics endpoint did not take them within {config.DeliveryWait.TotalSeconds:0} s, ${PlatformConfig.DeliveryWaitVariable})";
            }
            if (undelivered > 0)
                observer.Warning($"{undelivered} metric point(s) of instance '{instanceId}' could not be delivered{why}; they stay owed in '{folder.MetricSpool}' (and {System.IO.Path.GetFileName(folder.Metrics)}, which holds every metric), " +
                    "and the next AvaSdk command in this instance sends them.", AvaErrors.PlatformUnreachable);
        }

        // What a folder still owes the endpoint: the records metrics.jsonl holds but no run sent, and the spool.
        private static long Owed(RunFolder folder) => new MetricJournal(folder).Owed() + new MetricSpool(folder).Count;

        /// <summary>
        /// Sends the metrics every instance of the workspace still owes whose process is gone (what Complete-AvaTrainInstance
        /// retries), taking each run folder over as a command in it would.
        /// </summary>
        public static void SendOwedMetrics(string workspace, PlatformConfig config, IWorkObserver observer, CancellationToken stopping)
        {
            foreach (var instance in TrainInstanceStore.List(workspace, out _))
                for (var rank = 0; rank < instance.NodeCount; rank++)
                    SendOwedBy(RunFolder.Of(instance.RunPath, instance.NodeCount > 1 ? rank : null), instance.Id, Logging.InstanceLog.Detached, config, observer, stopping);
        }

        // Sends what a run folder whose process is gone owes, holding it meanwhile so that its files keep one writer.
        private static void SendOwedBy(RunFolder folder, string instanceId, Serilog.ILogger log, PlatformConfig config, IWorkObserver observer, CancellationToken stopping)
        {
            try
            {
                if (Owed(folder) == 0 || InstanceOwnership.HasLiveOwner(folder) || InstanceOwnership.IsHeldHere(folder))
                    return;
                InstanceOwnership.Acquire(folder);
            }
            catch (Exception ex) when (ex is AvaException || ex is IOException || ex is UnauthorizedAccessException)
            {
                // It came back meanwhile, or its files cannot be read: what it owes stays with it.
                log.Warning("The metrics {Folder:l} owes were not sent: {Problem:l}", folder.Path, ex.Message);
                return;
            }
            try
            {
                log.Information("Sending the metrics {Folder:l} still owes (its process is gone)", folder.Path);
                ReplayMetrics(folder, instanceId, log, config, observer, stopping);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                observer.Warning($"The metrics instance '{instanceId}' still owes were not sent ({ex.Message}); they stay in '{folder.Path}'.");
            }
            finally
            {
                try
                {
                    InstanceOwnership.Release(folder);
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    log.Warning("{Folder:l} could not be given back: {Problem:l}", folder.Path, ex.Message);
                }
            }
        }

        /// <summary>
        /// Node 0 sends what the other nodes still owe the metrics endpoint when they are gone (ended, or killed): it takes
        /// over each such node's part, as a command on that node would, so its files keep one writer at a time.
        /// </summary>
        private static void ReplayGoneNodes(TrainInstance instance, PlatformConfig config, IWorkObserver observer, CancellationToken stopping)
        {
            for (var rank = 0; rank < instance.NodeCount; rank++)
                if (rank != instance.Node)
                    SendOwedBy(RunFolder.Of(instance.RunPath, rank), instance.Id, instance.Log, config, observer, stopping);
        }

        /// <param name="sendOtherPending">Once the platform took the completion, also send what else it is owed in the workspace.</param>
        private static void ReportToPlatform(TrainInstance instance, PlatformConfig config, IWorkObserver observer, CancellationToken stopping, bool sendOtherPending)
        {
            if (instance.Platform == null)
                return;
            AvaException? failure;
            try
            {
                using var api = AvaApiClient.Configured(config) ?? throw new AvaException(AvaErrors.ConfigMissing, $"Instance '{instance.Id}' belongs to the AVA platform, but no API host is configured any more (${PlatformConfig.ApiHostVariable} or atnet_apiserver_host in '{config.FilePath("worker")}').");
                failure = PlatformReports.ReportCompletionAsync(instance, api, stopping).GetAwaiter().GetResult();
                if (failure == null && sendOtherPending)
                    SendPendingLogged(config, api, instance.Log, observer, stopping);
            }
            catch (AvaException ex)
            {
                failure = ex;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                failure = new AvaException(AvaErrors.PlatformUnreachable, "there was no time left to send it.");
            }
            if (failure != null)
                observer.Warning($"The AVA platform was not told that instance '{instance.Id}' is {instance.Status.ToString().ToLowerInvariant()}: {failure.Message} " +
                    $"The completion is kept in '{instance.StatusPath}' as not reported; the next AvaSdk command in this workspace sends it.", AvaErrors.PlatformUnreachable);
        }

        /// <summary>
        /// Sends the reports the platform has not taken yet, in the whole workspace. Failing here never fails the command at
        /// hand: it is a warning, and the reports stay pending for the next command.
        /// </summary>
        public static void SendPending(PlatformConfig config, AvaApiClient api, IWorkObserver observer, CancellationToken stopping) =>
            SendPendingLogged(config, api, Logging.InstanceLog.Detached, observer, stopping);

        private static void SendPendingLogged(PlatformConfig config, AvaApiClient api, Serilog.ILogger log, IWorkObserver observer, CancellationToken stopping)
        {
            try
            {
                PlatformReports.SendPendingLoggedAsync(config.Workspace, api, log, stopping).GetAwaiter().GetResult();
            }
            catch (AvaException ex)
            {
                observer.Warning($"Reports owed to the AVA platform (completions, model records) are still not sent: {ex.Message} They stay in the run folders; the next AvaSdk command in '{config.Workspace}' sends them.", AvaErrors.PlatformUnreachable);
            }
        }
    }
}
