using System.Management.Automation.Runspaces;
using System.Runtime.CompilerServices;

namespace AvaSdk.PowerShell.Infrastructure
{
    /// <summary>The training instance each PowerShell session (runspace) created last, which cmdlets use when none is given.</summary>
    internal static class SessionTrainInstance
    {
        private static readonly ConditionalWeakTable<Runspace, TrainInstance> LastByRunspace = new ConditionalWeakTable<Runspace, TrainInstance>();

        public static TrainInstance? Last
        {
            get
            {
                var runspace = Runspace.DefaultRunspace;
                return runspace != null && LastByRunspace.TryGetValue(runspace, out var instance) ? instance : null;
            }

            set
            {
                var runspace = Runspace.DefaultRunspace;
                if (runspace == null)
                    return;
                lock (LastByRunspace)
                {
                    LastByRunspace.Remove(runspace);
                    if (value != null)
                        LastByRunspace.Add(runspace, value);
                }
            }
        }
    }
}
