using System.Collections.Generic;
using System.Management.Automation;
using AvaSdk.Errors;
using AvaSdk.Training;

namespace AvaSdk.PowerShell.Infrastructure
{
    /// <summary>
    /// Shows core work as a cmdlet's warnings and progress bars (one bar per activity); the core calls it on the cmdlet's
    /// thread, inside <see cref="AvaCmdlet.RunCore{T}"/>. Progress is shown as it comes; warnings, which may prompt, are
    /// held until the work has returned.
    /// </summary>
    internal sealed class CmdletObserver : IWorkObserver
    {
        // Above the ids the cmdlets use for their own bars.
        private const int FirstActivityId = 10;

        private readonly AvaCmdlet cmdlet;
        private readonly Dictionary<string, ProgressRecord> bars = new Dictionary<string, ProgressRecord>();

        public CmdletObserver(AvaCmdlet cmdlet)
        {
            this.cmdlet = cmdlet;
        }

        public void Warning(string message, AvaError? about = null) => cmdlet.HoldWarning(cmdlet.WithHint(message, about));

        public void Progress(string activity, string status, int percent)
        {
            if (!bars.TryGetValue(activity, out var bar))
                bars[activity] = bar = new ProgressRecord(FirstActivityId + bars.Count, activity, status);
            bar.StatusDescription = status;
            bar.PercentComplete = percent;
            cmdlet.WriteProgress(bar);
        }

        public void ProgressCompleted(string activity)
        {
            if (!bars.Remove(activity, out var bar))
                return;
            bar.RecordType = ProgressRecordType.Completed;
            cmdlet.WriteProgress(bar);
        }
    }
}
