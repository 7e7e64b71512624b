using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using System.Threading;
using AvaSdk.Errors;
using AvaSdk.Models;
using AvaSdk.PowerShell.Infrastructure;
using AvaSdk.Training;

namespace AvaSdk.PowerShell.Cmdlets
{
    /// <summary>Publish-AvaModel: collects the files of every input, then packs, uploads and records them as one model (ModelPublisher).</summary>
    [Cmdlet(VerbsData.Publish, "AvaModel", SupportsShouldProcess = true, DefaultParameterSetName = PathSet)]
    [OutputType(typeof(PublishedModel))]
    public sealed class PublishAvaModelCommand : AvaCmdlet, IDisposable
    {
        private const string PathSet = "Path";
        private const string LiteralPathSet = "LiteralPath";

        private readonly CancellationTokenSource stopping = new CancellationTokenSource();
        private readonly List<string> files = new List<string>();
        private readonly HashSet<string> seen = new HashSet<string>(StringComparer.Ordinal);
        private readonly List<string> missing = new List<string>();

        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = PathSet)]
        [ValidateNotNullOrEmpty]
        [SupportsWildcards]
        public string[] Path { get; set; } = new string[0];

        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = LiteralPathSet)]
        [Alias("PSPath", "FullName", "LP")]
        [ValidateNotNullOrEmpty]
        public string[] LiteralPath { get; set; } = new string[0];

        [Parameter(Mandatory = true)]
        [ValidateNotNullOrEmpty]
        public string Name { get; set; } = string.Empty;

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Key { get; set; }

        [Parameter]
        public TrainInstance? TrainInstance { get; set; }

        private TrainInstance? instance;

        protected override void BeginProcessing()
        {
            try
            {
                ModelPublisher.RequireValidName(Name);
            }
            catch (AvaException ex)
            {
                ThrowTerminatingError(ToErrorRecord(ex));
            }
            if (MyInvocation.BoundParameters.ContainsKey(nameof(TrainInstance)) && TrainInstance == null)
                ThrowTerminatingError(ToErrorRecord(new AvaException(AvaErrors.TrainInstanceNull, "The training instance given is $null (did New-AvaTrainInstance fail?), so the model has no instance to be published from.")));
            // As Invoke-AvaTraining: the session's last instance while it runs; a completed one, or one whose run folder is
            // gone, belongs to a past run.
            instance = TrainInstance ?? (RunspaceInstances.Current is { Status: TrainInstanceStatus.Running } last && Directory.Exists(last.RunPath) ? last : null);
        }

        // Only collects: every input goes into the one archive, made in EndProcessing.
        protected override void ProcessRecord()
        {
            var literal = ParameterSetName == LiteralPathSet;
            foreach (var given in literal ? LiteralPath : Path)
            {
                IEnumerable<string> paths;
                try
                {
                    paths = literal ? new[] { ResolvePath(given) } : GetResolvedProviderPathFromPSPath(given, out _);
                }
                catch (ItemNotFoundException)
                {
                    paths = new[] { ResolvePath(given) };
                }
                foreach (var path in paths)
                {
                    if (!Directory.Exists(path) && !File.Exists(path))
                        missing.Add(path);
                    else if (seen.Add(path))
                        files.Add(path);
                }
            }
        }

        protected override void EndProcessing()
        {
            if (missing.Count > 0)
                ThrowTerminatingError(ToErrorRecord(new AvaException(AvaErrors.FileNotFound,
                    $"Model '{Name}' was not published: {(missing.Count == 1 ? "the file" : "the files")} {string.Join(", ", missing.ConvertAll(m => $"'{m}'"))} {(missing.Count == 1 ? "does" : "do")} not exist.", missing[0])));
            ModelPublication plan;
            try
            {
                var workspace = instance?.Workspace ?? ResolvePath(AvaWorkspace.DefaultRoot());
                plan = RunCore(() => ModelPublisher.Plan(files, Name, Key, instance, workspace, DateTimeOffset.Now));
            }
            catch (AvaException ex)
            {
                ThrowTerminatingError(ToErrorRecord(ex));
                return;
            }
            var target = $"{plan.Files.Count} file(s) as model '{plan.Name}'";
            var action = $"Pack into a tar.gz and upload to qiniu://{plan.Bucket}/{plan.Key}" + (plan.WillRecord ? ", then record it on the AVA platform" : " (local mode: not recorded on the AVA platform)");
            if (!ShouldProcess(target, action))
                return;
            try
            {
                WriteObject(RunCore(() => ModelPublisher.Publish(plan, new CmdletObserver(this), stopping.Token)));
            }
            catch (AvaException ex)
            {
                ThrowTerminatingError(ToErrorRecord(ex));
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                // Ctrl+C: nothing recorded, the archive deleted; an object Kodo already holds stays.
            }
        }

        protected override string? Hint(AvaError error, object? target) =>
            error == AvaErrors.ObjectExists ? "Give another -Key, or leave -Key out for a key of its own (the default key carries the time)." :
            error == AvaErrors.SnapshotArchiveInvalid ? "Rename one of the files, or publish them as two models." :
            error == AvaErrors.PathIsFolder ? $"Pass the files in it: Get-ChildItem '{target}' -File | Publish-AvaModel -Name '{Name}'." :
            error == AvaErrors.ModelNameInvalid ? "Give -Name without slashes, e.g. resnet50-final." :
            error == AvaErrors.TrainInstanceNull ? "Pass the instance New-AvaTrainInstance returned, or leave -TrainInstance out." :
            error == AvaErrors.PlatformUnreachable || error == AvaErrors.PlatformRequestFailed ? "Run the same command again with -Key set to the key above: the same files are taken as the same archive, and the model is recorded." :
            error == AvaErrors.CredentialNotFound ? "Set $env:AVA_ACCESS_KEY and $env:AVA_SECRET_KEY, or key and secret in the config/user file named above." :
            error == AvaErrors.BucketNotFound ? "Set $env:AVA_BUCKET, or bucket in the config/user file named above." : null;

        protected override void StopProcessing() => stopping.Cancel();

        public void Dispose() => stopping.Dispose();
    }
}
