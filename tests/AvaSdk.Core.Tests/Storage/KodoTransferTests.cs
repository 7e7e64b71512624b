using System;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using AvaSdk.Errors;
using AvaSdk.Http;
using AvaSdk.Logging;
using AvaSdk.Storage;
using Newtonsoft.Json.Linq;
using Xunit;

namespace AvaSdk.Core.Tests.Storage
{
    /// <summary>Uploads and downloads against tests/AvaSdk.TestServer, which checks tokens and hashes as Kodo does.</summary>
    public sealed class KodoTransferTests : IClassFixture<TestKodo>, IDisposable
    {
        private const int MiB = 1024 * 1024;
        private readonly TestKodo kodo;
        private readonly TempFolder folder = new TempFolder();
        private readonly ServiceHttp http = new ServiceHttp(HttpServiceRules.Kodo, new HttpSettings { MaxRetry = 3, BaseDelay = TimeSpan.FromMilliseconds(10) }, InstanceLog.Detached);

        public KodoTransferTests(TestKodo kodo)
        {
            this.kodo = kodo;
        }

        private KodoUploader Uploader() => new KodoUploader(kodo.Credentials, KodoUpHosts.Fixed(kodo.Url), http, InstanceLog.Detached, null);

        private string NewFile(string name, int size, int seed = 1)
        {
            var bytes = new byte[size];
            new Random(seed).NextBytes(bytes);
            var path = Path.Combine(folder.Path, name);
            File.WriteAllBytes(path, bytes);
            return path;
        }

        private static string UniqueKey(string name) => $"{Guid.NewGuid():N}/{name}";

        [Fact]
        public async Task A_small_file_goes_in_one_form_upload_and_its_hash_is_checked()
        {
            await kodo.Reset();
            var path = NewFile("small.bin", 1234);
            var key = UniqueKey("small.bin");
            long progress = 0;
            var stored = await Uploader().UploadAsync(new KodoUploadRequest(path, "b", key), n => Interlocked.Add(ref progress, n), CancellationToken.None);
            Assert.Equal((Qetag.ComputeFile(path), 1234L, key), (stored.Hash, stored.Size, stored.Key));
            Assert.Equal(stored.Hash, await kodo.StoredHash("b", key));
            Assert.Equal(1234, progress);
            Assert.Equal(1, await kodo.Requests("form"));
        }

        [Fact]
        public async Task A_large_file_goes_in_parts_with_every_byte_counted_once_despite_retries()
        {
            await kodo.Reset();
            var path = NewFile("large.bin", 9 * MiB + 5);
            var key = UniqueKey("large.bin");
            await kodo.Fail("drop", "path=/buckets&method=PUT&count=1");
            long progress = 0;
            var stored = await Uploader().UploadAsync(new KodoUploadRequest(path, "b", key), n => Interlocked.Add(ref progress, n), CancellationToken.None);
            Assert.Equal(Qetag.ComputeFile(path), stored.Hash);
            Assert.Equal(stored.Hash, await kodo.StoredHash("b", key));
            Assert.Equal(9 * MiB + 5, progress);
            Assert.Equal(4, await kodo.Requests("part"));
            Assert.Empty(Directory.GetFiles(folder.Path, "*.avasdk-upload"));
        }

        [Fact]
        public async Task After_a_cancel_only_the_missing_parts_are_sent()
        {
            await kodo.Reset();
            var path = NewFile("resume.bin", 8 * MiB, seed: 3);
            var key = UniqueKey("resume.bin");
            await kodo.Fail("delay", "path=/buckets&method=PUT&count=100&ms=200");
            using (var cancel = new CancellationTokenSource())
            {
                var request = new KodoUploadRequest(path, "b", key) { PartSize = MiB, Parallelism = 1 };
                var upload = Uploader().UploadAsync(request, _ => { }, cancel.Token);
                while ((await kodo.Stats()).GetProperty("parts").GetArrayLength() < 3)
                    await Task.Delay(20);
                cancel.Cancel();
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => upload);
            }
            var record = Assert.Single(Directory.GetFiles(folder.Path, "*.avasdk-upload", new EnumerationOptions { AttributesToSkip = 0 }));
            var donePartNumbers = JObject.Parse(File.ReadAllText(record))["parts"]!.Select(p => (int)p["n"]!).ToList();
            Assert.True(donePartNumbers.Count >= 3);

            await kodo.Reset();
            var stored = await Uploader().UploadAsync(new KodoUploadRequest(path, "b", key) { PartSize = MiB }, _ => { }, CancellationToken.None);
            var sentNow = (await kodo.Stats()).GetProperty("parts").EnumerateArray().Select(p => p.GetInt32()).ToList();
            Assert.Equal(Enumerable.Range(1, 8).Except(donePartNumbers).OrderBy(n => n), sentNow.OrderBy(n => n));
            Assert.Equal(0, await kodo.Requests("init"));
            Assert.Equal(stored.Hash, await kodo.StoredHash("b", key));
            Assert.Equal(Qetag.ComputeForParts(File.OpenRead(path), MiB), stored.Hash);
            Assert.False(File.Exists(record));
        }

        [Fact]
        public async Task An_unwritable_resume_folder_costs_the_resume_not_the_upload()
        {
            await kodo.Reset();
            var path = NewFile("noresume.bin", 3 * MiB, seed: 4);
            var key = UniqueKey("noresume.bin");
            var capture = LogCapture.Begin();
            var uploader = new KodoUploader(kodo.Credentials, KodoUpHosts.Fixed(kodo.Url), http, InstanceLog.Detached, Path.Combine(folder.Path, "no", "such", "folder"));
            var stored = await uploader.UploadAsync(new KodoUploadRequest(path, "b", key) { PartSize = MiB }, _ => { }, CancellationToken.None);
            capture.Dispose();
            Assert.Equal(stored.Hash, await kodo.StoredHash("b", key));
            var warnings = new System.Collections.Generic.List<string>();
            while (capture.TryTakeEvent(out var logEvent))
                if (logEvent.Level == Serilog.Events.LogEventLevel.Warning)
                    warnings.Add(logEvent.RenderMessage());
            Assert.Contains("cannot resume", Assert.Single(warnings));
        }

        [Fact]
        public async Task Other_content_under_an_existing_key_needs_overwrite()
        {
            var key = UniqueKey("model.params");
            await Uploader().UploadAsync(new KodoUploadRequest(NewFile("one", 10, 1), "b", key), _ => { }, CancellationToken.None);
            var other = NewFile("two", 10, 2);
            var error = await Assert.ThrowsAsync<AvaException>(() => Uploader().UploadAsync(new KodoUploadRequest(other, "b", key), _ => { }, CancellationToken.None));
            Assert.Equal(("AvaObjectExists", AvaErrorKind.ResourceExists), (error.ErrorId, error.Kind));
            var stored = await Uploader().UploadAsync(new KodoUploadRequest(other, "b", key) { Overwrite = true }, _ => { }, CancellationToken.None);
            Assert.Equal(Qetag.ComputeFile(other), await kodo.StoredHash("b", key));
            Assert.Equal(stored.Hash, await kodo.StoredHash("b", key));
        }

        [Fact]
        public async Task A_wrong_secret_is_refused_once_and_never_repeated_in_the_message()
        {
            await kodo.Reset();
            var uploader = new KodoUploader(new KodoCredentials(TestKodo.AccessKey, "wrong-secret"), KodoUpHosts.Fixed(kodo.Url), http, InstanceLog.Detached, null);
            var error = await Assert.ThrowsAsync<AvaException>(() => uploader.UploadAsync(new KodoUploadRequest(NewFile("f", 10), "b", "k"), _ => { }, CancellationToken.None));
            Assert.Equal(("AvaStorageAccessDenied", AvaErrorKind.PermissionDenied), (error.ErrorId, error.Kind));
            Assert.Matches("HTTP 401: bad token \\(request id \\w+\\)", error.Message);
            Assert.DoesNotContain("wrong-secret", error.ToString());
            Assert.Equal(1, await kodo.Requests("all"));
        }

        [Fact]
        public async Task A_download_resumes_with_Range_and_lands_only_when_verified()
        {
            var path = NewFile("weights.bin", 6 * MiB + 1, seed: 9);
            var key = UniqueKey("weights.bin");
            await Uploader().UploadAsync(new KodoUploadRequest(path, "data", key), _ => { }, CancellationToken.None);
            await kodo.Reset();
            await kodo.Fail("drop", "path=/download&count=1");
            var settings = KodoSettings.Resolve(folder.Path, kodo.Credentials, null, null, $"{kodo.Url}download/data");
            var target = Path.Combine(folder.Path, "out", "weights.bin");
            long progress = 0, size = 0;
            var file = await new FileDownloader(http, settings, InstanceLog.Detached)
                .DownloadAsync($"qiniu://data/{key}", target, false, n => Interlocked.Add(ref progress, n), n => size = n, CancellationToken.None);
            Assert.Equal(File.ReadAllBytes(path), File.ReadAllBytes(file.FullName));
            Assert.Equal((6L * MiB + 1, 6L * MiB + 1), (progress, size));
            Assert.Equal(2, await kodo.Requests("download"));
            Assert.Single(Directory.GetFiles(Path.GetDirectoryName(target)!, "*", new EnumerationOptions { AttributesToSkip = 0 }));
        }

        [Fact]
        public async Task A_download_whose_bytes_do_not_match_the_Kodo_ETag_is_discarded()
        {
            var served = new byte[1000];
            var handler = new FixedAnswer(served, "\"FpLiADEaVoALPkdb8tJEJyRTXoe_\"");
            using var client = new ServiceHttp(HttpServiceRules.Kodo, new HttpSettings { MaxRetry = 0 }, InstanceLog.Detached, handler);
            var settings = KodoSettings.Resolve(folder.Path, null, null, null, null);
            var target = Path.Combine(folder.Path, "corrupt.bin");
            var error = await Assert.ThrowsAsync<AvaException>(() =>
                new FileDownloader(client, settings, InstanceLog.Detached).DownloadAsync("http://cdn.test/corrupt.bin", target, false, _ => { }, _ => { }, CancellationToken.None));
            Assert.Equal(("AvaDownloadCorrupt", AvaErrorKind.InvalidData), (error.ErrorId, error.Kind));
            Assert.Empty(Directory.GetFiles(folder.Path, "*", new EnumerationOptions { AttributesToSkip = 0 }));
        }

        [Fact]
        public void A_signed_url_never_shows_its_token_in_an_error()
        {
            var error = TransferErrors.Download(new ServiceHttpException(503, "r1", "busy"), "http://cdn.test/k?e=1&token=ak:sign");
            Assert.DoesNotContain("ak:sign", error.Message);
            Assert.Contains("token=***", error.Message);
        }

        public void Dispose()
        {
            http.Dispose();
            folder.Dispose();
        }

        private sealed class FixedAnswer : HttpMessageHandler
        {
            private readonly byte[] body;
            private readonly string etag;

            public FixedAnswer(byte[] body, string etag)
            {
                this.body = body;
                this.etag = etag;
            }

            protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(body) };
                response.Headers.TryAddWithoutValidation("ETag", etag);
                return Task.FromResult(response);
            }
        }
    }
}
