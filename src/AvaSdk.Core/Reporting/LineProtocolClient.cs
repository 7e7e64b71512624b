using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using Polly;
using Polly.Retry;
using AvaSdk.Storage;
using Serilog;

namespace AvaSdk.Reporting
{
    /// <summary>
    /// POSTs batches of line protocol to the AVA probe or an InfluxDB 1.x <c>/write</c> endpoint, retrying transient
    /// failures with exponential backoff and jitter. Success is a 2xx whose body is empty, not JSON, or JSON with
    /// <c>code</c> 0 (the probe's reply); InfluxDB answers 204 with no body.
    /// </summary>
    public sealed class LineProtocolClient : IDisposable
    {
        public const string UrlVariable = "AVA_METRICS_URL";

        private readonly HttpClient http;
        private readonly ResiliencePipeline<SendResult> retry;
        private readonly ILogger log;

        public LineProtocolClient(Uri url, ILogger log, int maxRetry = 4, TimeSpan? baseDelay = null, HttpMessageHandler? handler = null)
        {
            Url = url;
            this.log = log;
            http = handler == null ? new HttpClient() : new HttpClient(handler);
            http.Timeout = TimeSpan.FromSeconds(10);
            var pipeline = new ResiliencePipelineBuilder<SendResult>();
            if (maxRetry > 0)
                pipeline.AddRetry(new RetryStrategyOptions<SendResult>
                {
                    MaxRetryAttempts = maxRetry,
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    Delay = baseDelay ?? TimeSpan.FromMilliseconds(250),
                    MaxDelay = TimeSpan.FromSeconds(10),
                    ShouldHandle = args => new ValueTask<bool>(args.Outcome.Result?.Retryable == true),
                    DelayGenerator = args => new ValueTask<TimeSpan?>(args.Outcome.Result?.RetryAfter),
                    OnRetry = args =>
                    {
                        log.Debug("Metrics post failed ({Problem:l}); retry {Attempt} in {Delay}", args.Outcome.Result?.Problem, args.AttemptNumber + 1, args.RetryDelay);
                        return default;
                    },
                });
            retry = pipeline.Build();
        }

        public Uri Url { get; }

        /// <summary>True when the batch was accepted; false after the retries, with the reason logged.</summary>
        public async Task<bool> SendAsync(IReadOnlyList<string> points, CancellationToken cancellationToken)
        {
            var body = string.Join("\n", points);
            var result = await retry.ExecuteAsync(async token => await SendOnceAsync(body, token).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
            if (!result.Accepted)
                log.Warning("Could not deliver {Count} metric point(s) to {Url:l}: {Problem:l}", points.Count, RedactedUrl(Url), result.Problem);
            return result.Accepted;
        }

        public void Dispose() => http.Dispose();

        /// <summary>The URL without user info or query, which may hold credentials.</summary>
        public static string RedactedUrl(Uri url) => url.GetLeftPart(UriPartial.Path);

        private async Task<SendResult> SendOnceAsync(string body, CancellationToken cancellationToken)
        {
            try
            {
                using var content = new StringContent(body, Encoding.UTF8, "text/plain");
                using var response = await http.PostAsync(Url, content, cancellationToken).ConfigureAwait(false);
                var reply = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
                var status = (int)response.StatusCode;
                if (status >= 200 && status < 300)
                {
                    var code = ProbeCode(reply);
                    return code == null || code == 0 ? SendResult.Ok : SendResult.Failed($"the probe answered code {code}: {KodoHttp.Shorten(reply)}", retryable: true);
                }
                var retryable = status >= 500 || status == 429 || status == 408;
                return SendResult.Failed($"HTTP {status} {response.ReasonPhrase}: {KodoHttp.Shorten(reply)}", retryable, KodoHttp.RetryAfter(response));
            }
            catch (HttpRequestException ex)
            {
                return SendResult.Failed(ex.InnerException?.Message ?? ex.Message, retryable: true);
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return SendResult.Failed($"no answer within {http.Timeout.TotalSeconds:0} s", retryable: true);
            }
        }

        private static long? ProbeCode(string reply)
        {
            var text = reply.Trim();
            if (text.Length == 0 || text[0] != '{')
                return null;
            try
            {
                var code = JObject.Parse(text)["code"];
                return code?.Type == JTokenType.Integer ? (long)code : (long?)null;
            }
            catch (JsonException)
            {
                return null;
            }
        }

        private sealed class SendResult
        {
            public static readonly SendResult Ok = new SendResult(true, false, null, null);

            private SendResult(bool accepted, bool retryable, string? problem, TimeSpan? retryAfter)
            {
                Accepted = accepted;
                Retryable = retryable;
                Problem = problem;
                RetryAfter = retryAfter;
            }

            public bool Accepted { get; }

            public bool Retryable { get; }

            public string? Problem { get; }

            public TimeSpan? RetryAfter { get; }

            public static SendResult Failed(string problem, bool retryable, TimeSpan? retryAfter = null) => new SendResult(false, retryable, problem, retryAfter);
        }
    }
}
