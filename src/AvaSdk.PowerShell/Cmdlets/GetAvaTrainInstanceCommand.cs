using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using AvaSdk.Errors;
using AvaSdk.PowerShell.Infrastructure;
using AvaSdk.Training;

namespace AvaSdk.PowerShell.Cmdlets
{
    [Cmdlet(VerbsCommon.Get, "AvaTrainInstance")]
    [OutputType(typeof(TrainInstance))]
    public sealed class GetAvaTrainInstanceCommand : AvaCmdlet
    {
        [Parameter(Position = 0)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(TrainInstanceIdCompleter))]
        public string[]? Id { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Workspace { get; set; }

        [Parameter]
        public TrainInstanceStatus[]? Status { get; set; }

        protected override void ProcessRecord()
        {
            var workspace = ResolvePath(Workspace ?? AvaWorkspace.DefaultRoot());
            foreach (var instance in ListInstances(workspace, Id ?? new[] { "*" }).Where(i => Status == null || Status.Contains(i.Status)))
                WriteObject(instance);
        }

        protected override string? Hint(AvaError error, object? target) =>
            error == AvaErrors.WorkspaceNotFound ? "Or pass -Workspace." : null;
    }
}
