using System;
using System.Management.Automation;
using AvaSdk.Errors;
using AvaSdk.PowerShell.Infrastructure;
using AvaSdk.Training;

namespace AvaSdk.PowerShell.Cmdlets
{
    [Cmdlet(VerbsCommon.New, "AvaTrainInstance")]
    [OutputType(typeof(TrainInstance))]
    public sealed class NewAvaTrainInstanceCommand : AvaCmdlet
    {
        [Parameter(Position = 0)]
        public string? Id { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Workspace { get; set; }

        protected override void ProcessRecord()
        {
            var workspace = ResolvePath(Workspace ?? AvaWorkspace.DefaultRoot());
            var id = Id ?? Environment.GetEnvironmentVariable(TrainInstanceId.EnvironmentVariable);
            if (string.IsNullOrEmpty(id))
                id = TrainInstanceId.NewId(DateTimeOffset.UtcNow);

            try
            {
                var instance = RunCore(() => TrainInstanceStore.Start(workspace, id!, DateTimeOffset.Now));
                SessionTrainInstance.Last = instance;
                WriteObject(instance);
            }
            catch (AvaException ex)
            {
                ThrowTerminatingError(ToErrorRecord(ex));
            }
        }
    }
}
