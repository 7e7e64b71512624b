using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using AvaSdk.Http;
using AvaSdk.Logging;
using AvaSdk.Storage;
using Xunit;

namespace AvaSdk.Core.Tests.Storage
{
    /// <summary>The region query (kodo-protocol.md §7.1): answers shaped as the document shows them.</summary>
    public sealed class KodoRegionTests : IDisposable
    {
        private readonly TempFolder folder = new TempFolder();

        private static string Answer(int ttl = 86400) =>
            "{\"hosts\":[{\"region\":\"z2\",\"ttl\":" + ttl + ",\"up\":{\"domains\":[\"upload-z2.qiniup.com\",\"up-z2.qiniup.com\"],\"old\":[\"upload-z2.qbox.me\"]}," +
            "\"io\":{\"domains\":[\"iovip-z2.qbox.me\"]},\"io_src\":{\"domains\":[\"bkt.kodo-cn-south-1.qiniucs.com\"]},\"rs\":{\"domains\":[\"rs-z2.qbox.me\"]}}]}";

        private KodoRegionResolver Resolver(Uc uc, string ucHost = "http://uc.test:9000") =>
            new KodoRegionResolver(new ServiceHttp(HttpServiceRules.Kodo, new HttpSettings { MaxRetry = 0 }, InstanceLog.Detached, uc), new Uri(ucHost),
                Path.Combine(folder.Path, "regions.json"), InstanceLog.Detached);

        [Fact]
        public async Task Hosts_come_in_the_answers_order_with_the_uc_hosts_scheme()
        {
            var uc = new Uc(_ => (200, Answer()));
            var region = await Resolver(uc).ResolveAsync("ak", "bkt", refresh: false, CancellationToken.None);
            Assert.Equal(new[] { "http://upload-z2.qiniup.com/", "http://up-z2.qiniup.com/", "http://upload-z2.qbox.me/" }, region.UpHosts.Select(h => h.ToString()));
            Assert.Equal("http://bkt.kodo-cn-south-1.qiniucs.com/", region.SourceDomains.Single().ToString());
            Assert.Equal("z2", region.RegionId);
            Assert.Equal("/v4/query?ak=ak&bucket=bkt", uc.Requests.Single().PathAndQuery);
        }

        [Fact]
        public async Task The_answer_is_kept_on_disk_for_its_ttl_so_the_next_command_does_not_ask()
        {
            var uc = new Uc(_ => (200, Answer()));
            await Resolver(uc).ResolveAsync("ak", "bkt", refresh: false, CancellationToken.None);
            var again = await Resolver(uc).ResolveAsync("ak", "bkt", refresh: false, CancellationToken.None);
            Assert.Single(uc.Requests);
            Assert.Contains("cached", again.Source);
            await Resolver(uc).ResolveAsync("ak", "other-bucket", refresh: false, CancellationToken.None);
            await Resolver(uc).ResolveAsync("ak", "bkt", refresh: true, CancellationToken.None);
            Assert.Equal(3, uc.Requests.Count);
        }

        [Fact]
        public async Task An_expired_answer_is_asked_again()
        {
            var uc = new Uc(_ => (200, Answer(ttl: 0)));
            await Resolver(uc).ResolveAsync("ak", "bkt", refresh: false, CancellationToken.None);
            await Resolver(uc).ResolveAsync("ak", "bkt", refresh: false, CancellationToken.None);
            Assert.Equal(2, uc.Requests.Count);
        }

        [Fact]
        public async Task The_default_uc_host_falls_back_to_its_backups()
        {
            var uc = new Uc(request => request.Host == "uc.qiniuapi.com" ? (503, "{\"error\":\"down\"}") : (200, Answer()));
            var region = await Resolver(uc, KodoSettings.DefaultUcHost).ResolveAsync("ak", "bkt", refresh: false, CancellationToken.None);
            Assert.Equal(new[] { "uc.qiniuapi.com", "kodo-config.qiniuapi.com" }, uc.Requests.Select(r => r.Host));
            Assert.Equal("https://upload-z2.qiniup.com/", region.UpHosts[0].ToString());
        }

        [Fact]
        public async Task A_failed_query_is_an_error_that_says_how_to_do_without_it()
        {
            var uc = new Uc(_ => (612, "{\"error\":\"no such bucket\"}"));
            var error = await Assert.ThrowsAsync<Errors.AvaException>(() => Resolver(uc).ResolveAsync("ak", "nope", refresh: false, CancellationToken.None));
            Assert.Equal("AvaRegionUnknown", error.ErrorId);
            Assert.Contains("AVA_UP_HOST", error.Message);
        }

        [Fact]
        public async Task Uploads_move_to_the_next_host_when_one_cannot_be_reached_and_ask_again_after_incorrect_region()
        {
            var file = Path.Combine(folder.Path, "small.bin");
            // The bytes "etag" have the qetag FpLiADEaVoALPkdb8tJEJyRTXoe_ (kodo-protocol.md §6, Java EtagTest).
            File.WriteAllText(file, "etag");
            var answers = new Queue<string>(new[] { Answer(), Answer().Replace("upload-z2.qiniup.com\",\"up-z2", "up-z9.test\",\"up-z2") });
            var uploads = new List<string>();
            var handler = new Uc(request =>
            {
                if (request.AbsolutePath == "/v4/query")
                    return (200, answers.Dequeue());
                uploads.Add(request.Host);
                return request.Host switch
                {
                    "upload-z2.qiniup.com" => throw new HttpRequestException(HttpRequestError.ConnectionError, "connection refused"),
                    "up-z2.qiniup.com" when uploads.Count == 2 => (400, "{\"error\":\"incorrect region, please use up-z9.test\"}"),
                    _ => (200, "{\"hash\":\"FpLiADEaVoALPkdb8tJEJyRTXoe_\",\"key\":\"k\"}"),
                };
            });
            var http = new ServiceHttp(HttpServiceRules.Kodo, new HttpSettings { MaxRetry = 0 }, InstanceLog.Detached, handler);
            var resolver = new KodoRegionResolver(http, new Uri("http://uc.test"), Path.Combine(folder.Path, "regions.json"), InstanceLog.Detached);
            var uploader = new KodoUploader(new KodoCredentials("ak", "sk"), KodoUpHosts.FromRegion(resolver, "ak"), http, InstanceLog.Detached, null);
            var stored = await uploader.UploadAsync(new KodoUploadRequest(file, "bkt", "k"), _ => { }, CancellationToken.None);
            Assert.Equal(new[] { "upload-z2.qiniup.com", "up-z2.qiniup.com", "up-z9.test" }, uploads);
            Assert.Equal("FpLiADEaVoALPkdb8tJEJyRTXoe_", stored.Hash);
        }

        public void Dispose() => folder.Dispose();

        private sealed class Uc : HttpMessageHandler
        {
            private readonly Func<Uri, (int Status, string Body)> answer;

            public Uc(Func<Uri, (int, string)> answer)
            {
                this.answer = answer;
            }

            public List<Uri> Requests { get; } = new List<Uri>();

            protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                if (request.Content != null)
                    await request.Content.ReadAsByteArrayAsync(cancellationToken);
                if (request.RequestUri!.AbsolutePath == "/v4/query")
                    Requests.Add(request.RequestUri);
                var (status, body) = answer(request.RequestUri);
                var response = new HttpResponseMessage((HttpStatusCode)status) { Content = new StringContent(body) };
                response.Headers.Add("X-Reqid", "r");
                return response;
            }
        }
    }
}
