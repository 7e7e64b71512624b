using System;
using System.Collections.Generic;

namespace AvaSdk.TestServer
{
    /// <summary>Failures the tests ask for: the next N matching requests answer a status, drop the connection mid-body, wait, stall mid-body, or redirect.</summary>
    public sealed class FailurePlan
    {
        private readonly List<Failure> failures = new List<Failure>();

        public void Add(Failure failure)
        {
            lock (failures)
                failures.Add(failure);
        }

        public void Clear()
        {
            lock (failures)
                failures.Clear();
        }

        /// <summary>The failure for this request, if one is planned; each use counts down.</summary>
        public Failure? Take(string method, string path)
        {
            lock (failures)
            {
                foreach (var failure in failures)
                {
                    if (failure.Remaining <= 0 || (failure.PathPrefix != null && !path.StartsWith(failure.PathPrefix, StringComparison.Ordinal)) ||
                        (failure.Method != null && !string.Equals(failure.Method, method, StringComparison.OrdinalIgnoreCase)))
                        continue;
                    failure.Remaining--;
                    return failure;
                }
                return null;
            }
        }
    }

    public enum FailureKind
    {
        Status,
        Drop,
        Delay,

        /// <summary>Download: headers and half the body, then silence for DelayMs. Upload: stop reading the body for DelayMs.</summary>
        Stall,

        /// <summary>Answer Status (302 by default) with Location on another listener (Target).</summary>
        Redirect,
    }

    public sealed class Failure
    {
        public Failure(FailureKind kind, int count, int status, int delayMs, string? pathPrefix, string? method, int retryAfter)
        {
            Kind = kind;
            Remaining = count;
            Status = status;
            DelayMs = delayMs;
            PathPrefix = pathPrefix;
            Method = method;
            RetryAfter = retryAfter;
        }

        public FailureKind Kind { get; }

        public int Remaining { get; set; }

        public int Status { get; }

        public int DelayMs { get; }

        public string? PathPrefix { get; }

        public string? Method { get; }

        public int RetryAfter { get; }

        /// <summary>Stall: carry on after the silence instead of cutting the connection.</summary>
        public bool Resume { get; init; }

        /// <summary>Redirect: the host:port the Location points at.</summary>
        public string? Target { get; init; }

        /// <summary>Status: the body to answer instead of Kodo's JSON error (an HTML error page, or a 200 that is not JSON).</summary>
        public string? Body { get; init; }

        /// <summary>Status with a Body: its Content-Type.</summary>
        public string? ContentType { get; init; }
    }
}
