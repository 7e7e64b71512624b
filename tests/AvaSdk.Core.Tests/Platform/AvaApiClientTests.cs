using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using AvaSdk.Errors;
using AvaSdk.Logging;
using AvaSdk.Platform;
using AvaSdk.Storage;
using AvaSdk.Training;
using Newtonsoft.Json.Linq;
using Xunit;

namespace AvaSdk.Core.Tests.Platform
{
    [Collection(EnvironmentCollection.Name)]
    public class AvaApiClientTests
    {
        private static readonly KodoCredentials Credentials = new KodoCredentials("ak", "sk");

        [Fact]
        public async Task Signs_each_request_over_the_exact_JSON_body()
        {
            var api = new Recorder((200, "{\"id\":\"5a8f83b058a9b60001ca3129\"}", true));
            using var client = new AvaApiClient(new Uri("http://atnet-apiserver:8080"), Credentials, InstanceLog.Detached, new AvaSdk.Http.HttpSettings { MaxRetry = 0 }, api);
            var id = await client.CreateTrainInstanceAsync("cifar train", new JObject { ["status"] = "running" }, CancellationToken.None);
            Assert.Equal("5a8f83b058a9b60001ca3129", id);
            var request = Assert.Single(api.Requests);
            Assert.Equal("POST", request.Method);
            Assert.Equal("http://atnet-apiserver:8080/v1/trainings/cifar%20train/instances", request.Url);
            Assert.Equal("{\"status\":\"running\"}", request.Body);
            // The string to sign of kodo-protocol.md §2.2, built here by hand and signed with the framework's HMAC-SHA1.
            Assert.Matches("^\\d{8}T\\d{6}Z$", request.QiniuDate);
            var signed = $"POST /v1/trainings/cifar%20train/instances\nHost: atnet-apiserver:8080\nContent-Type: application/json\nX-Qiniu-Date: {request.QiniuDate}\n\n{request.Body}";
            using var hmac = new System.Security.Cryptography.HMACSHA1(Encoding.UTF8.GetBytes("sk"));
            var expected = Convert.ToBase64String(hmac.ComputeHash(Encoding.UTF8.GetBytes(signed))).Replace('+', '-').Replace('/', '_');
            Assert.Equal("Qiniu ak:" + expected, request.Authorization);
            Assert.Equal("application/json", request.ContentType);
        }

        [Fact]
        public async Task Retries_5xx_and_answers_without_X_Reqid_then_gives_up_with_a_clear_error()
        {
            var api = new Recorder((503, "{\"error\":\"busy\"}", true), (200, "{}", false), (502, "bad gateway", true));
            using var client = new AvaApiClient(new Uri("http://api"), Credentials, InstanceLog.Detached, new AvaSdk.Http.HttpSettings { MaxRetry = 2, BaseDelay = TimeSpan.FromMilliseconds(1) }, api);
            var error = await Assert.ThrowsAsync<AvaException>(() => client.UpdateTrainInstanceAsync("t", "i1", new JObject(), CancellationToken.None));
            Assert.Equal(("AvaPlatformUnreachable", AvaErrorKind.ConnectionError), (error.ErrorId, error.Kind));
            Assert.Contains("PUT /v1/trainings/t/instances/i1", error.Message);
            Assert.Contains("HTTP 502", error.Message);
            Assert.Equal(3, api.Requests.Count);
            Assert.DoesNotContain("sk", error.Message.Split(' '));
        }

        [Fact]
        public async Task A_refusal_is_not_retried()
        {
            var api = new Recorder((401, "{\"error\":\"bad token\"}", true));
            using var client = new AvaApiClient(new Uri("http://api"), Credentials, InstanceLog.Detached, new AvaSdk.Http.HttpSettings { MaxRetry = 3, BaseDelay = TimeSpan.FromMilliseconds(1) }, api);
            var error = await Assert.ThrowsAsync<AvaException>(() => client.CreateModelAsync(new JObject(), CancellationToken.None));
            Assert.Equal(("AvaPlatformRequestFailed", AvaErrorKind.InvalidOperation), (error.ErrorId, error.Kind));
            Assert.Single(api.Requests);
        }

        [Theory]
        [InlineData(503)]
        [InlineData(200)] // a 2xx without X-Reqid: something answered, so the create may have happened
        public async Task A_create_that_may_have_reached_the_platform_is_never_sent_twice(int status)
        {
            var api = new Recorder((status, "{\"error\":\"busy\"}", status != 200), (200, "{\"id\":\"second\"}", true));
            using var client = new AvaApiClient(new Uri("http://api"), Credentials, InstanceLog.Detached, new AvaSdk.Http.HttpSettings { MaxRetry = 3, BaseDelay = TimeSpan.FromMilliseconds(1) }, api);
            var error = await Assert.ThrowsAsync<AvaException>(() => client.CreateTrainInstanceAsync("t", new JObject(), CancellationToken.None));
            Assert.Equal(("AvaPlatformInstanceUncertain", AvaErrorKind.ConnectionError), (error.ErrorId, error.Kind));
            Assert.Contains("go on with that id", error.Message);
            Assert.Single(api.Requests);
        }

        [Fact]
        public async Task A_created_instance_without_an_id_is_an_error()
        {
            var api = new Recorder((200, "{\"status\":\"running\"}", true));
            using var client = new AvaApiClient(new Uri("http://api"), Credentials, InstanceLog.Detached, new AvaSdk.Http.HttpSettings { MaxRetry = 0 }, api);
            Assert.Equal("AvaPlatformReplyInvalid", (await Assert.ThrowsAsync<AvaException>(() => client.CreateTrainInstanceAsync("t", new JObject(), CancellationToken.None))).ErrorId);
        }

        [Fact]
        public async Task A_completion_the_platform_could_not_take_is_kept_and_sent_later()
        {
            using var folder = new TempFolder();
            folder.Write("config/trainingspec", "{\"name\":\"t\"}");
            var api = new Recorder((200, "{\"id\":\"i7\",\"status\":\"running\",\"custom\":1}", true), (503, "{}", true), (200, "{}", true));
            using var client = new AvaApiClient(new Uri("http://api"), Credentials, InstanceLog.Detached, new AvaSdk.Http.HttpSettings { MaxRetry = 0 }, api);
            var started = await PlatformReports.StartAsync(folder.Path, "i7", new PlatformConfig(folder.Path), client, DateTimeOffset.Now, AvaSdk.Training.JobNode.Single, CancellationToken.None);
            Assert.Equal("t", started.TrainingName);

            TrainInstanceStore.MarkComplete(started, "diverged", DateTimeOffset.Now);
            var failure = await PlatformReports.ReportCompletionAsync(started, client, CancellationToken.None);
            Assert.NotNull(failure);
            var status = JObject.Parse(File.ReadAllText(started.StatusPath));
            Assert.False((bool)status["platform"]!["reported"]!);
            Assert.Equal("failed", (string?)status["platform"]!["instance"]!["status"]);

            Assert.Equal(1, await PlatformReports.SendPendingAsync(folder.Path, client, CancellationToken.None));
            var put = api.Requests.Last();
            Assert.Equal(("PUT", "http://api/v1/trainings/t/instances/i7"), (put.Method, put.Url));
            var body = JObject.Parse(put.Body!);
            Assert.Equal(("failed", "diverged", 1), ((string?)body["status"], (string?)body["errMsg"], (int)body["custom"]!));
            Assert.True((bool)JObject.Parse(File.ReadAllText(started.StatusPath))["platform"]!["reported"]!);
            Assert.Equal(0, await PlatformReports.SendPendingAsync(folder.Path, client, CancellationToken.None));
            started.CloseLog();
        }

        [Fact]
        public async Task Times_go_back_to_the_platform_exactly_as_it_wrote_them()
        {
            // A fraction ending in 0: read as a date, Json.NET would write it back as ".73", and the platform compares text.
            const string Started = "2026-12-02T11:28:41.730+00:00";
            const string Uploaded = "2026-12-02T11:30:00.100+00:00";
            using var folder = new TempFolder();
            folder.Write("config/trainingspec", "{\"name\":\"t\",\"createTime\":\"2026-11-30T08:00:00.500Z\"}");
            var api = new Recorder((200, "{\"id\":\"i8\",\"status\":\"running\",\"startTime\":\"" + Started + "\"}", true), (503, "{}", true), (200, "{}", true), (200, "{}", true));
            using var client = new AvaApiClient(new Uri("http://api"), Credentials, InstanceLog.Detached, new AvaSdk.Http.HttpSettings { MaxRetry = 0 }, api);
            var started = await PlatformReports.StartAsync(folder.Path, "i8", new PlatformConfig(folder.Path), client, DateTimeOffset.Now, AvaSdk.Training.JobNode.Single, CancellationToken.None);
            TrainInstanceStore.MarkComplete(started, null, DateTimeOffset.Now);
            Assert.NotNull(await PlatformReports.ReportCompletionAsync(started, client, CancellationToken.None));
            // What AvaSdk 0.1.0 left: a model record whose times the platform checks against the instance's.
            var record = "{\"name\":\"i8-snapshot-model:epoch_1\",\"trainingRef\":{\"startTime\":\"" + Started + "\",\"modelUploadTime\":\"" + Uploaded + "\"," +
                "\"spec\":" + new PlatformConfig(folder.Path).TrainingSpec().ToString(Newtonsoft.Json.Formatting.None) + "}}";
            File.WriteAllText(Path.Combine(started.RunPath, "platform-models.pending.jsonl"), record + "\n");

            Assert.Equal(2, await PlatformReports.SendPendingAsync(folder.Path, client, CancellationToken.None));
            var model = api.Requests.Single(r => r.Url.EndsWith("/v1/models", StringComparison.Ordinal));
            Assert.Contains("\"startTime\":\"" + Started + "\"", model.Body);
            Assert.Contains("\"modelUploadTime\":\"" + Uploaded + "\"", model.Body);
            Assert.Contains("\"createTime\":\"2026-11-30T08:00:00.500Z\"", model.Body);
            var put = api.Requests.Last(r => r.Method == "PUT");
            Assert.Contains("\"startTime\":\"" + Started + "\"", put.Body);
        }

        private sealed class Recorder : HttpMessageHandler
        {
            private readonly Queue<(int Status, string Body, bool RequestId)> replies;

            public Recorder(params (int, string, bool)[] replies)
            {
                this.replies = new Queue<(int, string, bool)>(replies);
            }

            public List<(string Method, string Url, string? Body, string? Authorization, string? ContentType, string? QiniuDate)> Requests { get; } = new();

            public void Enqueue((int, string, bool) reply) => replies.Enqueue(reply);

            protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                var body = request.Content == null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
                Requests.Add((request.Method.Method, request.RequestUri!.AbsoluteUri, body, request.Headers.Authorization?.ToString(), request.Content?.Headers.ContentType?.ToString(),
                    request.Headers.TryGetValues("X-Qiniu-Date", out var dates) ? dates.Single() : null));
                var (status, reply, requestId) = replies.Dequeue();
                var response = new HttpResponseMessage((HttpStatusCode)status) { Content = new StringContent(reply) };
                if (requestId)
                    response.Headers.Add("X-Reqid", "r" + Requests.Count);
                return response;
            }
        }
    }
}
