using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using AvaSdk.Errors;
using AvaSdk.Parsing;
using AvaSdk.Platform;
using AvaSdk.Reporting;
using AvaSdk.Snapshots;
using AvaSdk.Storage;
using AvaSdk.Training;

namespace AvaSdk.Running
{
    /// <summary>What to train, and where: everything Invoke-AvaTraining binds, resolved to full paths.</summary>
    public sealed class TrainingRequest
    {
        public TrainingRequest(string program, IReadOnlyList<string> arguments, string workingDirectory, TrainInstance instance)
        {
            Program = program;
            Arguments = arguments;
            WorkingDirectory = workingDirectory;
            Instance = instance;
        }

        public string Program { get; }

        public IReadOnlyList<string> Arguments { get; }

        public string WorkingDirectory { get; }

        /// <summary>The instance trained in: its workspace's configuration applies, and the run's files go to its run folder.</summary>
        public TrainInstance Instance { get; }

        public TrainingFramework Framework { get; set; } = TrainingFramework.Auto;

        public IReadOnlyList<MetricDefinition> MetricDefinitions { get; set; } = Array.Empty<MetricDefinition>();

        /// <summary>Iterations per epoch given by the user; null to take it from the platform's configuration (or the log).</summary>
        public int? BatchOfEpoch { get; set; }

        public string? SnapshotKeyPrefix { get; set; }

        public IReadOnlyList<string> OtherFiles { get; set; } = Array.Empty<string>();

        public int EpochInterval { get; set; } = 1;

        /// <summary>Every raw line to the caller too (-Verbose).</summary>
        public bool ForwardLines { get; set; }

        /// <summary>The user's variables for the training process; they win over the ones AvaSdk sets (see <see cref="TrainingSession"/>).</summary>
        public IReadOnlyDictionary<string, string?> Environment { get; set; } = new Dictionary<string, string?>();
    }

    /// <summary>
    /// One training run with everything around it: the instance's run mark, metrics.jsonl, the metrics endpoint, snapshot
    /// copies and model uploads (through the run's outbox), and the platform's pending reports. What cannot be set up
    /// without stopping the training (a damaged config, no credentials) becomes a warning, and the training goes on.
    /// </summary>
    public sealed class TrainingSession : IDisposable
    {
        private readonly List<IDisposable> owned = new List<IDisposable>();
        private readonly List<string> warnings = new List<string>();

        private TrainingSession(TrainingRequest request)
        {
            Request = request;
        }

        public TrainingRequest Request { get; }

        public TrainingRun Run { get; private set; } = null!;

        /// <summary>The run's snapshot uploads; null when snapshots are not uploaded (no bucket or credentials).</summary>
        public BackgroundSnapshotUploads? Uploads { get; private set; }

        /// <summary>What the setup gave up on, for the caller to show.</summary>
        public IReadOnlyList<string> Warnings => warnings;

        /// <exception cref="AvaException">The training could not start (busy instance, missing program, damaged params file…).</exception>
        public static TrainingSession Start(TrainingRequest request, CancellationToken cancellationToken)
        {
            var session = new TrainingSession(request);
            try
            {
                session.Begin(cancellationToken);
                return session;
            }
            catch
            {
                session.Dispose();
                throw;
            }
        }

        private void Begin(CancellationToken cancellationToken)
        {
            var instance = Request.Instance;
            var folder = instance.Folder;
            var log = instance.Log;
            // One run of an instance at a time: two would interleave their writes to training.log and metrics.jsonl.
            owned.Add(InstanceOwnership.BeginRun(instance.Folder, out var note));
            if (note != null)
                warnings.Add(note);
            var config = new PlatformConfig(instance.Workspace);
            // In a job of several nodes, node 0 alone records models and tells the platform; every node reports its metrics.
            var leader = instance.JobNode.IsLeader;
            var api = leader ? PlatformApi(instance, config, log, cancellationToken) : null;
            var batchOfEpoch = Request.BatchOfEpoch ?? config.BatchOfEpoch(instance.ParamsPath);
            var options = new TrainingRunOptions(Request.Program, Request.Arguments, Request.WorkingDirectory,
                LogParsers.For(Request.Framework, Request.MetricDefinitions, batchOfEpoch), folder, instance.Id)
            {
                ForwardLines = Request.ForwardLines,
                Node = instance.JobNode.Tag,
                // Only MXNet's log names the node (Node[n]); with another parser the metrics would wait for nothing.
                NodeFromLog = instance.JobNode.RankFromLog && Request.Framework == TrainingFramework.MXNet,
                NodeCount = instance.NodeCount,
                FrameworkDetected = framework => RecordFramework(instance, framework, log),
            };
            foreach (var variable in ChildEnvironment(instance, folder))
                options.Environment[variable.Key] = variable.Value;
            foreach (var variable in Request.Environment)
                options.Environment[variable.Key] = variable.Value;
            options.Secrets = Secrets(config);
            var record = new MetricsJsonLinesWriter(folder);
            owned.Add(record);
            options.Record = record;
            if (RemoteReporter(folder, config, instance, log) is { } remote)
            {
                remote.PlatformProgress = instance.Platform != null && leader;
                remote.SamplesPerIteration = instance.Platform != null ? config.SamplesPerIteration(instance.ParamsPath) : null;
                remote.TrainSamples = instance.Platform != null ? config.TrainSamples : null;
                if (remote.Recover() is var left and > 0)
                    log.Information("Sending again the {Count} metric record(s) an interrupted run wrote but did not send", left);
                owned.Add(remote);
                options.Reporters.Add(remote);
            }
            // Snapshots are node 0's: the workers of a data-parallel job hold the same model, and one copy is uploaded once.
            if (leader)
            {
                options.SnapshotHandlers.Add(new SnapshotCopyHandler());
                if (SnapshotModels(instance, config, api, batchOfEpoch, log) is { } models)
                    options.SnapshotHandlers.Add(models);
            }
            Run = TrainingRun.Start(options, log);
            InstanceOwnership.ShareRun(instance.Folder, Run.TryRecord);
        }

        // The job's secrets and any the user gives the trainer; one too short to mask is worth a warning, never its name or length.
        private SecretMask Secrets(PlatformConfig config)
        {
            var given = Request.Environment.Where(v => PlatformConfig.IsSecretVariable(v.Key)).Select(v => v.Value);
            var secrets = new SecretMask(config.Secrets().Concat(given));
            if (secrets.LeavesSomeUnmasked)
                warnings.Add($"A configured secret is shorter than {SecretMask.ShortestMasked} characters, so it is not masked in training.log, ava.log or the lines shown ({AvaErrors.SecretNotMasked.Id}).");
            return secrets;
        }

        // On the run's processor: a status file that cannot be written costs the record of the format, never the run.
        private static void RecordFramework(TrainInstance instance, TrainingFramework framework, Serilog.ILogger log)
        {
            try
            {
                TrainInstanceStore.RecordFramework(instance, framework);
            }
            catch (Exception ex)
            {
                // Whatever it is, it costs the record of the format, never the run: this runs on the run's processor.
                log.Warning("The detected log format ({Framework}) was not recorded with the instance: {Problem:l}", framework, ex.Message);
            }
        }

        /// <summary>
        /// What the trainer is told of its job, as the SageMaker toolkit tells its trainers (SM_MODEL_DIR, …): where the
        /// workspace, params, snapshots and logs are, the instance id, and its node of the job. A trainer that writes its
        /// snapshots to AVA_SNAPSHOT_PATH has them picked up (node 0's).
        /// </summary>
        public static IReadOnlyDictionary<string, string?> ChildEnvironment(TrainInstance instance, RunFolder folder) => new Dictionary<string, string?>
        {
            [AvaWorkspace.EnvironmentVariable] = instance.Workspace,
            [TrainInstanceId.EnvironmentVariable] = instance.Id,
            ["AVA_PARAMS_PATH"] = instance.ParamsPath,
            ["AVA_SNAPSHOT_PATH"] = folder.Output,
            ["AVA_LOG_PATH"] = folder.TrainerLogs,
            [JobNode.RankVariable] = instance.Node.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [JobNode.SizeVariable] = instance.NodeCount.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };

        // A damaged config file must not cost the training run: the metrics stay local (metrics.jsonl) and a warning says why.
        private LineProtocolReporter? RemoteReporter(RunFolder folder, PlatformConfig config, TrainInstance instance, Serilog.ILogger log)
        {
            try
            {
                return MetricDelivery.ReporterFor(folder, config, instance.Id, log);
            }
            catch (AvaConfigException ex)
            {
                warnings.Add($"Metrics will only be kept locally in metrics.jsonl: {ex.Message}");
                return null;
            }
        }

        // The platform's API for a platform instance (it records snapshot models); owed reports are sent on the way.
        private AvaApiClient? PlatformApi(TrainInstance instance, PlatformConfig config, Serilog.ILogger log, CancellationToken cancellationToken)
        {
            if (instance.Platform == null)
                return null;
            try
            {
                var api = AvaApiClient.Configured(config);
                if (api != null)
                {
                    owned.Add(api);
                    PlatformReports.SendPendingLoggedAsync(config.Workspace, api, log, cancellationToken).GetAwaiter().GetResult();
                }
                return api;
            }
            catch (AvaException ex)
            {
                warnings.Add($"Reports owed to the AVA platform (model records, completions) are not sent now: {ex.Message}");
                return null;
            }
        }

        // Snapshot models go to Kodo when the job has a bucket and credentials (environment or <workspace>/config/user);
        // on the platform each one also becomes a model record. The uploads start with what an earlier run left.
        private ISnapshotHandler? SnapshotModels(TrainInstance instance, PlatformConfig config, AvaApiClient? api, int? batchOfEpoch, Serilog.ILogger log)
        {
            KodoSettings settings;
            try
            {
                settings = KodoSettings.Resolve(config, null, null, null, null);
            }
            catch (AvaException ex)
            {
                warnings.Add($"Snapshots will not be uploaded: {ex.Message}");
                return null;
            }
            if (settings.Credentials == null || settings.Bucket == null)
                return null;
            var outbox = new SnapshotOutbox(instance.Folder);
            outbox.RemoveLeftovers();
            // The drainer outlives this command (Complete-AvaTrainInstance waits for the outbox), so it gets its own API client.
            var uploads = new BackgroundSnapshotUploads(new SnapshotOutboxDrainer(outbox, settings, api == null ? null : AvaApiClient.Configured(config), log));
            Uploads = uploads;
            if (api == null)
                return new SnapshotModelHandler(uploads, settings.Bucket, instance.Id, Request.SnapshotKeyPrefix, Request.EpochInterval, Request.OtherFiles);
            return new SnapshotModelHandler(uploads, settings.Bucket, instance.Id, Request.SnapshotKeyPrefix, Request.EpochInterval, Request.OtherFiles,
                (epoch, bucket, key) => PlatformReports.SnapshotModel(instance, config, bucket, key, epoch, batchOfEpoch));
        }

        /// <summary>Ends the run's part in the uploads: they go on in the background until the outbox is empty.</summary>
        public void FinishUploads() => Uploads?.Finish();

        public void Dispose()
        {
            if (Run != null)
                Run.Dispose();
            foreach (var disposable in owned)
                disposable.Dispose();
        }
    }
}
