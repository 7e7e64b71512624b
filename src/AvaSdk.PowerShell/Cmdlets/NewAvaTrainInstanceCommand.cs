using System;
using System.Management.Automation;
using System.Threading;
using AvaSdk.Errors;
using AvaSdk.PowerShell.Infrastructure;
using AvaSdk.Training;

namespace AvaSdk.PowerShell.Cmdlets
{
    [Cmdlet(VerbsCommon.New, "AvaTrainInstance", SupportsShouldProcess = true)]
    [OutputType(typeof(TrainInstance))]
    public sealed class NewAvaTrainInstanceCommand : AvaCmdlet, IDisposable
    {
        private readonly CancellationTokenSource stopping = new CancellationTokenSource();

        // By property name, so Get-AvaTrainInstance's objects resume the instances they are.
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(TrainInstanceIdCompleter))]
        public string? Id { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string? Workspace { get; set; }

        [Parameter]
        [ValidateRange(0, int.MaxValue)]
        public int Node { get; set; }

        protected override void ProcessRecord()
        {
            RunspaceInstances.CommandStarting();
            var workspace = ResolvePath(Workspace ?? AvaWorkspace.DefaultRoot());
            try
            {
                using var start = InstanceStart.Prepare(workspace, Id, MyInvocation.BoundParameters.ContainsKey(nameof(Node)) ? Node : null);
                if (!ShouldProcess(start.Target, start.Action))
                    return;
                // Recorded as this session's inside the work: a warning written after it may throw (-WarningAction Stop),
                // and the instance, already started, must still be completed when the session ends.
                var instance = RunCore(() =>
                {
                    var started = start.Start(new CmdletObserver(this), stopping.Token);
                    RunspaceInstances.Started(started, Host);
                    return started;
                });
                WriteObject(instance);
            }
            catch (AvaException ex)
            {
                throw ScriptTerminatingError(ToErrorRecord(ex));
            }
        }

        protected override string? Hint(AvaError error, object? target) =>
            error == AvaErrors.WorkspaceNotFound ? "Or pass -Workspace." :
            error == AvaErrors.PlatformInstanceUncertain ? "Then pass that id to New-AvaTrainInstance -Id." :
            error == AvaErrors.TrainInstanceCompleted ? Hints.StartOrResume(target) :
            error == AvaErrors.PlatformUnreachable ? Hints.RetryCompletion :
            error == AvaErrors.NodeInvalid ? "Or pass this node's rank as -Node." :
            error == AvaErrors.JobKeyMissing ? "Or pass the same -Id on every node." : null;

        protected override void StopProcessing()
        {
            RunspaceInstances.UserStopped(CommandRunspace);
            stopping.Cancel();
        }

        public void Dispose() => stopping.Dispose();
    }
}
