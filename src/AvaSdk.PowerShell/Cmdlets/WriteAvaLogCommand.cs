using System.Management.Automation;
using AvaSdk.Errors;
using AvaSdk.PowerShell.Infrastructure;

namespace AvaSdk.PowerShell.Cmdlets
{
    [Cmdlet(VerbsCommunications.Write, "AvaLog")]
    [OutputType(typeof(void))]
    public sealed class WriteAvaLogCommand : AvaCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
        [AllowEmptyString]
        public string Message { get; set; } = string.Empty;

        [Parameter]
        public ScriptLogLevel Level { get; set; } = ScriptLogLevel.Information;

        [Parameter]
        public TrainInstance? TrainInstance { get; set; }

        private TrainInstance? instance;

        protected override void BeginProcessing()
        {
            instance = TrainInstance ?? RunspaceInstances.Current;
            if (instance == null)
                ThrowTerminatingError(ToErrorRecord(new AvaException(AvaErrors.TrainInstanceNotFound,
                    "No training instance to log to: this session has not created one.")));
        }

        // The line goes to ava.log, and to the stream a PowerShell user looks at for its level; an error is not terminating.
        protected override void ProcessRecord()
        {
            instance!.WriteLog(Level, Message);
            switch (Level)
            {
                case ScriptLogLevel.Warning:
                    WriteWarning(Message);
                    break;
                case ScriptLogLevel.Error:
                    WriteError(ToErrorRecord(new AvaException(AvaErrors.ScriptError, Message, instance.Id)));
                    break;
                default:
                    WriteVerbose(Message);
                    break;
            }
        }

        protected override string? Hint(AvaError error, object? target) =>
            error == AvaErrors.TrainInstanceNotFound ? "Pass -TrainInstance, or create one with New-AvaTrainInstance first." : null;
    }
}
