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
        private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(250);

        private readonly CancellationTokenSource stopping = new CancellationTokenSource();
        /// <summary>How long the trainer has to end after a SIGTERM is passed on, and then how long completing may take:
        /// together within Kubernetes' default grace of 30 s.</summary>
        internal static readonly TimeSpan TerminationGrace = TimeSpan.FromSeconds(15);
        internal static readonly TimeSpan TerminationFlushLimit = TimeSpan.FromSeconds(10);

        private TrainingSession? session;
        private TrainingRun? startedRun;
        private int sigtermBeforeStart;

        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string FilePath { get; set; } = string.Empty;

        [Parameter(Position = 1)]
        [Alias("Args")]
        [AllowEmptyString]
        public string[] ArgumentList { get; set; } = new string[0];

        [Parameter]
        public TrainingFramework Framework { get; set; } = TrainingFramework.Auto;

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

        [Parameter]
        [ValidateNotNull]
        public Hashtable Environment { get; set; } = new Hashtable();

        protected override void ProcessRecord()
        {
            RunspaceInstances.CommandStarting();
            var capture = LogCapture.Begin();
            try
            {
                // Registered before the trainer starts: a SIGTERM at any moment of the run is passed on, never fatal.
                using var politeStop = PassOnSigterm();
                session = Start();
                foreach (var warning in session.Warnings)
                    WriteWarning(warning);
                var run = session.Run;
                Volatile.Write(ref startedRun, run);
                if (Volatile.Read(ref sigtermBeforeStart) != 0)
                    run.Terminate(TerminationGrace);
                Stream(run, capture);
                var exitCode = run.Completion.GetAwaiter().GetResult();
                WriteCaptured(capture);
                session.FinishUploads();
                SessionState.PSVariable.Set("global:LASTEXITCODE", exitCode);
                if (run.WasTerminated)
                    EndTerminated(exitCode);
                if (run.WasStopped || Stopping)
                    return;
                if (exitCode != 0)
                    throw ScriptTerminatingError(ToErrorRecord(new AvaException(AvaErrors.TrainingFailed,
                        $"The training process '{FilePath}' exited with code {exitCode}." + (run.DiskFull != null ? $" {run.DiskFull.Message}" : string.Empty) +
                        $" The last lines of {run.LogFile}:{System.Environment.NewLine}{string.Join(System.Environment.NewLine, run.Tail)}", FilePath)));
                // The training succeeded, but the run's record of it is incomplete: the script must not go on as if it were whole.
                if (run.DiskFull != null)
                    throw ScriptTerminatingError(ToErrorRecord(run.DiskFull));
            }
            finally
            {
                capture.Dispose();
            }
        }

        protected override string? Hint(AvaError error, object? target) =>
            error == AvaErrors.SnapshotEpochUnknown ? "Give the epoch length with -BatchOfEpoch." :
            error == AvaErrors.WorkspaceNotFound ? "Or start the instance with New-AvaTrainInstance -Workspace and pass it with -TrainInstance." :
            error == AvaErrors.ParamFileInvalid ? "Fix the params file." :
            error == AvaErrors.PlatformUnreachable ? Hints.RetryCompletion :
            error == AvaErrors.UploadFailed ? Hints.SendArchiveByHand :
            error == AvaErrors.NoMetricsRecognised ? "Pass -Framework Caffe or MXNet if the log is theirs, or -MetricDefinition rules for its metric lines." : null;

        protected override void StopProcessing()
        {
            RunspaceInstances.UserStopped(CommandRunspace);
            stopping.Cancel();
            Volatile.Read(ref startedRun)?.Stop();
            // What is not uploaded stays in the run's outbox for the next command.
            session?.Uploads?.Cancel();
        }

        public void Dispose()
        {
            stopping.Dispose();
            session?.Dispose();
        }

        private TrainingSession Start()
        {
            var instance = ChosenInstance();
            var workingDirectory = ResolvePath(WorkingDirectory ?? SessionState.Path.CurrentFileSystemLocation.ProviderPath);
            if (!Directory.Exists(workingDirectory))
                throw ScriptTerminatingError(ToErrorRecord(new AvaException(AvaErrors.WorkingDirectoryNotFound, $"The working directory '{workingDirectory}' does not exist. Create it or pass another -WorkingDirectory.", workingDirectory)));
            var otherFiles = ResolveOtherFiles();
            try
            {
                var request = new TrainingRequest(ResolveProgram(), ArgumentList, workingDirectory, instance)
                {
                    Framework = Framework,
                    MetricDefinitions = MetricDefinition.Select(ToDefinition).ToList(),
                    BatchOfEpoch = BatchOfEpoch > 0 ? BatchOfEpoch : null,
                    SnapshotKeyPrefix = SnapshotKeyPrefix,
                    OtherFiles = otherFiles,
                    EpochInterval = EpochInterval,
                    ForwardLines = VerboseWanted(),
                    Environment = Environment.Cast<DictionaryEntry>().ToDictionary(e => e.Key.ToString()!, e => e.Value?.ToString()),
                };
                return RunCore(() => TrainingSession.Start(request, stopping.Token));
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
                if (Volatile.Read(ref startedRun) is TrainingRun started)
                    started.Terminate(TerminationGrace);
                else
                    Volatile.Write(ref sigtermBeforeStart, 1);
            });

        // The instance is marked failed ("terminated") and reported, its outbox and undelivered metrics flushed, all within
        // TerminationFlushLimit, and the script stops: the container is about to be killed.
        private void EndTerminated(int exitCode)
        {
            var reason = $"terminated: the job received SIGTERM (a cancel or a preemption); the training process exited with code {exitCode}";
            var instance = session!.Request.Instance;
            try
            {
                RunCore(() => InstanceCompletion.Complete(instance, reason, new CmdletObserver(this), stopping.Token, TerminationFlushLimit));
                RunspaceInstances.Completed(instance);
            }
            catch (AvaException ex)
            {
                WriteError(ToErrorRecord(ex));
            }
            throw ScriptTerminatingError(ToErrorRecord(new AvaException(AvaErrors.TrainingTerminated, $"The training '{FilePath}' was {reason}." +
                $" Instance '{instance.Id}' is marked failed; its snapshots are in '{instance.SnapshotPath}'.", FilePath)));
        }

        // Without -TrainInstance the session's running instance, else a new one started as New-AvaTrainInstance starts it;
        // an explicit $null is a mistake (usually a failed New-AvaTrainInstance), not a wish for a new instance.
        private TrainInstance ChosenInstance()
        {
            if (!MyInvocation.BoundParameters.ContainsKey(nameof(TrainInstance)))
                return RunspaceInstances.Current is { Status: TrainInstanceStatus.Running } current ? current : StartInstance();
            if (TrainInstance == null)
                throw ScriptTerminatingError(ToErrorRecord(new AvaException(AvaErrors.TrainInstanceNull, "-TrainInstance is $null, so there is no instance to train in (did New-AvaTrainInstance fail?). Pass the instance " +
                    "New-AvaTrainInstance returned, or leave -TrainInstance out to use this session's running instance.", null)));
            return TrainInstance;
        }

        // The session's instance when it has none: started in the default workspace, on the platform in platform mode.
        private TrainInstance StartInstance()
        {
            try
            {
                using var start = InstanceStart.Prepare(ResolvePath(AvaWorkspace.DefaultRoot()), null, null);
                // Recorded as this session's inside the work: a warning written after it may throw (-WarningAction Stop),
                // and the instance, already started, must still be completed when the session ends.
                var instance = RunCore(() =>
                {
                    var started = start.Start(new CmdletObserver(this), stopping.Token);
                    RunspaceInstances.Started(started, Host);
                    return started;
                });
                WriteWarning($"No training instance was given and this session has none running, so training instance '{instance.Id}' was started in '{instance.Workspace}', as New-AvaTrainInstance " +
                    "starts one. It is this session's instance now: Complete-AvaTrainInstance completes it (AvaSdk does when the session ends).");
                return instance;
            }
            catch (AvaException ex)
            {
                throw ScriptTerminatingError(ToErrorRecord(ex));
            }
        }

        // The -OtherFiles, checked before the training starts: a model without them would be found out only at evaluation.
        private IReadOnlyList<string> ResolveOtherFiles()
        {
            var files = OtherFiles.Select(ResolvePath).ToList();
            foreach (var missing in files.Where(f => !File.Exists(f)))
                ThrowTerminatingError(ToErrorRecord(new AvaException(AvaErrors.OtherFileNotFound, $"The file '{missing}' given with -OtherFiles does not exist, so the training was not started.", missing)));
            return files;
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
                    case TrainingOutputKind.Note:
                        WriteVerbose(item.Text);
                        break;
                    case TrainingOutputKind.Warning:
                        WriteWarning(WithHint(item.Text!, item.Error));
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
                throw new AvaException(AvaErrors.TrainingNotStarted, $"The training program '{FilePath}' was not found on PATH. Give its path, or add its folder to PATH.", FilePath);
            return application.Path;
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
