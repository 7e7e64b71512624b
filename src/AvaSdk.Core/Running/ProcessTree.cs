using System;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace AvaSdk.Running
{
    /// <summary>Ends a process and everything it started.</summary>
    public static class ProcessTree
    {
        // Process.Kill(bool) exists from .NET Core 3.0 on; this assembly targets netstandard2.0 and may run on either.
        private static readonly System.Reflection.MethodInfo? KillTree = typeof(Process).GetMethod("Kill", new[] { typeof(bool) });

        public static void Kill(Process process)
        {
            try
            {
                if (process.HasExited)
                    return;
                if (KillTree != null)
                    KillTree.Invoke(process, new object[] { true });
                else if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
                    using (var taskkill = Process.Start(new ProcessStartInfo("taskkill", $"/PID {process.Id} /T /F") { UseShellExecute = false, CreateNoWindow = true }))
                        taskkill?.WaitForExit(10000);
                else
                    process.Kill();
            }
            catch (Exception ex) when (ex is InvalidOperationException || ex is System.ComponentModel.Win32Exception || ex is System.Reflection.TargetInvocationException)
            {
                // It exited on its own meanwhile.
            }
        }
    }
}
