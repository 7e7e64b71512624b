using System;
using System.Management.Automation;
using System.Reflection;

namespace AvaSdk.PowerShell.Infrastructure
{
    /// <summary>
    /// Lets scripts name the core's types as they always could (<c>[AvaSdk.Metric]</c>, <c>-is [AvaSdk.TrainInstance]</c>,
    /// <c>[AvaSdk.TrainingFramework]::Caffe</c>): PowerShell resolves type literals only in its default load context, and
    /// AvaSdk.Core lives in the module's own (see AvaSdk.Loader). Each public type of AvaSdk.Core is added to the engine's
    /// type accelerators under its full name, which names nothing else.
    /// </summary>
    public sealed class CoreTypeNames : IModuleAssemblyInitializer
    {
        public void OnImport()
        {
            // The engine's accelerator table is public but not in the reference assemblies, so it is found by name.
            var accelerators = typeof(PSObject).Assembly.GetType("System.Management.Automation.TypeAccelerators");
            var add = accelerators?.GetMethod("Add", BindingFlags.Public | BindingFlags.Static, null, new[] { typeof(string), typeof(Type) }, null);
            if (add == null)
                return;
            foreach (var type in typeof(Metric).Assembly.GetExportedTypes())
            {
                if (type.FullName != null)
                    add.Invoke(null, new object[] { type.FullName, type });
            }
        }
    }
}
