using System;
using System.Diagnostics;
using System.IO;
using System.Runtime.InteropServices;

namespace AvaSdk.Running
{
    /// <summary>
    /// Keeps a training process tree from outliving AvaSdk on Linux. The trainer starts as the leader of a session of its
    /// own (setsid), so its whole tree, grandchildren included, can be signalled as one process group, and with SIGPIPE at
    /// its default (the .NET runtime ignores SIGPIPE, and a child would inherit that and never die of a closed pipe).
    /// A watchdog shell reads a pipe whose only writer is this process: the kernel closes it however this process ends,
    /// kill -9 included, and the watchdog then sends the group SIGTERM and, 2 s later, SIGKILL.
    /// </summary>
    internal sealed class ProcessTreeGuard : IDisposable
    {
        private const string Setsid = "/usr/bin/setsid";
        private const string Env = "/usr/bin/env";
        private const string Kill = "/usr/bin/kill";
        private const int SigKill = 9;
        private const int SigTerm = 15;

        // $1 is the group. EOF on stdin means AvaSdk is gone or done: end what is left of the tree, politely first.
        private const string WatchdogScript =
            "read -r _; " +
            Kill + " -TERM -- -$1 2>/dev/null || exit 0; " +
            "i=0; while [ $i -lt 20 ] && " + Kill + " -0 -- -$1 2>/dev/null; do sleep 0.1; i=$((i+1)); done; " +
            Kill + " -KILL -- -$1 2>/dev/null; exit 0";

        private readonly int group;
        private readonly Process? watchdog;

        private ProcessTreeGuard(int group, Process? watchdog)
        {
            this.group = group;
            this.watchdog = watchdog;
        }

        /// <summary>True where the trainer can be started in a group of its own under a watchdog.</summary>
        public static bool IsSupported { get; } =
            OperatingSystem.IsLinux() && File.Exists(Setsid) && File.Exists(Env) && File.Exists(Kill) && File.Exists("/bin/sh");

        /// <summary>Turns a start of <paramref name="filePath"/> into one through setsid and env, which exec it in place (same pid).</summary>
        public static void Wrap(ProcessStartInfo startInfo, string filePath)
        {
            startInfo.FileName = Setsid;
            startInfo.ArgumentList.Insert(0, Env);
            startInfo.ArgumentList.Insert(1, "--default-signal=PIPE");
            startInfo.ArgumentList.Insert(2, "--");
            startInfo.ArgumentList.Insert(3, filePath);
        }

        /// <summary>Starts the watchdog of the group that <paramref name="leader"/> leads.</summary>
        public static ProcessTreeGuard Watch(Process leader)
        {
            var info = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, RedirectStandardInput = true };
            foreach (var argument in new[] { "-c", WatchdogScript, "avasdk-watchdog", leader.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) })
                info.ArgumentList.Add(argument);
            Process? watchdog = null;
            try
            {
                watchdog = Process.Start(info);
            }
            catch (System.ComponentModel.Win32Exception)
            {
                // Without a watchdog the tree is still ended by Stop and at completion; only a kill -9 of this process could orphan it.
            }
            return new ProcessTreeGuard(leader.Id, watchdog);
        }

        /// <summary>Kills every process of the group at once, however deep.</summary>
        public void KillTree() => kill(-group, SigKill);

        /// <summary>Asks every process of the group to end (SIGTERM), as a polite stop would: a trainer may checkpoint first.</summary>
        public void TerminateTree() => kill(-group, SigTerm);

        /// <summary>
        /// Lets the watchdog end whatever is left of the group, and exit: once the trainer has exited, what it left behind
        /// would otherwise run on as orphans, and hold its output pipes open so the run never sees their end.
        /// </summary>
        public void Release()
        {
            lock (this)
            {
                try
                {
                    watchdog?.StandardInput.Close();
                }
                catch (IOException)
                {
                    // The watchdog is already gone.
                }
            }
        }

        public void Dispose()
        {
            Release();
            watchdog?.Dispose();
        }

        [DllImport("libc", SetLastError = true)]
        private static extern int kill(int pid, int signal);
    }
}
