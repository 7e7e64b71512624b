using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using AvaSdk.Errors;
using AvaSdk.Metrics;
using AvaSdk.PowerShell.Infrastructure;
using AvaSdk.Training;

namespace AvaSdk.PowerShell.Cmdlets
{
    [Cmdlet(VerbsCommon.Get, "AvaMetric", DefaultParameterSetName = InstanceSet)]
    [OutputType(typeof(Metric))]
    public sealed class GetAvaMetricCommand : AvaCmdlet, IDisposable
    {
        private const string InstanceSet = "Instance";
        private const string IdSet = "Id";
        private readonly CancellationTokenSource stopping = new CancellationTokenSource();
        private readonly List<TrainInstance> instances = new List<TrainInstance>();

        [Parameter(Position = 0, ValueFromPipeline = true, ParameterSetName = InstanceSet)]
        public TrainInstance? TrainInstance { get; set; }

        // Without -Id, -Workspace reads every instance of the workspace.
        [Parameter(ParameterSetName = IdSet)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(TrainInstanceIdCompleter))]
        public string[]? Id { get; set; }

        [Parameter(ParameterSetName = IdSet)]
        [ValidateNotNullOrEmpty]
        public string? Workspace { get; set; }

        [Parameter]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(MetricNameCompleter))]
        public string[]? Name { get; set; }

        [Parameter]
        public MetricPhase[]? Phase { get; set; }

        [Parameter]
        [ValidateRange(0, int.MaxValue)]
        public int[]? Node { get; set; }

        [Parameter]
        [ValidateRange(0, int.MaxValue)]
        public int Last { get; set; }

        [Parameter]
        public SwitchParameter Wait { get; set; }

        protected override void ProcessRecord()
        {
            if (ParameterSetName == IdSet)
            {
                instances.AddRange(ListInstances(ResolvePath(Workspace ?? AvaWorkspace.DefaultRoot()), Id ?? new[] { "*" }));
                return;
            }
            var instance = TrainInstance ?? RunspaceInstances.Current;
            if (instance == null)
                ThrowTerminatingError(ToErrorRecord(new AvaException(AvaErrors.TrainInstanceNotFound,
                    "No training instance to read the metrics of: none was given and this session has not created one.")));
            instances.Add(instance!);
        }

        protected override void EndProcessing()
        {
            var names = Name?.Select(n => new WildcardPattern(n, WildcardOptions.IgnoreCase)).ToList();
            bool Wanted(Metric metric) =>
                (names == null || names.Any(p => p.IsMatch(metric.Name))) &&
                (Phase == null || Phase.Contains(metric.Phase)) &&
                (Node == null || Node.Contains(metric.Node ?? 0));
            var recorded = new RecordedMetrics(instances, Wanted);
            try
            {
                foreach (var metric in recorded.ReadAll(MyInvocation.BoundParameters.ContainsKey(nameof(Last)) ? Last : null))
                    WriteObject(metric);
                if (!Wait)
                    return;
                foreach (var metric in recorded.Follow(Abandoned, stopping.Token))
                    WriteObject(metric);
            }
            catch (AvaException ex)
            {
                ThrowTerminatingError(ToErrorRecord(ex));
            }
        }

        private void Abandoned(TrainInstance instance) =>
            WriteWarning($"Training instance '{instance.Id}' is still running, but the process that owned it is gone without completing it: no more metrics will come. " +
                (instance.NodeCount > 1
                    ? $"Resume it by starting its job again (on each node, New-AvaTrainInstance -Id {instance.Id} with -Node set to that node's rank, and AVA_NUM_NODES={instance.NodeCount}), or end it with Complete-AvaTrainInstance."
                    : $"Resume it with New-AvaTrainInstance -Id {instance.Id}, or end it with Complete-AvaTrainInstance."));

        protected override void StopProcessing() => stopping.Cancel();

        protected override string? Hint(AvaError error, object? target) =>
            error == AvaErrors.TrainInstanceNotFound ? "Pass -TrainInstance or -Id, or pipe in Get-AvaTrainInstance." :
            error == AvaErrors.WorkspaceNotFound ? "Or pass -Workspace." : null;

        public void Dispose() => stopping.Dispose();
    }
}
