using System;
using System.Collections.Generic;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using AvaSdk.Errors;
using AvaSdk.Http;
using AvaSdk.Storage;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using Serilog;

namespace AvaSdk.Platform
{
    /// <summary>
    /// The AVA API: JSON requests signed with the Qiniu v2 token (<c>Authorization: Qiniu AK:sign</c>) through the shared
    /// HTTP layer (<see cref="HttpServiceRules.AvaApi"/>). Creating an instance is never repeated once it may have arrived.
    /// </summary>
    public sealed class AvaApiClient : IDisposable
    {
        private const string JsonType = "application/json";

        private readonly Uri host;
        private readonly KodoCredentials credentials;
        private readonly ServiceHttp http;
        private readonly ILogger log;

        public AvaApiClient(Uri host, KodoCredentials credentials, ILogger log, HttpSettings settings, HttpMessageHandler? handler = null)
        {
            this.host = host;
            this.credentials = credentials;
            this.log = log;
            http = new ServiceHttp(HttpServiceRules.AvaApi, settings, log, handler);
        }

        /// <summary>A client for the API host the workspace configures; null in local mode (none configured).</summary>
        /// <exception cref="AvaException">AvaConfigInvalid for a damaged config file, AvaCredentialNotFound without credentials.</exception>
        public static AvaApiClient? Configured(PlatformConfig config)
        {
            if (config.ApiHost is not Uri apiHost)
                return null;
            var credentials = KodoSettings.Resolve(config, null, null, null, null).RequireCredentials("talk to the AVA API");
            return new AvaApiClient(apiHost, credentials, Logging.InstanceLog.Detached, config.HttpSettings());
        }

        /// <summary>POST /v1/trainings/&lt;training&gt;/instances; returns the id the platform gives.</summary>
        /// <exception cref="AvaException">AvaPlatformInstanceUncertain when the request may have created an instance whose
        /// id never reached us: the platform has no call to find it, so repeating the create could make a second one.</exception>
        public async Task<string> CreateTrainInstanceAsync(string training, JObject spec, CancellationToken cancellationToken)
        {
            var reply = await SendAsync(HttpMethod.Post, InstancesPath(training), spec, cancellationToken, idempotent: false).ConfigureAwait(false);
            return reply["id"] is JValue { Type: JTokenType.String or JTokenType.Integer } id && !string.IsNullOrEmpty((string?)id)
                ? (string)id!
                : throw new AvaException(AvaErrors.PlatformReplyInvalid, $"The AVA API created a training instance of '{training}', but its reply is not the JSON expected: it has no id ({ServiceHttp.Summarize(reply.ToString(Formatting.None))})", training);
        }

        public Task<JObject> GetTrainInstanceAsync(string training, string id, CancellationToken cancellationToken) =>
            SendAsync(HttpMethod.Get, $"{InstancesPath(training)}/{Uri.EscapeDataString(id)}", null, cancellationToken);

        public Task<JObject> UpdateTrainInstanceAsync(string training, string id, JObject spec, CancellationToken cancellationToken) =>
            SendAsync(HttpMethod.Put, $"{InstancesPath(training)}/{Uri.EscapeDataString(id)}", spec, cancellationToken);

        public Task<JObject> CreateModelAsync(JObject model, CancellationToken cancellationToken) =>
            SendAsync(HttpMethod.Post, "/v1/models", model, cancellationToken);

        public void Dispose() => http.Dispose();

        private async Task<JObject> SendAsync(HttpMethod method, string path, JObject? body, CancellationToken cancellationToken, bool idempotent = true)
        {
            var url = new Uri(host.GetLeftPart(UriPartial.Authority) + host.AbsolutePath.TrimEnd('/') + path);
            var bytes = body == null ? null : Encoding.UTF8.GetBytes(body.ToString(Formatting.None));
            try
            {
                var reply = await http.ExecuteAsync(async attempt =>
                {
                    using var request = new HttpRequestMessage(method, url);
                    if (bytes != null)
                    {
                        request.Content = new ByteArrayContent(bytes);
                        request.Content.Headers.ContentType = new MediaTypeHeaderValue(JsonType);
                    }
                    // Signed, as every Qiniu SDK does, so a captured request cannot be replayed later.
                    var date = KodoCredentials.QiniuDate(DateTimeOffset.UtcNow);
                    request.Headers.TryAddWithoutValidation(KodoCredentials.DateHeader, date);
                    var sign = credentials.SignQiniu(method.Method, url.Authority, url.PathAndQuery, bytes == null ? null : JsonType,
                        new[] { new KeyValuePair<string, string>(KodoCredentials.DateHeader, date) }, bytes);
                    request.Headers.Authorization = new AuthenticationHeaderValue("Qiniu", sign);
                    using var response = await http.Client.SendAsync(request, attempt.Token).ConfigureAwait(false);
                    return await http.EnsureSuccessAsync(response).ConfigureAwait(false);
                }, cancellationToken, idempotent).ConfigureAwait(false);
                log.Information("AVA API {Method:l} {Path:l}: done", method.Method, path);
                return reply;
            }
            catch (Exception ex) when (!idempotent && !ServiceHttp.NeverSent(ex) && !(ex is OperationCanceledException && cancellationToken.IsCancellationRequested)
                && !(ex is ServiceHttpException { Status: >= 400 and < 500 }))
            {
                throw new AvaException(AvaErrors.PlatformInstanceUncertain, $"{method.Method} {path} reached the AVA API at {host.GetLeftPart(UriPartial.Authority)} but no usable answer came back ({ex.GetBaseException().Message}), " +
                    "so a training instance may have been created on the platform. It was not created again, to avoid a duplicate. Find its id in the platform's console, " +
                    "then go on with that id ($env:AVA_TRAINING_INSTANCE_ID).", path, ex);
            }
            catch (ServiceHttpException ex)
            {
                var unreachable = ex is TransientHttpException;
                throw new AvaException(unreachable ? AvaErrors.PlatformUnreachable : AvaErrors.PlatformRequestFailed,
                    $"The AVA API at {host.GetLeftPart(UriPartial.Authority)} did not accept {method.Method} {path}: {ex.Message}.", path, ex);
            }
            catch (Exception ex) when (ex is HttpRequestException || ex is System.IO.IOException)
            {
                throw new AvaException(AvaErrors.PlatformUnreachable, $"The AVA API at {host.GetLeftPart(UriPartial.Authority)} could not be reached for {method.Method} {path}: {ex.GetBaseException().Message}.", path, ex);
            }
        }

        private static string InstancesPath(string training) => $"/v1/trainings/{Uri.EscapeDataString(training)}/instances";
    }
}
