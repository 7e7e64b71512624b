using System;
using System.Collections.Generic;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using AvaSdk.Http;
using Serilog;

namespace AvaSdk.Reporting
{
    /// <summary>
    /// POSTs batches of line protocol to the AVA probe or an InfluxDB 1.x <c>/write</c> endpoint through the shared HTTP
    /// layer (<see cref="HttpServiceRules.Probe"/>): success is a 2xx whose body is empty, not JSON, or JSON with
    /// <c>code</c> 0 (the probe's reply); InfluxDB answers 204 with no body.
    /// </summary>
    public sealed class LineProtocolClient : IDisposable
    {
        public const string UrlVariable = "AVA_METRICS_URL";

        private readonly ServiceHttp http;
        private readonly ILogger log;

        public LineProtocolClient(Uri url, ILogger log, HttpSettings settings, HttpMessageHandler? handler = null)
        {
            Url = url;
            this.log = log;
            http = new ServiceHttp(HttpServiceRules.Probe, settings, log, handler);
        }

        public Uri Url { get; }

        /// <summary>True when the batch was accepted; false after the retries, with the reason logged.</summary>
        public async Task<bool> SendAsync(IReadOnlyList<string> points, CancellationToken cancellationToken)
        {
            var body = Encoding.UTF8.GetBytes(string.Join("\n", points));
            try
            {
                await http.ExecuteAsync(async attempt =>
                {
                    using var content = new ByteArrayContent(body);
                    content.Headers.ContentType = new MediaTypeHeaderValue("text/plain") { CharSet = "utf-8" };
                    using var response = await http.Client.PostAsync(Url, content, attempt.Token).ConfigureAwait(false);
                    return await http.EnsureSuccessAsync(response).ConfigureAwait(false);
                }, cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (Exception ex) when (ex is ServiceHttpException || ex is HttpRequestException || ex is System.IO.IOException)
            {
                log.Warning("Could not deliver {Count} metric point(s) to {Url:l}: {Problem:l}", points.Count, RedactedUrl(Url), ex.GetBaseException().Message);
                return false;
            }
        }

        public void Dispose() => http.Dispose();

        /// <summary>The URL without user info or query, which may hold credentials.</summary>
        public static string RedactedUrl(Uri url) => url.GetLeftPart(UriPartial.Path);
    }
}
