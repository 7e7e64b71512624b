using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using Newtonsoft.Json.Linq;
using Polly;
using Polly.Retry;
using Serilog;

namespace AvaSdk.Http
{
    /// <summary>
    /// The one HTTP layer of AvaSdk: a client whose every attempt is bounded (connect and idle time), and one retry
    /// pipeline (exponential backoff with jitter, Retry-After honoured up to a cap) judged by a service's
    /// <see cref="HttpServiceRules"/>. A request that is not idempotent is repeated only when it provably never left.
    /// </summary>
    public sealed class ServiceHttp : IDisposable
    {
        private readonly HttpClient http;
        private readonly ILogger log;
        private readonly TimeProvider time;

        /// <summary>
        /// The HTTP layer of Send-AvaFile and Receive-AvaFile: Kodo's rules, the given bounds, and no redirect followed with
        /// credentials (downloads follow them themselves, see Storage.FileDownloader; uploads not at all).
        /// </summary>
        public static ServiceHttp ForTransfers(HttpSettings bounds) =>
            new ServiceHttp(HttpServiceRules.Kodo, bounds, Logging.InstanceLog.Detached, new HttpClientHandler { AllowAutoRedirect = false });

        /// <param name="time">The clock of the idle timeouts and backoff delays; the system's unless a test drives it.</param>
        public ServiceHttp(HttpServiceRules rules, HttpSettings settings, ILogger log, HttpMessageHandler? handler = null, TimeProvider? time = null)
        {
            Rules = rules;
            Settings = settings;
            this.log = log;
            this.time = time ?? TimeProvider.System;
            // The attempt bounds connecting too: its idle clock runs from the start and no byte moves until connected.
            http = new HttpClient(handler ?? new HttpClientHandler())
            {
                // Each attempt has its own bounds (HttpAttempt); a whole-call timeout would fail large transfers.
                Timeout = System.Threading.Timeout.InfiniteTimeSpan,
            };
        }

        public HttpServiceRules Rules { get; }

        public HttpSettings Settings { get; }

        public HttpClient Client => http;

        /// <summary>
        /// Runs <paramref name="attempt"/> until it succeeds or fails for good. An attempt signals a failure worth another try
        /// by throwing <see cref="TransientHttpException"/> (see <see cref="EnsureSuccessAsync"/>), HttpRequestException or
        /// IOException; it calls <see cref="HttpAttempt.Touch"/> whenever bytes move, so only a silent or trickling stretch
        /// (see <see cref="HttpAttempt.MinBytesPerSecond"/>) times it out.
        /// </summary>
        /// <param name="idempotent">False for a request that must not happen twice (creating an instance): it is retried only
        /// when it was never sent (the name did not resolve, the connection or the TLS handshake failed).</param>
        public async Task<T> ExecuteAsync<T>(Func<HttpAttempt, Task<T>> attempt, CancellationToken cancellationToken, bool idempotent = true)
        {
            var retriesByStatus = new Dictionary<int, int>();
            var builder = new ResiliencePipelineBuilder { TimeProvider = time };
            if (Settings.MaxRetry > 0)
                builder.AddRetry(new RetryStrategyOptions
                {
                    MaxRetryAttempts = Settings.MaxRetry,
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    Delay = Settings.BaseDelay,
                    MaxDelay = Settings.MaxBackoff,
                    ShouldHandle = args => new ValueTask<bool>(ShouldRetry(args.Outcome.Exception, idempotent, retriesByStatus, args.Context.CancellationToken)),
                    DelayGenerator = args => new ValueTask<TimeSpan?>((args.Outcome.Exception as TransientHttpException)?.RetryAfter),
                    OnRetry = args =>
                    {
                        log.Information("{Service:l}: attempt {Attempt} failed ({Error:l}); trying again in {Delay:0.0} s",
                            Rules.Service, args.AttemptNumber + 1, args.Outcome.Exception!.GetBaseException().Message, args.RetryDelay.TotalSeconds);
                        return default;
                    },
                });
            var pipeline = builder.Build();
            return await pipeline.ExecuteAsync(async token =>
            {
                using var bounded = new HttpAttempt(token, Settings.Timeout, time);
                try
                {
                    return await attempt(bounded).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (bounded.TimedOut && !token.IsCancellationRequested)
                {
                    throw new TransientHttpException(0, null, $"slower than {HttpAttempt.MinBytesPerSecond / 1024} KiB/s for {Settings.Timeout.TotalSeconds:0.###} s (nothing, or a trickle, arrived or left)", null, null);
                }
            }, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>
        /// The JSON body of a successful answer; otherwise a <see cref="TransientHttpException"/> for what the service's rules
        /// retry, or a final <see cref="ServiceHttpException"/>.
        /// </summary>
        /// <param name="requireRequestId">Overrides the service's rule: a plain http(s) download need not come from Kodo.</param>
        public async Task<JObject> EnsureSuccessAsync(HttpResponseMessage response, bool? requireRequestId = null)
        {
            var body = response.Content == null ? string.Empty : await response.Content.ReadAsStringAsync().ConfigureAwait(false);
            var status = (int)response.StatusCode;
            var reqId = response.Headers.TryGetValues("X-Reqid", out var ids) ? ids.FirstOrDefault() : null;
            var json = TryParse(body);
            if (status >= 200 && status < 300)
            {
                if (reqId == null && (requireRequestId ?? Rules.RequiresRequestId))
                    throw new TransientHttpException(status, null, $"the answer has no X-Reqid header, so it did not come from {Rules.Service}", null, null);
                if (Rules.RefusalIn(json) is string refusal)
                    throw new TransientHttpException(status, reqId, $"{refusal}: {Summarize(body)}", null, null);
                if (json == null && Rules.AnswersWithJson)
                    throw new ServiceHttpException(status, reqId, string.IsNullOrWhiteSpace(body)
                        ? $"the answer is empty, not the JSON {Rules.Service} answers with"
                        : $"the answer is not the JSON {Rules.Service} answers with: {Summarize(body)}");
                return json ?? new JObject();
            }
            var error = Summarize((string?)json?["error"] ?? (string?)json?["message"] ?? body);
            if (Rules.IsRetryable(status))
                throw new TransientHttpException(status, reqId, error, RetryAfter(response), null);
            throw new ServiceHttpException(status, reqId, error);
        }

        public void Dispose() => http.Dispose();

        /// <summary>True when the request provably never reached the server, so sending it again cannot make a duplicate.</summary>
        public static bool NeverSent(Exception? failure) =>
            failure is HttpRequestException { HttpRequestError: HttpRequestError.NameResolutionError or HttpRequestError.ConnectionError or HttpRequestError.SecureConnectionError };

        /// <summary>
        /// A reply body as it may appear in a message: the text of an HTML or XML page (an error page from a proxy or a
        /// web server) without its markup, whitespace collapsed, at most 200 characters.
        /// </summary>
        public static string Summarize(string body)
        {
            // The start of a page says what it is about; a huge one is not worth reading whole.
            var text = (body.Length > 64 * 1024 ? body.Substring(0, 64 * 1024) : body).Trim();
            if (text.StartsWith("<", StringComparison.Ordinal))
            {
                text = Markup.Replace(text, " ");
                text = WebUtility.HtmlDecode(text);
            }
            text = Whitespace.Replace(text, " ").Trim();
            return text.Length > 200 ? text.Substring(0, 200) + "…" : text;
        }

        // Tags, comments, and the content of script and style elements: none of it is the page's words.
        private static readonly Regex Markup = new Regex(@"<(script|style)\b.*?</\1\s*>|<!--.*?-->|<[^>]*>", RegexOptions.Singleline | RegexOptions.IgnoreCase | RegexOptions.Compiled);
        private static readonly Regex Whitespace = new Regex(@"\s+", RegexOptions.Compiled);

        /// <summary>How long an answer asks us to wait, from its Retry-After header (seconds or a date).</summary>
        internal static TimeSpan? RetryAfter(HttpResponseMessage response)
        {
            var header = response.Headers.RetryAfter;
            if (header?.Delta is TimeSpan delta)
                return delta;
            if (header?.Date is DateTimeOffset date)
                return date > DateTimeOffset.UtcNow ? date - DateTimeOffset.UtcNow : TimeSpan.Zero;
            return null;
        }

        private bool ShouldRetry(Exception? failure, bool idempotent, Dictionary<int, int> retriesByStatus, CancellationToken cancellationToken)
        {
            if (cancellationToken.IsCancellationRequested || failure == null)
                return false;
            if (!idempotent)
                return NeverSent(failure);
            if (failure is TransientHttpException transient)
            {
                if (transient.RetryAfter > Settings.MaxRetryAfter)
                {
                    log.Warning("{Service:l} asks to wait {Wait:0} s before another try, more than the {Cap:0} s AvaSdk waits: treating it as down for now",
                        Rules.Service, transient.RetryAfter.Value.TotalSeconds, Settings.MaxRetryAfter.TotalSeconds);
                    return false;
                }
                retriesByStatus.TryGetValue(transient.Status, out var done);
                if (done >= Rules.RetryLimit(transient.Status))
                    return false;
                retriesByStatus[transient.Status] = done + 1;
                return true;
            }
            return failure is HttpRequestException || failure is IOException;
        }

        private static JObject? TryParse(string body)
        {
            var text = body.Trim();
            if (!text.StartsWith("{", StringComparison.Ordinal))
                return null;
            try
            {
                return IO.JsonText.ParseObject(text);
            }
            catch (Newtonsoft.Json.JsonException)
            {
                return null;
            }
        }
    }

    /// <summary>
    /// One attempt's bounds: cancelled by the caller, or when fewer than <see cref="MinBytesPerSecond"/> a second have
    /// moved over a whole window of the timeout (nothing at all, or a trickle). Whoever moves bytes calls
    /// <see cref="Touch"/>, so a slow but live transfer never times out, and a trickle cannot hold it for good.
    /// </summary>
    public sealed class HttpAttempt : IDisposable
    {
        /// <summary>The slowest a transfer may go, on average over a window of the timeout, and still be alive.</summary>
        public const int MinBytesPerSecond = 1024;

        private readonly CancellationTokenSource slowTimer;
        private readonly CancellationTokenSource bound;
        private readonly TimeSpan window;
        private readonly long bytesPerWindow;
        private readonly CancellationToken caller;
        private long movedInWindow;

        internal HttpAttempt(CancellationToken caller, TimeSpan window, TimeProvider time)
        {
            this.caller = caller;
            this.window = window;
            bytesPerWindow = (long)Math.Ceiling(MinBytesPerSecond * window.TotalSeconds);
            slowTimer = new CancellationTokenSource(window, time);
            bound = CancellationTokenSource.CreateLinkedTokenSource(caller, slowTimer.Token);
        }

        public CancellationToken Token => bound.Token;

        internal bool TimedOut => slowTimer.IsCancellationRequested && !caller.IsCancellationRequested;

        /// <summary>
        /// <paramref name="bytes"/> moved: once a window's worth has (<see cref="MinBytesPerSecond"/> × the timeout), the
        /// window starts again.
        /// </summary>
        public void Touch(long bytes)
        {
            if (Interlocked.Add(ref movedInWindow, bytes) < bytesPerWindow)
                return;
            Interlocked.Exchange(ref movedInWindow, 0);
            try
            {
                if (!slowTimer.IsCancellationRequested)
                    slowTimer.CancelAfter(window);
            }
            catch (ObjectDisposedException)
            {
                // A late progress report after the attempt ended.
            }
        }

        public void Dispose()
        {
            bound.Dispose();
            slowTimer.Dispose();
        }
    }

    /// <summary>A service answered with an error: the HTTP status (0 when there was no answer), its error text and the request id.</summary>
    public class ServiceHttpException : Exception
    {
        public ServiceHttpException(int status, string? requestId, string error, Exception? inner = null)
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
    public sealed class TransientHttpException : ServiceHttpException
    {
        public TransientHttpException(int status, string? requestId, string error, TimeSpan? retryAfter, Exception? inner)
            : base(status, requestId, retryAfter is TimeSpan wait ? $"{error} (Retry-After {wait.TotalSeconds:0} s)" : error, inner)
        {
            RetryAfter = retryAfter;
        }

        public TimeSpan? RetryAfter { get; }
    }
}
