using System;
using System.Management.Automation;
using System.Threading;
using AvaSdk.Errors;
using AvaSdk.Logging;
using AvaSdk.Platform;
using AvaSdk.PowerShell.Infrastructure;
using AvaSdk.Training;

namespace AvaSdk.PowerShell.Cmdlets
{
    [Cmdlet(VerbsCommon.New, "AvaTrainInstance", SupportsShouldProcess = true)]
    [OutputType(typeof(TrainInstance))]
    public sealed class NewAvaTrainInstanceCommand : AvaCmdlet, IDisposable
    {
        private readonly CancellationTokenSource stopping = new CancellationTokenSource();

        [Parameter(Position = 0)]
        public string? Id { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Workspace { get; set; }

        protected override void ProcessRecord()
        {
            var workspace = ResolvePath(Workspace ?? AvaWorkspace.DefaultRoot());
            try
            {
                var config = new PlatformConfig(workspace);
                var requested = string.IsNullOrEmpty(Id) ? config.Value("TrainInstanceId") : Id;
                using var api = AvaApiClient.Configured(config);
                TrainInstance instance;
                var where = api == null ? $"workspace '{workspace}'" : $"training '{config.RequireTrainingName()}' on the AVA platform at {config.ApiHost}";
                if (!ShouldProcess(where, requested == null ? "Create a training instance" : $"Start or resume training instance '{requested}'"))
                    return;
                if (api == null)
                {
                    instance = RunCore(() => TrainInstanceStore.Start(workspace, requested ?? TrainInstanceId.NewId(DateTimeOffset.UtcNow), DateTimeOffset.Now));
                }
                else
                {
                    RunCore(() => InstanceCompletion.SendPending(config, api, new CmdletObserver(this), stopping.Token));
                    instance = RunCore(() => PlatformReports.StartAsync(workspace, requested, config, api, DateTimeOffset.Now, stopping.Token)
                        .GetAwaiter().GetResult());
                }
                SessionTrainInstance.Last = instance;
                if (instance.PreviousOwnerNote != null)
                {
                    WriteWarning(instance.PreviousOwnerNote);
                    // Its owner died: what it parsed but never sent goes now.
                    RunCore(() => InstanceCompletion.ReplayMetrics(instance, config, new CmdletObserver(this), stopping.Token));
                }
                WriteObject(instance);
            }
            catch (AvaException ex)
            {
                throw ScriptTerminatingError(ToErrorRecord(ex));
            }
        }

        protected override string? Hint(AvaError error) =>
            error == AvaErrors.WorkspaceNotFound ? "Or pass -Workspace." :
            error == AvaErrors.PlatformInstanceUncertain ? "Then: New-AvaTrainInstance -Id <id>." :
            error == AvaErrors.TrainInstanceCompleted ? Hints.StartOrResume :
            error == AvaErrors.PlatformUnreachable ? Hints.RetryCompletion : null;

        protected override void StopProcessing() => stopping.Cancel();

        public void Dispose() => stopping.Dispose();
    }
}
