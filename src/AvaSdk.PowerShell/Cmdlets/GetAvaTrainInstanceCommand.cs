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
        public string[]? Id { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Workspace { get; set; }

        [Parameter]
        public TrainInstanceStatus[]? Status { get; set; }

        protected override void ProcessRecord()
        {
            var workspace = ResolvePath(Workspace ?? AvaWorkspace.DefaultRoot());
            var instances = List(workspace);
            foreach (var problem in instances.problems)
                WriteError(ToErrorRecord(problem));
            var patterns = (Id ?? new[] { "*" }).Select(id => new WildcardPattern(id, WildcardOptions.IgnoreCase)).ToList();
            foreach (var instance in instances.list.Where(i => patterns.Any(p => p.IsMatch(i.Id)) && (Status == null || Status.Contains(i.Status))))
                WriteObject(instance);
            foreach (var id in (Id ?? new string[0]).Where(id => !WildcardPattern.ContainsWildcardCharacters(id) && !instances.list.Any(i => string.Equals(i.Id, id, System.StringComparison.OrdinalIgnoreCase))))
                WriteError(ToErrorRecord(new AvaException(AvaErrors.TrainInstanceNotFound, $"The workspace '{workspace}' has no training instance '{id}'.", id)));
        }

        private (IReadOnlyList<TrainInstance> list, IReadOnlyList<AvaException> problems) List(string workspace)
        {
            try
            {
                return RunCore(() => (TrainInstanceStore.List(workspace, out var problems), problems));
            }
            catch (AvaException ex)
            {
                ThrowTerminatingError(ToErrorRecord(ex));
                throw;
            }
        }

        protected override string? Hint(AvaError error) =>
            error == AvaErrors.WorkspaceNotFound ? "Or pass -Workspace." : null;
    }
}
