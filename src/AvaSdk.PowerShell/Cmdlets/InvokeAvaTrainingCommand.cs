using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using AvaSdk.Errors;
using AvaSdk.Http;
using AvaSdk.Logging;
using AvaSdk.Parsing;
using AvaSdk.PowerShell.Infrastructure;
using AvaSdk.Reporting;
using AvaSdk.Running;
using AvaSdk.Platform;
using AvaSdk.Snapshots;
using AvaSdk.Storage;
using AvaSdk.Training;
using System.Runtime.InteropServices;
using System.Threading;

namespace AvaSdk.PowerShell.Cmdlets
{
    [Cmdlet(VerbsLifecycle.Invoke, "AvaTraining")]
    [OutputType(typeof(Metric))]
    public sealed class InvokeAvaTrainingCommand : AvaCmdlet, IDisposable
    {
        private const string NoInstanceFolder = "ava-run";
        private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(250);

        private readonly CancellationTokenSource stopping = new CancellationTokenSource();
        /// <summary>How long the trainer has to end after a SIGTERM is passed on, and then how long completing may take:
        /// together within Kubernetes' default grace of 30 s.</summary>
        internal static readonly TimeSpan TerminationGrace = TimeSpan.FromSeconds(15);
        internal static readonly TimeSpan TerminationFlushLimit = TimeSpan.FromSeconds(10);

        private TrainingRun? run;
        private TrainInstance? trainedInstance;
        private int sigtermBeforeStart;
        private string? waitForUploadsIn;
        private readonly List<IDisposable> owned = new List<IDisposable>();

        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string FilePath { get; set; } = string.Empty;

        [Parameter(Position = 1)]
        [Alias("Args")]
        [AllowEmptyString]
        public string[] ArgumentList { get; set; } = new string[0];

        [Parameter]
        public TrainingFramework Framework { get; set; } = TrainingFramework.Generic;

        [Parameter]
        public Hashtable[] MetricDefinition { get; set; } = new Hashtable[0];

        [Parameter]
        public TrainInstance? TrainInstance { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? WorkingDirectory { get; set; }

        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int BatchOfEpoch { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? SnapshotKeyPrefix { get; set; }

        [Parameter]
        [ValidateNotNull]
        public string[] OtherFiles { get; set; } = new string[0];

        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int EpochInterval { get; set; } = 1;

        protected override void ProcessRecord()
        {
            var capture = LogCapture.Begin();
            try
            {
                // Registered before the trainer starts: a SIGTERM at any moment of the run is passed on, never fatal.
                using var politeStop = PassOnSigterm();
                run = Start();
                if (Volatile.Read(ref sigtermBeforeStart) != 0)
                    run.Terminate(TerminationGrace);
                Stream(run, capture);
                var exitCode = run.Completion.GetAwaiter().GetResult();
                WriteCaptured(capture);
                // Without an instance there is no Complete-AvaTrainInstance to wait for the snapshot uploads, so wait here.
                if (waitForUploadsIn != null)
                    SnapshotUploadWait.Wait(this, waitForUploadsIn, stopping.Token);
                WriteCaptured(capture);
                SessionState.PSVariable.Set("global:LASTEXITCODE", exitCode);
                if (run.WasTerminated)
                    EndTerminated(exitCode);
                if (run.WasStopped || Stopping)
                    return;
                if (exitCode != 0)
                    throw ScriptTerminatingError(new ErrorRecord(new AvaException("AvaTrainingFailed", AvaErrorKind.InvalidOperation,
                        $"The training process '{FilePath}' exited with code {exitCode}. The last lines of {run.LogFile}:{Environment.NewLine}{string.Join(Environment.NewLine, run.Tail)}",
                        FilePath), "AvaTrainingFailed", ErrorCategory.InvalidResult, FilePath));
            }
            finally
            {
                capture.Dispose();
            }
        }

        protected override void StopProcessing()
        {
            stopping.Cancel();
            run?.Stop();
        }

        public void Dispose()
        {
            stopping.Dispose();
            run?.Dispose();
            foreach (var disposable in owned)
                disposable.Dispose();
        }

        private TrainingRun Start()
        {
            var instance = ChosenInstance();
            var workingDirectory = ResolvePath(WorkingDirectory ?? SessionState.Path.CurrentFileSystemLocation.ProviderPath);
            if (!Directory.Exists(workingDirectory))
                throw ScriptTerminatingError(ToErrorRecord(new AvaException("AvaWorkingDirectoryNotFound", AvaErrorKind.ObjectNotFound,
                    $"The working directory '{workingDirectory}' does not exist. Create it or pass another -WorkingDirectory.", workingDirectory)));
            if (instance != null)
                TakeRun(instance);
            trainedInstance = instance;
            var runFolder = instance?.RunPath ?? Path.Combine(SessionState.Path.CurrentFileSystemLocation.ProviderPath, NoInstanceFolder);
            var log = instance?.Log ?? InstanceLog.Detached;
            var config = new PlatformConfig(instance?.Workspace ?? ResolvePath(AvaWorkspace.DefaultRoot()));
            var otherFiles = ResolveOtherFiles();
            var api = PlatformApi(instance, config);

            try
            {
                var batchOfEpoch = EpochLength(instance, config);
                var options = new TrainingRunOptions(ResolveProgram(), ArgumentList, workingDirectory, Parser(batchOfEpoch), instance?.LogPath ?? runFolder,
                    instance?.SnapshotPath ?? Path.Combine(runFolder, "output"), instance?.Id)
                {
                    ForwardLines = VerboseWanted(),
                };
                var record = new MetricsJsonLinesWriter(runFolder);
                owned.Add(record);
                options.Reporters.Add(record);
                if (RemoteReporter(runFolder, config, instance, log) is { } remote)
                {
                    remote.PlatformProgress = instance?.Platform != null;
                    remote.SamplesPerIteration = instance?.Platform != null ? config.SamplesPerIteration(instance.ParamsPath) : null;
                    remote.TrainSamples = instance?.Platform != null ? config.TrainSamples : null;
                    if (remote.Recover() is var left and > 0)
                        log.Information("Sending again the {Count} metric record(s) an interrupted run wrote but did not send", left);
                    owned.Add(remote);
                    options.Reporters.Add(remote);
                }
                options.SnapshotHandlers.Add(new SnapshotCopyHandler());
                if (SnapshotModelUploads(instance, config, api, runFolder, otherFiles, log) is { } uploads)
                    options.SnapshotHandlers.Add(uploads);
                waitForUploadsIn = instance == null ? runFolder : null;
                return TrainingRun.Start(options, log);
            }
            catch (AvaException ex)
            {
                throw ScriptTerminatingError(ToErrorRecord(ex));
            }
        }

        // A SIGTERM (a Kubernetes cancel or preemption: a grace period, then SIGKILL) would end pwsh at once. While the
        // training runs it is passed on to the trainer's process group instead, so it can checkpoint; the run then ends
        // as a terminated one (see EndTerminated).
        private PosixSignalRegistration? PassOnSigterm() => OperatingSystem.IsWindows() ? null :
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
            {
                context.Cancel = true;
                if (Volatile.Read(ref run) is TrainingRun started)
                    started.Terminate(TerminationGrace);
                else
                    Volatile.Write(ref sigtermBeforeStart, 1);
            });

        // The instance is marked failed ("terminated") and reported, its spooled metrics and snapshot uploads flushed, all
        // within FlushLimit, and the script stops: the container is about to be killed.
        private void EndTerminated(int exitCode)
        {
            var reason = $"terminated: the job received SIGTERM (a cancel or a preemption); the training process exited with code {exitCode}";
            if (trainedInstance != null)
            {
                using var deadline = new CancellationTokenSource(TerminationFlushLimit);
                InstanceCompleter.Complete(this, trainedInstance, reason, deadline.Token);
            }
            throw ScriptTerminatingError(ToErrorRecord(new AvaException("AvaTrainingTerminated", AvaErrorKind.OperationStopped,
                $"The training '{FilePath}' was {reason}." + (trainedInstance != null
                    ? $" Instance '{trainedInstance.Id}' is marked failed; its snapshots are in '{trainedInstance.SnapshotPath}'."
                    : string.Empty), FilePath)));
        }

        // One run of an instance at a time: two would interleave their writes to training.log and metrics.jsonl.
        private void TakeRun(TrainInstance instance)
        {
            try
            {
                owned.Add(InstanceOwnership.BeginRun(instance.RunPath, out var note));
                if (note != null)
                    WriteWarning(note);
            }
            catch (AvaException ex)
            {
                throw ScriptTerminatingError(ToErrorRecord(ex));
            }
        }

        // Without -TrainInstance the session's running instance, if any; an explicit $null is a mistake (usually a failed
        // New-AvaTrainInstance), not a wish to run without one under the shared 'local' snapshot keys.
        private TrainInstance? ChosenInstance()
        {
            if (!MyInvocation.BoundParameters.ContainsKey(nameof(TrainInstance)))
                return SessionTrainInstance.Last is { Status: TrainInstanceStatus.Running } last ? last : null;
            if (TrainInstance == null)
                throw ScriptTerminatingError(ToErrorRecord(new AvaException("AvaTrainInstanceNull", AvaErrorKind.InvalidArgument,
                    "-TrainInstance is $null, so there is no instance to train in (did New-AvaTrainInstance fail?). Pass the instance " +
                    "New-AvaTrainInstance returned, or leave -TrainInstance out to use this session's running instance.", null)));
            return TrainInstance;
        }

        // A damaged config file must not cost the training run: the metrics stay local (metrics.jsonl) and a warning says why.
        private LineProtocolReporter? RemoteReporter(string runFolder, PlatformConfig config, TrainInstance? instance, Serilog.ILogger log)
        {
            try
            {
                return MetricDelivery.ReporterFor(runFolder, config, instance?.Id, log);
            }
            catch (AvaException ex) when (ex.ErrorId == "AvaConfigInvalid")
            {
                WriteWarning($"Metrics will only be kept locally in metrics.jsonl: {ex.Message}");
                return null;
            }
        }

        // The platform's API for a platform instance (it records snapshot models); owed completions are sent on the way.
        private AvaApiClient? PlatformApi(TrainInstance? instance, PlatformConfig config)
        {
            if (instance?.Platform == null)
                return null;
            try
            {
                var api = PlatformSession.Api(config);
                if (api != null)
                {
                    owned.Add(api);
                    PlatformSession.SendPending(this, config, api, stopping.Token);
                }
                return api;
            }
            catch (AvaException ex)
            {
                WriteWarning($"Snapshot models will not be recorded on the AVA platform: {ex.Message}");
                return null;
            }
        }

        // The -OtherFiles, checked before the training starts: a model without them would be found out only at evaluation.
        private IReadOnlyList<string> ResolveOtherFiles()
        {
            var files = OtherFiles.Select(ResolvePath).ToList();
            foreach (var missing in files.Where(f => !File.Exists(f)))
                ThrowTerminatingError(ToErrorRecord(new AvaException("AvaOtherFileNotFound", AvaErrorKind.ObjectNotFound,
                    $"The file '{missing}' given with -OtherFiles does not exist, so the training was not started.", missing)));
            return files;
        }

        // Snapshot models go to Kodo when the job has a bucket and credentials (environment or <workspace>/config/user);
        // on the platform each one also becomes a model record.
        private ISnapshotHandler? SnapshotModelUploads(TrainInstance? instance, PlatformConfig config, AvaApiClient? api, string runFolder,
            IReadOnlyList<string> otherFiles, Serilog.ILogger log)
        {
            KodoSettings settings;
            try
            {
                settings = KodoSettings.Resolve(config, null, null, null, null);
            }
            catch (AvaException ex)
            {
                WriteWarning($"Snapshots will not be uploaded: {ex.Message}");
                return null;
            }
            if (settings.Credentials == null || settings.Bucket == null)
                return null;
            var credentials = settings.Credentials;
            var queue = SnapshotUploadQueue.For(runFolder, () =>
            {
                var http = new ServiceHttp(HttpServiceRules.Kodo, settings.Http.With(maxRetry: 5), log);
                return new KodoUploader(credentials, settings.UpHosts(http, log), http, log, Environment.GetEnvironmentVariable(KodoSettings.ResumeFolderVariable));
            }, settings.Bucket, log);
            var instanceId = instance?.Id ?? "local";
            if (api == null || instance == null)
                return new SnapshotModelHandler(queue, runFolder, instanceId, SnapshotKeyPrefix, EpochInterval, otherFiles);
            // The queue outlives this command (Complete-AvaTrainInstance waits for it), so it gets its own API client.
            var modelApi = PlatformSession.Api(config)!;
            var batchOfEpoch = EpochLength(instance, config);
            return new SnapshotModelHandler(queue, runFolder, instanceId, SnapshotKeyPrefix, EpochInterval, otherFiles, (epoch, stored, token) =>
                PlatformReports.RecordModelAsync(instance, modelApi, PlatformReports.SnapshotModel(instance, config, stored, epoch, batchOfEpoch, DateTimeOffset.Now), token));
        }

        private void Stream(TrainingRun training, LogCapture capture)
        {
            var progress = new ProgressRecord(1, $"Training: {FilePath}", "Starting");
            var lastProgress = DateTime.MinValue;
            long metrics = 0;
            var reader = training.Output;
            while (true)
            {
                if (!reader.TryRead(out var item))
                {
                    WriteCaptured(capture);
                    if (!reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
                        break;
                    continue;
                }
                switch (item.Kind)
                {
                    case TrainingOutputKind.Metric:
                        metrics++;
                        WriteObject(item.Metric);
                        if (DateTime.UtcNow - lastProgress > ProgressInterval)
                        {
                            lastProgress = DateTime.UtcNow;
                            progress.StatusDescription = $"{metrics} metrics; latest {item.Metric!.Name} = {item.Metric.Value} at line {item.Metric.Line}" +
                                (item.Metric.Iteration is long i ? $", iteration {i}" : string.Empty) + (item.Metric.Epoch is int e ? $", epoch {e}" : string.Empty);
                            WriteProgress(progress);
                        }
                        break;
                    case TrainingOutputKind.Line:
                        WriteVerbose(item.Text);
                        break;
                    case TrainingOutputKind.Warning:
                        WriteWarning(item.Text);
                        break;
                }
            }
            progress.RecordType = ProgressRecordType.Completed;
            WriteProgress(progress);
        }

        private string ResolveProgram()
        {
            if (FilePath.IndexOfAny(new[] { '/', '\\' }) >= 0)
                return ResolvePath(FilePath);
            var application = InvokeCommand.GetCommand(FilePath, CommandTypes.Application) as ApplicationInfo;
            if (application == null)
                throw new AvaException("AvaTrainingNotStarted", AvaErrorKind.ObjectNotFound,
                    $"The training program '{FilePath}' was not found on PATH. Give its path, or add its folder to PATH.", FilePath);
            return application.Path;
        }

        // The epoch length: -BatchOfEpoch, else what the platform's training set and batch size give (else, for MXNet
        // metrics, the parser learns it from the log).
        private int? EpochLength(TrainInstance? instance, PlatformConfig config) =>
            BatchOfEpoch > 0 ? BatchOfEpoch : instance != null ? config.BatchOfEpoch(instance.ParamsPath) : null;

        private ILogParser Parser(int? batchOfEpoch)
        {
            var definitions = MetricDefinition.Select(ToDefinition).ToList();
            return LogParsers.For(Framework, definitions, batchOfEpoch);
        }

        private static MetricDefinition ToDefinition(Hashtable table) =>
            new MetricDefinition(table["Name"] as string ?? string.Empty, table["Regex"] as string ?? string.Empty);

        private bool VerboseWanted()
        {
            if (MyInvocation.BoundParameters.TryGetValue("Verbose", out var bound))
                return ((SwitchParameter)bound).IsPresent;
            var preference = GetVariableValue("VerbosePreference", ActionPreference.SilentlyContinue);
            return LanguagePrimitives.TryConvertTo(preference, out ActionPreference value) &&
                value != ActionPreference.SilentlyContinue && value != ActionPreference.Ignore;
        }
    }
}
