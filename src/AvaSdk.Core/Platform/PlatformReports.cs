using System;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AvaSdk.Errors;
using AvaSdk.IO;
using AvaSdk.Snapshots;
using AvaSdk.Storage;
using AvaSdk.Training;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using Serilog;

namespace AvaSdk.Platform
{
    /// <summary>
    /// The instance's life on the AVA platform: created (or fetched, to resume) when it starts, told of its end when it
    /// completes. A completion the platform could not take stays in status.json as not reported, and is sent by the
    /// next AvaSdk command in the workspace: a completion is never lost.
    /// </summary>
    public static class PlatformReports
    {
        /// <summary>Creates the instance on the platform (or fetches <paramref name="requestedId"/>), then starts it locally.</summary>
        /// <param name="node">This process's node: a node other than 0 of an instance it did not create leaves status.json to node 0.</param>
        public static async Task<TrainInstance> StartAsync(string workspaceRoot, string? requestedId, PlatformConfig config, AvaApiClient api,
            DateTimeOffset now, JobNode node, CancellationToken cancellationToken)
        {
            var log = Logging.InstanceLog.Detached;
            var training = config.RequireTrainingName();
            AvaWorkspace.RequireExists(workspaceRoot);
            string id;
            JObject spec;
            if (requestedId == null)
            {
                spec = new JObject
                {
                    ["status"] = "running",
                    ["params"] = ReadParams(new AvaWorkspace(workspaceRoot).ParamsPath),
                    ["startTime"] = TrainInstanceStore.FormatTime(now),
                };
                id = await api.CreateTrainInstanceAsync(training, spec, cancellationToken).ConfigureAwait(false);
                log.Information("The AVA platform created instance {Id:l} of training {Training:l}", id, training);
            }
            else
            {
                id = requestedId;
                spec = await api.GetTrainInstanceAsync(training, id, cancellationToken).ConfigureAwait(false);
                log.Information("Resuming instance {Id:l} of training {Training:l} as the AVA platform knows it", id, training);
            }
            return TrainInstanceStore.Start(workspaceRoot, id, now, new PlatformLink(training, spec, reported: true), node, createdHere: requestedId == null);
        }

        /// <summary>Tells the platform the instance ended. Returns null when it did, else the error (the completion stays pending).</summary>
        public static async Task<AvaException?> ReportCompletionAsync(TrainInstance instance, AvaApiClient api, CancellationToken cancellationToken)
        {
            if (instance.Platform is not { Reported: false } link)
                return null;
            try
            {
                await api.UpdateTrainInstanceAsync(link.TrainingName, instance.Id, link.Instance, cancellationToken).ConfigureAwait(false);
            }
            catch (AvaException ex)
            {
                instance.Log.Warning("The AVA platform was not told that instance {Id:l} is {Status:l}: {Problem:l}", instance.Id, (string?)link.Instance["status"], ex.Message);
                return ex;
            }
            link.Reported = true;
            TrainInstanceStore.Save(instance);
            instance.Log.Information("Reported instance {Id:l} as {Status:l} to the AVA platform", instance.Id, (string?)link.Instance["status"]);
            return null;
        }

        /// <summary>
        /// Sends every completion and model record in the workspace the platform has not taken yet. Returns how many were
        /// sent; stops at the first failure (the platform is still unreachable) and throws it.
        /// </summary>
        public static Task<int> SendPendingAsync(string workspaceRoot, AvaApiClient api, CancellationToken cancellationToken) =>
            SendPendingLoggedAsync(workspaceRoot, api, Logging.InstanceLog.Detached, cancellationToken);

        /// <summary><see cref="SendPendingAsync"/>, logging to <paramref name="log"/> (an instance's log).</summary>
        internal static async Task<int> SendPendingLoggedAsync(string workspaceRoot, AvaApiClient api, ILogger log, CancellationToken cancellationToken)
        {
            var runs = Path.Combine(workspaceRoot, "run");
            if (!Directory.Exists(runs))
                return 0;
            // Only run/<id>/ holds these files; the snapshot folders below it can be large, so they are not walked.
            var runFolders = Directory.GetDirectories(runs);
            var sent = 0;
            foreach (var folder in runFolders.Select(f => RunFolder.Of(f)))
            {
                if (File.Exists(folder.LegacyPendingModels))
                    sent += await SendPendingModelsAsync(folder.LegacyPendingModels, api, log, cancellationToken).ConfigureAwait(false);
                sent += await SnapshotOutboxDrainer.SendStoredModelsAsync(new SnapshotOutbox(folder), api, log, cancellationToken).ConfigureAwait(false);
            }
            foreach (var statusPath in runFolders.Select(f => RunFolder.Of(f).Status).Where(File.Exists))
            {
                JObject status;
                try
                {
                    status = JsonText.ParseObject(File.ReadAllText(statusPath));
                }
                catch (Exception ex) when (ex is JsonException || ex is IOException)
                {
                    continue;
                }
                if (PlatformLink.FromJson(status["platform"]) is not { Reported: false } link || status["id"] is not JValue id)
                    continue;
                await api.UpdateTrainInstanceAsync(link.TrainingName, (string)id!, link.Instance, cancellationToken).ConfigureAwait(false);
                status["platform"]!["reported"] = true;
                AtomicFile.WriteAllText(statusPath, status.ToString(Formatting.Indented));
                log.Information("Reported the pending completion of instance {Id:l} ({Status:l}) to the AVA platform", (string)id!, (string?)link.Instance["status"]);
                sent++;
            }
            return sent;
        }

        // Sends the file's records in order; what is sent leaves the file, so a failure half-way loses and repeats nothing.
        private static async Task<int> SendPendingModelsAsync(string path, AvaApiClient api, ILogger log, CancellationToken cancellationToken)
        {
            var lines = new System.Collections.Generic.List<string>(File.ReadAllLines(path));
            var sent = 0;
            try
            {
                while (lines.Count > 0)
                {
                    if (lines[0].Trim().Length > 0)
                    {
                        var model = JsonText.ParseObject(lines[0]);
                        await api.CreateModelAsync(model, cancellationToken).ConfigureAwait(false);
                        log.Information("Recorded the pending model {Name:l} on the AVA platform", (string?)model["name"]);
                        sent++;
                    }
                    lines.RemoveAt(0);
                }
            }
            finally
            {
                if (lines.Count == 0)
                    File.Delete(path);
                else
                    AtomicFile.WriteAllText(path, string.Join("\n", lines) + "\n");
            }
            return sent;
        }

        /// <summary>
        /// The model record the platform expects for the archive of an epoch's snapshot. Its trainingRef holds the
        /// instance as the platform knows it, then the trainingspec (a same-named key replaced, not merged, as the
        /// original's dict update), then the epoch and batch reached and the upload time.
        /// </summary>
        /// <param name="batchOfEpoch">Iterations per epoch; null when unknown, and then so is the batch.</param>
        public static JObject SnapshotModel(TrainInstance instance, PlatformConfig config, string bucket, string key, int epoch, int? batchOfEpoch)
        {
            var uid = config.Value("Uid");
            var reference = new JObject { ["instanceID"] = instance.Id };
            foreach (var property in (instance.Platform?.Instance ?? new JObject()).Properties().Concat(config.TrainingSpec().Properties()))
                reference[property.Name] = property.Value.DeepClone();
            reference["metric"] = new JObject { ["epoch"] = epoch, ["batch"] = (long?)epoch * batchOfEpoch };
            // modelUploadTime follows once the archive is stored (WithUploadTime).
            return new JObject
            {
                ["name"] = SnapshotModels.Name(instance.Id, epoch),
                ["type"] = "snapshot",
                ["file"] = uid == null ? $"qiniu://{bucket}/{key}" : $"qiniu://{uid}@z0/{bucket}/{key}",
                ["params"] = new JObject(),
                ["trainingRef"] = reference,
                ["specVersion"] = "v1",
            };
        }

        /// <summary>A copy of a model record from <see cref="SnapshotModel"/> with the time its archive was stored.</summary>
        public static JObject WithUploadTime(JObject model, DateTimeOffset stored)
        {
            var stamped = (JObject)model.DeepClone();
            if (stamped["trainingRef"] is JObject reference)
                reference["modelUploadTime"] = TrainInstanceStore.FormatTime(stored);
            return stamped;
        }

        // The platform records the params the instance started with: none when there is no file. A damaged or unreadable
        // file stops the start (AvaParamFileInvalid, AvaParamFileUnreadable) rather than record params the job never had.
        private static JObject ReadParams(string path) =>
            Params.ParamFileReader.TryRead(path)?.Root.DeepClone() as JObject ?? new JObject();
    }
}
