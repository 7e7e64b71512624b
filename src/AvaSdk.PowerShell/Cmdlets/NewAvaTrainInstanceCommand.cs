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
            var workspace = ResolvePath(Workspace ?? AvaWorkspace.DefaultRoot());
            try
            {
                var config = new PlatformConfig(workspace);
                var node = JobNode.Resolve(System.Environment.GetEnvironmentVariable, MyInvocation.BoundParameters.ContainsKey(nameof(Node)) ? Node : null);
                node.RequireWorker();
                var requested = string.IsNullOrEmpty(Id) ? config.Value("TrainInstanceId") : Id;
                using var api = AvaApiClient.Configured(config);
                var where = api == null ? $"workspace '{workspace}'" : $"training '{config.RequireTrainingName()}' on the AVA platform at {config.ApiHost}";
                var action = requested != null ? $"Start or resume training instance '{requested}'" :
                    node.IsMultiNode ? $"Create or join the instance of job '{node.JobKey}' as {node}" : "Create a training instance";
                if (!ShouldProcess(where, action))
                    return;
                // Node 0 alone tells the platform; the other nodes leave what is owed to it.
                if (api != null && node.IsLeader)
                    RunCore(() => InstanceCompletion.SendPending(config, api, new CmdletObserver(this), stopping.Token));
                TrainInstance Start(string? id) => api == null
                    ? TrainInstanceStore.Start(workspace, id ?? TrainInstanceId.NewId(DateTimeOffset.UtcNow), DateTimeOffset.Now, node)
                    : PlatformReports.StartAsync(workspace, id, config, api, DateTimeOffset.Now, node, stopping.Token).GetAwaiter().GetResult();
                var instance = requested == null && node.IsMultiNode
                    ? RunCore(() => JobRendezvous.StartOrJoin(workspace, node, config.NodeWait, api == null ? null : () => Start(null), DateTimeOffset.Now, stopping.Token))
                    : RunCore(() => Start(requested));
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

        protected override string? Hint(AvaError error, object? target) =>
            error == AvaErrors.WorkspaceNotFound ? "Or pass -Workspace." :
            error == AvaErrors.PlatformInstanceUncertain ? "Then pass that id to New-AvaTrainInstance -Id." :
            error == AvaErrors.TrainInstanceCompleted ? Hints.StartOrResume(target) :
            error == AvaErrors.PlatformUnreachable ? Hints.RetryCompletion :
            error == AvaErrors.NodeInvalid ? "Or pass this node's rank as -Node." :
            error == AvaErrors.JobKeyMissing ? "Or pass the same -Id on every node." : null;

        protected override void StopProcessing() => stopping.Cancel();

        public void Dispose() => stopping.Dispose();
    }
}
