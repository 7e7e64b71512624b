using System;

namespace AvaSdk.Http
{
    /// <summary>How long one HTTP call may wait, in every way it can wait.</summary>
    public sealed class HttpSettings
    {
        public const int DefaultTimeoutSeconds = 30;
        public const int DefaultMaxRetryAfterSeconds = 60;

        /// <summary>Retries after the first attempt.</summary>
        public int MaxRetry { get; set; } = 4;

        /// <summary>The first backoff delay; it doubles with jitter up to <see cref="MaxBackoff"/>.</summary>
        public TimeSpan BaseDelay { get; set; } = TimeSpan.FromMilliseconds(500);

        public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(30);

        /// <summary>
        /// Per attempt: connecting, and any stretch this long in which less than <see cref="HttpAttempt.MinBytesPerSecond"/> a
        /// second moved either way (a server that stops sending mid-body, never answers, or trickles). Not a deadline for
        /// the whole transfer, which would fail large files.
        /// </summary>
        public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(DefaultTimeoutSeconds);

        /// <summary>
        /// The longest Retry-After honoured; a server asking for more is treated as down for now, so the call fails at once
        /// and its caller keeps the data for later instead of hanging.
        /// </summary>
        public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(DefaultMaxRetryAfterSeconds);

        public HttpSettings With(int? maxRetry = null, TimeSpan? timeout = null, TimeSpan? baseDelay = null) => new HttpSettings
        {
            MaxRetry = maxRetry ?? MaxRetry,
            BaseDelay = baseDelay ?? BaseDelay,
            MaxBackoff = MaxBackoff,
            Timeout = timeout ?? Timeout,
            MaxRetryAfter = MaxRetryAfter,
        };
    }
}
