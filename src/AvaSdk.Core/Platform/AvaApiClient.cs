using System;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using AvaSdk.Errors;
using AvaSdk.Storage;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using Serilog;

namespace AvaSdk.Platform
{
    /// <summary>
    /// The AVA API: JSON requests signed with the Qiniu v2 token (<c>Authorization: Qiniu AK:sign</c>), each attempt
    /// bounded by a timeout, retried with backoff on network errors, 5xx and 429; a 2xx must carry X-Reqid.
    /// </summary>
    public sealed class AvaApiClient : IDisposable
    {
        private const string JsonType = "application/json";

        private readonly Uri host;
        private readonly KodoCredentials credentials;
        private readonly KodoHttp http;
        private readonly ILogger log;

        public AvaApiClient(Uri host, KodoCredentials credentials, ILogger log, int maxRetry = 4, TimeSpan? baseDelay = null, HttpMessageHandler? handler = null)
        {
            this.host = host;
            this.credentials = credentials;
            this.log = log;
            http = new KodoHttp(maxRetry, log, baseDelay, handler) { AttemptTimeout = TimeSpan.FromSeconds(30) };
        }

        /// <summary>POST /v1/trainings/&lt;training&gt;/instances; returns the id the platform gives.</summary>
        public async Task<string> CreateTrainInstanceAsync(string training, JObject spec, CancellationToken cancellationToken)
        {
            var reply = await SendAsync(HttpMethod.Post, InstancesPath(training), spec, cancellationToken).ConfigureAwait(false);
            return reply["id"] is JValue { Type: JTokenType.String or JTokenType.Integer } id && !string.IsNullOrEmpty((string?)id)
                ? (string)id!
                : throw new AvaException("AvaPlatformReplyInvalid", AvaErrorKind.InvalidData,
                    $"The AVA API created a training instance of '{training}' but its reply has no id: {KodoHttp.Shorten(reply.ToString(Formatting.None))}", training);
        }

        public Task<JObject> GetTrainInstanceAsync(string training, string id, CancellationToken cancellationToken) =>
            SendAsync(HttpMethod.Get, $"{InstancesPath(training)}/{Uri.EscapeDataString(id)}", null, cancellationToken);

        public Task<JObject> UpdateTrainInstanceAsync(string training, string id, JObject spec, CancellationToken cancellationToken) =>
            SendAsync(HttpMethod.Put, $"{InstancesPath(training)}/{Uri.EscapeDataString(id)}", spec, cancellationToken);

        public Task<JObject> CreateModelAsync(JObject model, CancellationToken cancellationToken) =>
            SendAsync(HttpMethod.Post, "/v1/models", model, cancellationToken);

        public void Dispose() => http.Dispose();

        private async Task<JObject> SendAsync(HttpMethod method, string path, JObject? body, CancellationToken cancellationToken)
        {
            var url = new Uri(host.GetLeftPart(UriPartial.Authority) + host.AbsolutePath.TrimEnd('/') + path);
            var bytes = body == null ? null : Encoding.UTF8.GetBytes(body.ToString(Formatting.None));
            try
            {
                var reply = await http.ExecuteAsync(async token =>
                {
                    using var request = new HttpRequestMessage(method, url);
                    if (bytes != null)
                    {
                        request.Content = new ByteArrayContent(bytes);
                        request.Content.Headers.ContentType = new MediaTypeHeaderValue(JsonType);
                    }
                    var sign = credentials.SignQiniu(method.Method, url.Authority, url.PathAndQuery, bytes == null ? null : JsonType, null, bytes);
                    request.Headers.Authorization = new AuthenticationHeaderValue("Qiniu", sign);
                    using var response = await http.Client.SendAsync(request, token).ConfigureAwait(false);
                    return await KodoHttp.EnsureSuccessAsync(response).ConfigureAwait(false);
                }, cancellationToken).ConfigureAwait(false);
                log.Information("AVA API {Method:l} {Path:l}: done", method.Method, path);
                return reply;
            }
            catch (KodoHttpException ex)
            {
                var unreachable = ex is KodoTransientException;
                throw new AvaException(unreachable ? "AvaPlatformUnreachable" : "AvaPlatformRequestFailed",
                    unreachable ? AvaErrorKind.ConnectionError : AvaErrorKind.InvalidOperation,
                    $"The AVA API at {host.GetLeftPart(UriPartial.Authority)} did not accept {method.Method} {path}: {ex.Message}.", path, ex);
            }
            catch (Exception ex) when (ex is HttpRequestException || ex is System.IO.IOException)
            {
                throw new AvaException("AvaPlatformUnreachable", AvaErrorKind.ConnectionError,
                    $"The AVA API at {host.GetLeftPart(UriPartial.Authority)} could not be reached for {method.Method} {path}: {ex.GetBaseException().Message}.", path, ex);
            }
        }

        private static string InstancesPath(string training) => $"/v1/trainings/{Uri.EscapeDataString(training)}/instances";
    }
}
