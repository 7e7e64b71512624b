using System;
using System.Management.Automation;
using AvaSdk.Errors;
using AvaSdk.Logging;

namespace AvaSdk.PowerShell.Infrastructure
{
    /// <summary>What every AvaSdk cmdlet shares: path resolution, error records, and showing the core's log as Verbose.</summary>
    public abstract class AvaCmdlet : PSCmdlet
    {
        /// <summary>The session this command runs in, kept for StopProcessing, which PowerShell calls on another thread.</summary>
        private protected System.Management.Automation.Runspaces.Runspace? CommandRunspace { get; } = System.Management.Automation.Runspaces.Runspace.DefaultRunspace;

        // Warnings core work raised, written once it has returned (see RunCore).
        private readonly System.Collections.Generic.Queue<string> heldWarnings = new System.Collections.Generic.Queue<string>();

        /// <summary>Resolves a path the way PowerShell users expect: relative to the current location, with ~ and PSDrives.</summary>
        protected string ResolvePath(string path) => SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);

        /// <summary>
        /// Runs core work with a log capture open, then writes, on this thread, what it logged as Verbose and the warnings
        /// its <see cref="CmdletObserver"/> was given. Both wait for the work to return because writing them may prompt
        /// (-Debug, -WarningAction Inquire), and a prompt may throw (Halt, a host that cannot prompt): thrown in the middle
        /// of the work, that would leave it half done (an instance owned and running, its completion cut short).
        /// </summary>
        protected T RunCore<T>(Func<T> work)
        {
            var capture = LogCapture.Begin();
            T result;
            try
            {
                result = work();
            }
            catch
            {
                // The work's own failure is what the user must see: a prompt that throws while its log and warnings are
                // written (Halt, a host that cannot prompt) must not replace it.
                try
                {
                    WriteHeld(capture);
                }
                catch (Exception)
                {
                }
                throw;
            }
            WriteHeld(capture);
            return result;
        }

        private void WriteHeld(LogCapture capture)
        {
            capture.Dispose();
            WriteCaptured(capture);
            while (heldWarnings.TryDequeue(out var warning))
                WriteWarning(warning);
        }

        protected void RunCore(Action work) => RunCore(() => { work(); return true; });

        internal T RunCoreInternal<T>(Func<T> work) => RunCore(work);

        internal void WriteCaptured(LogCapture capture)
        {
            while (capture.TryTake(out var message))
                WriteVerbose(message);
        }

        /// <summary>
        /// Stops the whole script, as <c>throw</c> does, not only the statement as ThrowTerminatingError does: for commands
        /// that take no pipeline input, whose failure leaves the script nothing to go on with (<c>$t = New-AvaTrainInstance</c>
        /// would otherwise run on with <c>$t = $null</c>). try/catch and trap see it like any terminating error. Use: <c>throw ScriptTerminatingError(…)</c>.
        /// </summary>
        protected RuntimeException ScriptTerminatingError(ErrorRecord record)
        {
            // The same FullyQualifiedErrorId ThrowTerminatingError gives: "<ErrorId>,<cmdlet type>".
            var stamped = new ErrorRecord(record.Exception, $"{record.FullyQualifiedErrorId},{GetType().FullName}", record.CategoryInfo.Category, record.TargetObject)
            {
                ErrorDetails = record.ErrorDetails,
            };
            return new RuntimeException(record.Exception.Message, record.Exception, stamped) { WasThrownFromThrowStatement = true };
        }

        /// <summary>
        /// The error as PowerShell shows it: the core's message, which names no parameter, and this cmdlet's hint of what
        /// to do with its own parameters (<see cref="Hint"/>), as the shown message and the RecommendedAction.
        /// </summary>
        internal ErrorRecord ToErrorRecord(AvaException exception)
        {
            var record = new ErrorRecord(exception, exception.ErrorId, ToCategory(exception.Kind), exception.Target);
            if (Hint(exception.Error, exception.Target) is string hint)
                record.ErrorDetails = new ErrorDetails($"{exception.Message} {hint}") { RecommendedAction = hint };
            return record;
        }

        /// <summary>
        /// The instances of <paramref name="workspace"/> whose ids match <paramref name="ids"/> (wildcards), as their status
        /// files say. A damaged status file, or an id without wildcards that names no instance, is a non-terminating error;
        /// a missing workspace stops the command.
        /// </summary>
        protected System.Collections.Generic.IEnumerable<TrainInstance> ListInstances(string workspace, string[] ids)
        {
            System.Collections.Generic.IReadOnlyList<TrainInstance> listed;
            System.Collections.Generic.IReadOnlyList<AvaException> problems;
            try
            {
                (listed, problems) = RunCore(() => (Training.TrainInstanceStore.List(workspace, out var damaged), damaged));
            }
            catch (AvaException ex)
            {
                ThrowTerminatingError(ToErrorRecord(ex));
                throw;
            }
            foreach (var problem in problems)
                WriteError(ToErrorRecord(problem));
            foreach (var id in ids)
            {
                if (!WildcardPattern.ContainsWildcardCharacters(id) && !System.Linq.Enumerable.Any(listed, i => string.Equals(i.Id, id, StringComparison.OrdinalIgnoreCase)))
                    WriteError(ToErrorRecord(new AvaException(AvaErrors.TrainInstanceNotFound, $"The workspace '{workspace}' has no training instance '{id}'.", id)));
            }
            var patterns = System.Linq.Enumerable.ToList(System.Linq.Enumerable.Select(ids, id => new WildcardPattern(id, WildcardOptions.IgnoreCase)));
            return System.Linq.Enumerable.Where(listed, i => patterns.Exists(p => p.IsMatch(i.Id)));
        }

        /// <summary>
        /// What this cmdlet's user can do about <paramref name="error"/> with its parameters, filled in with the error's
        /// <paramref name="target"/> (an instance's id, a path) when it names one; null when nothing.
        /// </summary>
        protected virtual string? Hint(AvaError error, object? target) => null;

        /// <summary>Keeps a warning of core work in progress for <see cref="RunCore{T}"/> to write once it has returned.</summary>
        internal void HoldWarning(string message) => heldWarnings.Enqueue(message);

        /// <summary>
        /// A warning the core raised about <paramref name="error"/>, with this cmdlet's hint and the error's id last: a
        /// warning has no ErrorId of its own, and the id is what a script or a search can go by.
        /// </summary>
        internal string WithHint(string message, AvaError? error) =>
            error == null ? message : Hint(error, null) is string hint ? $"{message} {hint} [{error.Id}]" : $"{message} [{error.Id}]";

        private static ErrorCategory ToCategory(AvaErrorKind kind) => kind switch
        {
            AvaErrorKind.InvalidArgument => ErrorCategory.InvalidArgument,
            AvaErrorKind.ObjectNotFound => ErrorCategory.ObjectNotFound,
            AvaErrorKind.InvalidData => ErrorCategory.InvalidData,
            AvaErrorKind.InvalidOperation => ErrorCategory.InvalidOperation,
            AvaErrorKind.ReadError => ErrorCategory.ReadError,
            AvaErrorKind.WriteError => ErrorCategory.WriteError,
            AvaErrorKind.ConnectionError => ErrorCategory.ConnectionError,
            AvaErrorKind.PermissionDenied => ErrorCategory.PermissionDenied,
            AvaErrorKind.ResourceExists => ErrorCategory.ResourceExists,
            AvaErrorKind.SecurityError => ErrorCategory.SecurityError,
            AvaErrorKind.ResourceBusy => ErrorCategory.ResourceBusy,
            AvaErrorKind.OperationStopped => ErrorCategory.OperationStopped,
            AvaErrorKind.OperationTimeout => ErrorCategory.OperationTimeout,
            AvaErrorKind.InvalidResult => ErrorCategory.InvalidResult,
            AvaErrorKind.NotSpecified => ErrorCategory.NotSpecified,
            _ => ErrorCategory.NotSpecified,
        };
    }
}
