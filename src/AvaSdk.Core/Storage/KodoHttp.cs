using System;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using Newtonsoft.Json.Linq;
using Polly;
using Polly.Retry;
using Serilog;

namespace AvaSdk.Storage
{
    /// <summary>
    /// HTTP for Kodo: retries network errors, timeouts, 5xx and 429 with exponential backoff and jitter (honouring
    /// Retry-After); never 4xx nor Kodo's final codes. Every answer is checked for X-Reqid, the mark of a Kodo server.
    /// </summary>
    public sealed class KodoHttp : IDisposable
    {
        // Kodo's final codes (shared/docs/kodo-protocol.md §8): retrying cannot help.
        private static readonly int[] FinalCodes = { 501, 509, 573, 579, 608, 612, 614, 616, 618, 630, 631, 632, 640, 701 };

        private readonly HttpClient http;
        private readonly ResiliencePipeline retry;

        public KodoHttp(int maxRetry, ILogger log, TimeSpan? baseDelay = null, HttpMessageHandler? handler = null)
        {
            http = handler == null ? new HttpClient(new HttpClientHandler()) : new HttpClient(handler);
            http.Timeout = System.Threading.Timeout.InfiniteTimeSpan;
            var pipeline = new ResiliencePipelineBuilder();
            if (maxRetry > 0)
                pipeline.AddRetry(new RetryStrategyOptions
                {
                    MaxRetryAttempts = maxRetry,
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    Delay = baseDelay ?? TimeSpan.FromMilliseconds(500),
                    MaxDelay = TimeSpan.FromSeconds(30),
                    ShouldHandle = args => new ValueTask<bool>(IsTransient(args.Outcome.Exception, args.Context.CancellationToken)),
                    DelayGenerator = args => new ValueTask<TimeSpan?>((args.Outcome.Exception as KodoTransientException)?.RetryAfter),
                    OnRetry = args =>
                    {
                        log.Information("Attempt {Attempt} failed ({Error:l}); trying again in {Delay:0.0} s",
                            args.AttemptNumber + 1, args.Outcome.Exception!.GetBaseException().Message, args.RetryDelay.TotalSeconds);
                        return default;
                    },
                });
            retry = pipeline.Build();
        }

        /// <summary>Without a response within this time an attempt counts as a network failure.</summary>
        public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromMinutes(5);

        public HttpClient Client => http;

        /// <summary>
        /// Runs <paramref name="attempt"/> until it succeeds or fails for good. An attempt throws
        /// <see cref="KodoTransientException"/> (via <see cref="EnsureSuccessAsync"/>) for a failure worth retrying.
        /// </summary>
        public async Task<T> ExecuteAsync<T>(Func<CancellationToken, Task<T>> attempt, CancellationToken cancellationToken) =>
            await retry.ExecuteAsync(async token =>
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
                timeout.CancelAfter(AttemptTimeout);
                try
                {
                    return await attempt(timeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (timeout.IsCancellationRequested && !token.IsCancellationRequested)
                {
                    throw new KodoTransientException(0, null, $"no answer within {AttemptTimeout.TotalSeconds:0} s", null, null);
                }
            }, cancellationToken).ConfigureAwait(false);

        /// <summary>
        /// Returns the JSON body of a 2xx; throws a transient or final <see cref="KodoHttpException"/> otherwise. Kodo's own
        /// APIs must answer with X-Reqid; plain http(s) downloads need not.
        /// </summary>
        public static async Task<JObject> EnsureSuccessAsync(HttpResponseMessage response, bool requireRequestId = true)
        {
            var body = response.Content == null ? string.Empty : await response.Content.ReadAsStringAsync().ConfigureAwait(false);
            var status = (int)response.StatusCode;
            var reqId = response.Headers.TryGetValues("X-Reqid", out var ids) ? ids.FirstOrDefault() : null;
            var json = TryParse(body);
            if (status >= 200 && status < 300)
            {
                if (reqId == null && requireRequestId)
                    throw new KodoTransientException(status, null, "the answer has no X-Reqid header, so it did not come from Kodo", null, null);
                return json ?? new JObject();
            }
            var error = (string?)json?["error"] ?? Shorten(body);
            if (IsRetryableStatus(status))
                throw new KodoTransientException(status, reqId, error, RetryAfter(response), null);
            throw new KodoHttpException(status, reqId, error);
        }

        public static bool IsRetryableStatus(int status) =>
            status == 429 || status == 408 || (status >= 500 && Array.IndexOf(FinalCodes, status) < 0);

        public void Dispose() => http.Dispose();

        private static bool IsTransient(Exception? exception, CancellationToken cancellationToken) =>
            !cancellationToken.IsCancellationRequested &&
            (exception is KodoTransientException || exception is HttpRequestException || exception is IOException);

        private static JObject? TryParse(string body)
        {
            var text = body.Trim();
            if (!text.StartsWith("{", StringComparison.Ordinal))
                return null;
            try
            {
                return JObject.Parse(text);
            }
            catch (Newtonsoft.Json.JsonException)
            {
                return null;
            }
        }

        /// <summary>How long a 429 or 503 answer asks us to wait, from its Retry-After header (seconds or a date).</summary>
        internal static TimeSpan? RetryAfter(HttpResponseMessage response)
        {
            var header = response.Headers.RetryAfter;
            if (header?.Delta is TimeSpan delta)
                return delta;
            if (header?.Date is DateTimeOffset date)
                return date > DateTimeOffset.UtcNow ? date - DateTimeOffset.UtcNow : TimeSpan.Zero;
            return null;
        }

        /// <summary>A reply body as it may appear in a message: at most 200 characters.</summary>
        internal static string Shorten(string text) => text.Length > 200 ? text.Substring(0, 200) + "…" : text;
    }

    /// <summary>Kodo answered with an error: the HTTP status, its error text and the request id.</summary>
    public class KodoHttpException : Exception
    {
        public KodoHttpException(int status, string? requestId, string error, Exception? inner = null)
            : base(status == 0 ? error : $"HTTP {status}: {error}" + (requestId == null ? string.Empty : $" (request id {requestId})"), inner)
        {
            Status = status;
            RequestId = requestId;
            Error = error;
        }

        public int Status { get; }

        public string? RequestId { get; }

        public string Error { get; }
    }

    /// <summary>A failure worth another try.</summary>
    public sealed class KodoTransientException : KodoHttpException
    {
        public KodoTransientException(int status, string? requestId, string error, TimeSpan? retryAfter, Exception? inner)
            : base(status, requestId, error, inner)
        {
            RetryAfter = retryAfter;
        }

        public TimeSpan? RetryAfter { get; }
    }
}
