using System;
using System.IO;
using System.Management.Automation;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;
using System.Threading;

namespace AvaSdk.Loader
{
    /// <summary>
    /// Keeps the module's libraries (Newtonsoft.Json, Serilog, Polly, ScottPlot, SkiaSharp, …) out of PowerShell's default load context, so a
    /// session that loaded other versions of them (another module, a profile) and AvaSdk both keep working. AvaSdk.Core
    /// and the libraries live in module/bin/dependencies and load into a context of their own; the cmdlets
    /// (AvaSdk.PowerShell, in the default context) reach AvaSdk.Core through the default context's Resolving event and
    /// name no library type themselves (their project file makes that a build error). This assembly is the manifest's
    /// first nested module, with no dependency at all: PowerShell resolves the cmdlets' parameter types (some from
    /// AvaSdk.Core) while it imports them, so the resolver must be in place before. The "bridge" pattern of PowerShell's
    /// "Resolving PowerShell module assembly dependency conflicts".
    /// </summary>
    public sealed class DependencyIsolation : IModuleAssemblyInitializer
    {
        private const string CoreAssembly = "AvaSdk.Core";

        // One context for the process: an assembly, once loaded, stays for the process's life (a module re-import reuses it).
        private static readonly DependencyLoadContext Context =
            new DependencyLoadContext(Path.Combine(Path.GetDirectoryName(typeof(DependencyIsolation).Assembly.Location)!, "dependencies"));
        private static int registered;

        public void OnImport()
        {
            if (Interlocked.Exchange(ref registered, 1) == 0)
                AssemblyLoadContext.Default.Resolving += (_, name) => name.Name == CoreAssembly ? Context.LoadFromAssemblyName(name) : null;
        }

        private sealed class DependencyLoadContext : AssemblyLoadContext
        {
            private readonly string folder;

            public DependencyLoadContext(string folder)
                : base("AvaSdk", isCollectible: false)
            {
                this.folder = folder;
            }

            // What is in the folder loads here; anything else (the framework) from the default context.
            protected override Assembly? Load(AssemblyName name)
            {
                var path = Path.Combine(folder, name.Name + ".dll");
                return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
            }

            // SkiaSharp's and HarfBuzzSharp's native libraries, laid out as NuGet ships them (runtimes/<rid>/native): the
            // runtime's own probing looks beside pwsh, never in the module. macOS has one library for both architectures,
            // under runtimes/osx. Anything not found there is left to the default probing.
            protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
            {
                var rid = RuntimeInformation.RuntimeIdentifier;
                foreach (var platform in new[] { rid, rid.Split('-')[0] })
                {
                    foreach (var suffix in new[] { string.Empty, ".so", ".dylib", ".dll" })
                    {
                        var path = Path.Combine(folder, "runtimes", platform, "native", unmanagedDllName + suffix);
                        if (File.Exists(path))
                            return LoadUnmanagedDllFromPath(path);
                    }
                }
                return IntPtr.Zero;
            }
        }
    }
}
