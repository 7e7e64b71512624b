using System;

namespace AvaSdk.Errors
{
    /// <summary>
    /// A failure a user can act on, one of <see cref="AvaErrors"/>. <see cref="ErrorId"/> is stable (scripts and tests
    /// match on it); the message says what was wrong, where, and what to do.
    /// </summary>
    public class AvaException : Exception
    {
        public AvaException(AvaError error, string message, object? target = null, Exception? inner = null)
            : this(error, error.Kind, message, target, inner)
        {
        }

        /// <param name="kind">For the errors whose kind depends on the cause (a network failure or a refusal).</param>
        public AvaException(AvaError error, AvaErrorKind kind, string message, object? target = null, Exception? inner = null)
            : base(message, inner)
        {
            Error = error;
            Kind = kind;
            Target = target;
        }

        public AvaError Error { get; }

        public string ErrorId => Error.Id;

        public AvaErrorKind Kind { get; }

        /// <summary>What the error is about: a path, a key, an instance.</summary>
        public object? Target { get; }
    }

    /// <summary>
    /// AvaConfigInvalid: a setting (an environment variable, a value in a platform config file) that cannot be used.
    /// Its own type so that callers that go on without the setting catch it by type, not by comparing ids.
    /// </summary>
    public sealed class AvaConfigException : AvaException
    {
        public AvaConfigException(string message, object? target = null, Exception? inner = null)
            : base(AvaErrors.ConfigInvalid, message, target, inner)
        {
        }
    }

    /// <summary>What kind of failure; the cmdlets map it to an ErrorCategory.</summary>
    public enum AvaErrorKind
    {
        InvalidArgument,
        ObjectNotFound,
        InvalidData,
        InvalidOperation,
        ReadError,
        WriteError,
        ConnectionError,
        PermissionDenied,
        ResourceExists,

        /// <summary>Refused because doing it would be unsafe: a file outside its folder, credentials to another host.</summary>
        SecurityError,

        /// <summary>Stopped from outside before it was done (a SIGTERM).</summary>
        OperationStopped,

        /// <summary>A bounded wait ran out.</summary>
        OperationTimeout,

        /// <summary>Someone else is using it right now: another process owns the instance, or holds the upload.</summary>
        ResourceBusy,

        /// <summary>What was run gave a result that is a failure (the training process's exit code).</summary>
        InvalidResult,

        /// <summary>Nothing more specific: what the user's script reports about itself.</summary>
        NotSpecified,
    }
}
