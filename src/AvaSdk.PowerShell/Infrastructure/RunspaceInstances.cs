using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Management.Automation.Runspaces;
using System.Runtime.CompilerServices;
using System.Threading;
using AvaSdk.Errors;
using AvaSdk.Training;

namespace AvaSdk.PowerShell.Infrastructure
{
    /// <summary>
    /// The training instances of each PowerShell session (runspace), the one place this state lives: its current instance
    /// (the one cmdlets use when none is given), and the instances it started or joined and has not completed. Those are
    /// completed for it when it ends (InstanceCompletion.CompleteAtSessionEnd): failed with the last error's message when
    /// the script ended by a terminating error, failed "stopped by the user" after a Ctrl+C, done otherwise.
    /// <para>
    /// When a session ends, and how it ended, as PowerShell shows it publicly: a runspace of its own (a [powershell]
    /// runspace, a job's) raises StateChanged Closing, and ends by Ctrl+C when an AvaSdk command was stopped and no AvaSdk
    /// command ran after it. The host's runspace (pwsh -File, -Command, an interactive session) ends with its process: its
    /// instances are completed at ProcessExit, when pwsh's exit code is known; pwsh exits with 1 after an uncaught
    /// terminating error (and with the code of an explicit non-zero exit), whose message is the last one in $Error, read
    /// as each top-level pipeline ends. Remove-Module ends the module's part in the session (<see cref="ModuleCleanup"/>).
    /// </para>
    /// </summary>
    internal static class RunspaceInstances
    {
        private const string StoppedByUser = "stopped by the user";
        private const string SessionEnded = "its PowerShell session ended";

        private static readonly ConditionalWeakTable<Runspace, Session> Sessions = new ConditionalWeakTable<Runspace, Session>();

        static RunspaceInstances()
        {
            AppDomain.CurrentDomain.ProcessExit += (_, _) => NeverThrowing(EndProcess);
        }

        /// <summary>The instance this session started or joined last (New-AvaTrainInstance, or Invoke-AvaTraining without one).</summary>
        public static TrainInstance? Current => Runspace.DefaultRunspace is Runspace runspace && Sessions.TryGetValue(runspace, out var session) ? session.Current : null;

        /// <summary>
        /// An instance this session started or joined: its current one, to be completed when the session ends unless it is
        /// completed before. <paramref name="host"/> tells whether the session is its process's host session.
        /// </summary>
        public static void Started(TrainInstance instance, PSHost host)
        {
            var runspace = Runspace.DefaultRunspace;
            if (runspace == null)
                return;
            var session = Sessions.GetValue(runspace, r => Session.Watch(r, IsHostRunspace(r, host)));
            lock (session)
            {
                session.Current = instance;
                session.Open.Remove(instance);
                session.Open.Add(instance);
            }
        }

        /// <summary>The instance was completed (or this node's part of it ended): no session owes it a completion any more.</summary>
        public static void Completed(TrainInstance instance)
        {
            foreach (var (_, session) in Sessions)
            {
                lock (session)
                {
                    // By its folder and node, not the object: Get-AvaTrainInstance | Complete-AvaTrainInstance completes
                    // another object of the same instance.
                    session.Open.RemoveAll(open => SameInstance(open, instance));
                }
            }
        }

        private static bool SameInstance(TrainInstance a, TrainInstance b) =>
            a.Node == b.Node && string.Equals(System.IO.Path.GetFullPath(a.RunPath), System.IO.Path.GetFullPath(b.RunPath), StringComparison.Ordinal);

        /// <summary>An AvaSdk command of <paramref name="runspace"/> was stopped (Ctrl+C); called on the stopping thread.</summary>
        public static void UserStopped(Runspace? runspace)
        {
            if (runspace != null && Sessions.TryGetValue(runspace, out var session))
            {
                lock (session)
                    session.Stopped = true;
            }
        }

        /// <summary>An AvaSdk command starts in this session: a Ctrl+C before it did not end the session.</summary>
        public static void CommandStarting()
        {
            if (Runspace.DefaultRunspace is Runspace runspace && Sessions.TryGetValue(runspace, out var session))
            {
                lock (session)
                    session.Stopped = false;
            }
        }

        /// <summary>Remove-Module: the module's part in this session ends, and its instances are completed as if it closed.</summary>
        public static void ModuleRemoved()
        {
            if (Runspace.DefaultRunspace is Runspace runspace && Sessions.TryGetValue(runspace, out var session))
                End(new[] { (session, session.Outcome(exitCode: 0)) }, "AvaSdk was removed from its PowerShell session");
        }

        private static void EndProcess() =>
            End(Sessions.Select(s => (s.Value, s.Value.Outcome(s.Value.EndsWithProcess ? Environment.ExitCode : 0))).ToList(), SessionEnded);

        // The sessions' open instances, each completed with its session's outcome, all within one SessionEndLimit.
        private static void End(IReadOnlyCollection<(Session Session, string? ErrorMessage)> ending, string what)
        {
            using var deadline = new CancellationTokenSource(InstanceCompletion.SessionEndLimit);
            var warnings = new SessionEndWarnings();
            foreach (var (session, errorMessage) in ending)
            {
                List<TrainInstance> open;
                lock (session)
                {
                    open = session.Open.ToList();
                    session.Open.Clear();
                    session.Current = null;
                }
                foreach (var instance in open)
                    InstanceCompletion.CompleteAtSessionEnd(instance, errorMessage, what, warnings, deadline.Token);
            }
        }

        // The end of a session runs in ProcessExit or a runspace's event, where an exception would end the process or the
        // host's close: a completion that cannot be made stays running, as after a kill, and the next command sees it.
        private static void NeverThrowing(Action end)
        {
            try
            {
                end();
            }
            catch (Exception)
            {
            }
        }

        // Whether the runspace is its host's own (pwsh's console session), which ends with the process.
        private static bool IsHostRunspace(Runspace runspace, PSHost host)
        {
            try
            {
                return host is IHostSupportsInteractiveSession interactive && ReferenceEquals(interactive.Runspace, runspace);
            }
            catch (PSNotImplementedException)
            {
                // A host without sessions of its own ([powershell] runspaces, jobs): the runspace ends before the process.
                return false;
            }
        }

        private sealed class Session
        {
            private Session(bool endsWithProcess)
            {
                EndsWithProcess = endsWithProcess;
            }

            public bool EndsWithProcess { get; }

            public TrainInstance? Current { get; set; }

            public List<TrainInstance> Open { get; } = new List<TrainInstance>();

            /// <summary>An AvaSdk command was stopped, and none started since.</summary>
            public bool Stopped { get; set; }

            /// <summary>The message of the last error in $Error when the last top-level pipeline ended (host sessions only).</summary>
            public string? LastError { get; set; }

            public static Session Watch(Runspace runspace, bool endsWithProcess)
            {
                var session = new Session(endsWithProcess);
                if (endsWithProcess)
                {
                    runspace.AvailabilityChanged += (_, e) =>
                    {
                        if (e.RunspaceAvailability == RunspaceAvailability.Available)
                            session.NoteLastError(runspace);
                    };
                }
                else
                {
                    runspace.StateChanged += (_, e) =>
                    {
                        if (e.RunspaceStateInfo.State == RunspaceState.Closing || e.RunspaceStateInfo.State == RunspaceState.Closed)
                            NeverThrowing(() => End(new[] { (session, session.Outcome(exitCode: 0)) }, SessionEnded));
                    };
                }
                return session;
            }

            /// <summary>How the session ended, as the message of a failed instance; null when it ended normally.</summary>
            public string? Outcome(int exitCode)
            {
                lock (this)
                {
                    if (Stopped)
                        return StoppedByUser;
                    return exitCode == 0 ? null : LastError ?? $"the script exited with code {exitCode}";
                }
            }

            private void NoteLastError(Runspace runspace)
            {
                lock (this)
                {
                    if (Open.Count == 0)
                        return;
                }
                string? message;
                try
                {
                    message = runspace.SessionStateProxy.GetVariable("Error") is ArrayList { Count: > 0 } errors
                        ? errors[0] switch
                        {
                            ErrorRecord record => record.Exception.Message,
                            Exception exception => exception.Message,
                            _ => null,
                        }
                        : null;
                }
                catch (Exception ex) when (ex is PSInvalidOperationException || ex is InvalidRunspaceStateException)
                {
                    // A pipeline started meanwhile, or the runspace is closing: the error noted before stands.
                    return;
                }
                lock (this)
                    LastError = message;
            }
        }

        // At the end of a session there is no pipeline: warnings go to standard error in PowerShell's own form (and the
        // core writes them to the instance's ava.log).
        private sealed class SessionEndWarnings : IWorkObserver
        {
            public void Warning(string message, AvaError? about = null) => Console.Error.WriteLine($"WARNING: {message}");

            public void Progress(string activity, string status, int percent)
            {
            }

            public void ProgressCompleted(string activity)
            {
            }
        }
    }

    /// <summary>Remove-Module: completes the instances this session left running (see <see cref="RunspaceInstances"/>).</summary>
    public sealed class ModuleCleanup : IModuleAssemblyCleanup
    {
        public void OnRemove(PSModuleInfo psModuleInfo) => RunspaceInstances.ModuleRemoved();
    }
}
