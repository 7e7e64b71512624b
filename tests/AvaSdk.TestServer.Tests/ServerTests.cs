using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using AvaSdk.TestServer.Protocol;
using Xunit;

namespace AvaSdk.TestServer.Tests
{
    /// <summary>tests/AvaSdk.TestServer in its own process, with its listeners.</summary>
    public sealed class ServerProcess : IDisposable
    {
        public const string AccessKey = "oracle-ak";
        public const string SecretKey = "oracle-sk";

        private readonly Process process;
        private readonly string data = Path.Combine(Path.GetTempPath(), "oracle-" + Guid.NewGuid().ToString("N"));

        public ServerProcess()
        {
            var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var server = Path.Combine(output.Parent!.Parent!.Parent!.Parent!.FullName, "AvaSdk.TestServer", "bin", output.Parent.Name, output.Name, "AvaSdk.TestServer.dll");
            var start = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var argument in new[] { server, "--access-key", AccessKey, "--secret-key", SecretKey, "--data", data })
                start.ArgumentList.Add(argument);
            process = Process.Start(start)!;
            var line = process.StandardOutput.ReadLine() ?? string.Empty;
            if (!line.StartsWith("Listening on http://", StringComparison.Ordinal))
                throw new InvalidOperationException($"The test server did not start ({server}): '{line}'");
            Main = line.Substring("Listening on http://".Length).Trim();
            using var client = new HttpClient();
            var hosts = JsonDocument.Parse(client.GetStringAsync($"http://{Main}/_control/hosts").Result).RootElement;
            Extra = hosts.GetProperty("extra").EnumerateArray().Select(e => e.GetString()!).ToList();
        }

        public string Main { get; }

        public IReadOnlyList<string> Extra { get; }

        public Mac Mac { get; } = new Mac(AccessKey, SecretKey);

        public void Dispose()
        {
            process.StandardInput.Close();
            if (!process.WaitForExit(10000))
                process.Kill(true);
            process.Dispose();
            try { Directory.Delete(data, true); } catch (IOException) { }
        }
    }

    /// <summary>The server's strictness over HTTP (§3, §4, §5.2, §7.1), with requests built byte for byte.</summary>
    public class ServerTests : IClassFixture<ServerProcess>, IDisposable
    {
        private readonly ServerProcess server;
        private readonly HttpClient http = new HttpClient();

        public ServerTests(ServerProcess server)
        {
            this.server = server;
            http.PostAsync($"http://{server.Main}/_control/reset", null).Result.EnsureSuccessStatusCode();
        }

        public void Dispose() => http.Dispose();

        private string Token(string scope, string extra = "") =>
            UploadToken.Create(server.Mac, $"{{\"scope\":\"{scope}\",\"deadline\":{DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 3600}{extra}}}");

        // A raw HTTP/1.1 exchange: the request exactly as given, "Connection: close"; the status and body.
        private static async Task<(int Status, string Body)> Raw(string host, string head, byte[]? body = null)
        {
            var colon = host.LastIndexOf(':');
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(IPAddress.Parse(host.Substring(0, colon)), int.Parse(host.Substring(colon + 1)));
            var stream = tcp.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head.Replace("\n", "\r\n") + "\r\n"));
            if (body != null)
                await stream.WriteAsync(body);
            using var buffer = new MemoryStream();
            try
            {
                await stream.CopyToAsync(buffer);
            }
            catch (IOException)
            {
                // A reset after the answer.
            }
            var text = Encoding.UTF8.GetString(buffer.ToArray());
            var split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            return (int.Parse(text.Split(' ')[1]), split < 0 ? string.Empty : text.Substring(split + 4));
        }

        private static byte[] Multipart(string boundary, IEnumerable<(string Disposition, string Value)> fields, byte[] file, bool fileLast = true)
        {
            var body = new MemoryStream();
            void Write(string text) => body.Write(Encoding.UTF8.GetBytes(text));
            void FilePart()
            {
                Write($"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n");
                body.Write(file);
                Write("\r\n");
            }
            if (!fileLast)
                FilePart();
            foreach (var (disposition, value) in fields)
                Write($"--{boundary}\r\nContent-Disposition: form-data; {disposition}\r\n\r\n{value}\r\n");
            if (fileLast)
                FilePart();
            Write($"--{boundary}--\r\n");
            return body.ToArray();
        }

        private async Task<(int Status, string Body)> FormUpload(string host, byte[] body, string boundary = "b0undary", bool chunked = false)
        {
            if (!chunked)
                return await Raw(host, $"POST / HTTP/1.1\nHost: {host}\nContent-Type: multipart/form-data; boundary={boundary}\nContent-Length: {body.Length}\nConnection: close\n", body);
            var chunks = Encoding.ASCII.GetBytes($"{body.Length:x}\r\n").Concat(body).Concat(Encoding.ASCII.GetBytes("\r\n0\r\n\r\n")).ToArray();
            return await Raw(host, $"POST / HTTP/1.1\nHost: {host}\nContent-Type: multipart/form-data; boundary={boundary}\nTransfer-Encoding: chunked\nConnection: close\n", chunks);
        }

        private async Task<JsonElement> Stats() => JsonDocument.Parse(await http.GetStringAsync($"http://{server.Main}/_control/stats")).RootElement;

        [Fact]
        public async Task ChunkedBodyIsRefusedWith411()
        {
            var body = Multipart("b0undary", new[] { ("name=\"token\"", Token("data")) }, Encoding.ASCII.GetBytes("hello"));
            var (status, text) = await FormUpload(server.Main, body, chunked: true);
            Assert.Equal(411, status);
            Assert.True(JsonDocument.Parse(text).RootElement.TryGetProperty("error", out _));
        }

        [Fact]
        public async Task UnquotedFieldNameIsInvalidMultipart()
        {
            var body = Multipart("b0undary", new[] { ("name=token", Token("data")) }, Encoding.ASCII.GetBytes("hello"));
            Assert.Equal((400, "{\"error\":\"invalid multipart format\"}"), await FormUpload(server.Main, body));
        }

        [Fact]
        public async Task LfOnlyMultipartIsInvalid()
        {
            var body = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(Multipart("b0undary", new[] { ("name=\"token\"", Token("data")) }, Encoding.ASCII.GetBytes("hello"))).Replace("\r\n", "\n"));
            Assert.Equal(400, (await FormUpload(server.Main, body)).Status);
        }

        [Fact]
        public async Task Crc32IsChecked()
        {
            var file = Encoding.ASCII.GetBytes("Hello, World!");
            var wrong = Multipart("b0undary", new[] { ("name=\"token\"", Token("data")), ("name=\"key\"", "crc/wrong"), ("name=\"crc32\"", "3964322769") }, file);
            Assert.Equal(406, (await FormUpload(server.Main, wrong)).Status);
            var right = Multipart("b0undary", new[] { ("name=\"token\"", Token("data")), ("name=\"key\"", "crc/right"), ("name=\"crc32\"", "3964322768") }, file);
            var (status, text) = await FormUpload(server.Main, right);
            Assert.Equal(200, status);
            Assert.Equal(Etag.Compute(file), JsonDocument.Parse(text).RootElement.GetProperty("hash").GetString());
        }

        [Fact]
        public async Task BucketScopeRefusesDifferentContentButTakesTheSame()
        {
            byte[] Body(string content) => Multipart("b0undary", new[] { ("name=\"token\"", Token("data")), ("name=\"key\"", "insert/one") }, Encoding.ASCII.GetBytes(content));
            Assert.Equal(200, (await FormUpload(server.Main, Body("first"))).Status);
            Assert.Equal(200, (await FormUpload(server.Main, Body("first"))).Status);
            Assert.Equal((614, "{\"error\":\"file exists\"}"), await FormUpload(server.Main, Body("second")));
            var keyScoped = Multipart("b0undary", new[] { ("name=\"token\"", Token("data:insert/one")), ("name=\"key\"", "insert/one") }, Encoding.ASCII.GetBytes("second"));
            Assert.Equal(200, (await FormUpload(server.Main, keyScoped)).Status);
            var insertOnly = Multipart("b0undary", new[] { ("name=\"token\"", Token("data:insert/one", ",\"insertOnly\":1")), ("name=\"key\"", "insert/one") }, Encoding.ASCII.GetBytes("third"));
            Assert.Equal(614, (await FormUpload(server.Main, insertOnly)).Status);
        }

        [Fact]
        public async Task KeysKeepDotSegments()
        {
            var body = Multipart("b0undary", new[] { ("name=\"token\"", Token("data")), ("name=\"key\"", "a/../../evil") }, Encoding.ASCII.GetBytes("not evil"));
            Assert.Equal(200, (await FormUpload(server.Main, body)).Status);
            Assert.Equal((200, "not evil"), await Raw(server.Main, $"GET /public/data/a/../../evil HTTP/1.1\nHost: {server.Main}\nConnection: close\n"));
            Assert.Equal((200, "not evil"), await Raw(server.Main, $"GET /public/data/a/%2E%2E/%2e%2E%2Fevil HTTP/1.1\nHost: {server.Main}\nConnection: close\n"));
            Assert.Equal(404, (await Raw(server.Main, $"GET /public/data/evil HTTP/1.1\nHost: {server.Main}\nConnection: close\n")).Status);
            var targets = (await Stats()).GetProperty("downloadTargets").EnumerateArray().Select(t => t.GetString()).ToList();
            Assert.Contains("/public/data/a/../../evil", targets);
            Assert.Contains("/public/data/a/%2E%2E/%2e%2E%2Fevil", targets);
        }

        [Fact]
        public async Task IoSrcDomainServesSignedDownloadsOfItsBucket()
        {
            var body = Multipart("b0undary", new[] { ("name=\"token\"", Token("src")), ("name=\"key\"", "dir/a b+c.txt") }, Encoding.ASCII.GetBytes("from io_src"));
            Assert.Equal(200, (await FormUpload(server.Main, body)).Status);
            var query = JsonDocument.Parse(await http.GetStringAsync($"http://{server.Main}/v4/query?ak={ServerProcess.AccessKey}&bucket=src")).RootElement;
            var ioSrc = query.GetProperty("hosts")[0].GetProperty("io_src").GetProperty("domains")[0].GetString()!;
            var assigned = JsonDocument.Parse(await (await http.PostAsync($"http://{server.Main}/_control/iosrc?bucket=src", null)).Content.ReadAsStringAsync()).RootElement;
            Assert.Equal(ioSrc, assigned.GetProperty("host").GetString());
            var url = PrivateUrl.Create(server.Mac, $"http://{ioSrc}/dir/a%20b%2Bc.txt", DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 600);
            Assert.Equal("from io_src", await http.GetStringAsync(url));
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync(url.Replace("a%20b", "a%20B"))).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync($"http://{ioSrc}/dir/a%20b%2Bc.txt")).StatusCode);
            var expired = PrivateUrl.Create(server.Mac, $"http://{ioSrc}/dir/a%20b%2Bc.txt", DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 1);
            var answer = await http.GetAsync(expired);
            Assert.Equal(HttpStatusCode.Unauthorized, answer.StatusCode);
            Assert.Contains("token out of date", await answer.Content.ReadAsStringAsync());
            // The same signed path on the main host is no download of bucket src.
            Assert.NotEqual(HttpStatusCode.OK, (await http.GetAsync(PrivateUrl.Create(server.Mac, $"http://{server.Main}/dir/a%20b%2Bc.txt", DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 600))).StatusCode);
        }

        [Fact]
        public async Task RegionQueryAnswersTheControlledHosts()
        {
            Assert.Equal(HttpStatusCode.OK, (await http.PostAsync($"http://{server.Main}/_control/region?ttl=5&up=127.0.0.1:1,{server.Main}&old={server.Extra[0]}", null)).StatusCode);
            var answer = JsonDocument.Parse(await http.GetStringAsync($"http://{server.Main}/v4/query?ak={ServerProcess.AccessKey}&bucket=data")).RootElement;
            var entry = answer.GetProperty("hosts")[0];
            Assert.Equal("z0", entry.GetProperty("region").GetString());
            Assert.Equal(5, entry.GetProperty("ttl").GetInt32());
            Assert.Equal(new[] { "127.0.0.1:1", server.Main }, entry.GetProperty("up").GetProperty("domains").EnumerateArray().Select(d => d.GetString()));
            Assert.Equal(new[] { server.Extra[0] }, entry.GetProperty("up").GetProperty("old").EnumerateArray().Select(d => d.GetString()));
            foreach (var service in new[] { "io", "io_src", "rs", "uc" })
                Assert.DoesNotContain("://", entry.GetProperty(service).GetProperty("domains")[0].GetString());
            var unknown = await http.GetAsync($"http://{server.Main}/v4/query?ak=nobody&bucket=data");
            Assert.Equal(612, (int)unknown.StatusCode);
            Assert.True(JsonDocument.Parse(await unknown.Content.ReadAsStringAsync()).RootElement.TryGetProperty("error", out _));
            Assert.Equal(2, (await Stats()).GetProperty("regionQueries").GetInt32());
        }

        [Fact]
        public async Task WrongRegionHostRefusesUploads()
        {
            var wrong = server.Extra[0];
            Assert.Equal(HttpStatusCode.OK, (await http.PostAsync($"http://{server.Main}/_control/wrongregion?host={wrong}&use=up-z2.example", null)).StatusCode);
            var body = Multipart("b0undary", new[] { ("name=\"token\"", Token("data")), ("name=\"key\"", "region/x") }, Encoding.ASCII.GetBytes("x"));
            Assert.Equal((400, "{\"error\":\"incorrect region, please use up-z2.example\"}"), await FormUpload(wrong, body));
            Assert.Equal(200, (await FormUpload(server.Main, body)).Status);
        }

        private HttpRequestMessage UpRequest(HttpMethod method, string path, string token, HttpContent? content = null)
        {
            var request = new HttpRequestMessage(method, $"http://{server.Main}{path}") { Content = content };
            request.Headers.TryAddWithoutValidation("Authorization", "UpToken " + token);
            return request;
        }

        [Fact]
        public async Task MultipartV2Rules()
        {
            var token = Token("data");
            var objectPath = "/buckets/data/objects/" + Base64Url.Encode("multi/one") + "/uploads";
            var init = await http.SendAsync(UpRequest(HttpMethod.Post, objectPath, token));
            var uploadId = JsonDocument.Parse(await init.Content.ReadAsStringAsync()).RootElement.GetProperty("uploadId").GetString();
            var big = new byte[1024 * 1024 + 7];
            new Random(3).NextBytes(big);
            var small = Encoding.ASCII.GetBytes("tail");

            async Task<HttpResponseMessage> Put(int number, byte[] data, string? md5 = null)
            {
                var content = new ByteArrayContent(data);
                content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/octet-stream");
                var request = UpRequest(HttpMethod.Put, $"{objectPath}/{uploadId}/{number}", token, content);
                if (md5 != null)
                    Assert.True(content.Headers.TryAddWithoutValidation("Content-MD5", md5));
                return await http.SendAsync(request);
            }
            string Md5(byte[] data) => Convert.ToHexString(System.Security.Cryptography.MD5.HashData(data)).ToLowerInvariant();

            Assert.Equal(HttpStatusCode.BadRequest, (await Put(1, small, Md5(big))).StatusCode);
            Assert.Equal(HttpStatusCode.BadRequest, (await Put(0, small)).StatusCode);
            Assert.Equal(HttpStatusCode.BadRequest, (await Put(10001, small)).StatusCode);
            var etags = new Dictionary<int, string>();
            foreach (var (number, data) in new[] { (1, small), (2, big), (3, small) })
            {
                var answer = await Put(number, data, Md5(data));
                Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
                var json = JsonDocument.Parse(await answer.Content.ReadAsStringAsync()).RootElement;
                Assert.Equal(Md5(data), json.GetProperty("md5").GetString());
                etags[number] = json.GetProperty("etag").GetString()!;
            }
            async Task<HttpResponseMessage> Complete(params int[] numbers) =>
                await http.SendAsync(UpRequest(HttpMethod.Post, $"{objectPath}/{uploadId}", token, new StringContent(
                    JsonSerializer.Serialize(new { parts = numbers.Select(n => new { etag = etags[n], partNumber = n }) }), Encoding.UTF8, "application/json")));
            Assert.Equal(HttpStatusCode.BadRequest, (await Complete(1, 2)).StatusCode); // part 1 < 1 MiB and not last
            Assert.Equal(HttpStatusCode.BadRequest, (await Complete(3, 2)).StatusCode); // not ascending
            var done = await Complete(2, 3);
            Assert.Equal(HttpStatusCode.OK, done.StatusCode);
            var expected = Etag.ForParts(new[] { big, small }.Select(p => { using var e = new Etag(); e.Append(p); return ((long)p.Length, e.BlockDigests()); }).ToList());
            Assert.StartsWith("n", expected);
            Assert.Equal(expected, JsonDocument.Parse(await done.Content.ReadAsStringAsync()).RootElement.GetProperty("hash").GetString());
            Assert.Equal(612, (int)(await Put(1, small)).StatusCode); // completed: the uploadId is gone

            init = await http.SendAsync(UpRequest(HttpMethod.Post, objectPath, token));
            uploadId = JsonDocument.Parse(await init.Content.ReadAsStringAsync()).RootElement.GetProperty("uploadId").GetString();
            Assert.Equal(HttpStatusCode.OK, (await Put(1, small)).StatusCode);
            await http.PostAsync($"http://{server.Main}/_control/expire?uploadId={uploadId}", null);
            Assert.Equal(612, (int)(await Put(1, small)).StatusCode);
            Assert.Equal(612, (int)(await Put(1, small)).StatusCode);
        }

        [Fact]
        public async Task StalledDownloadSendsHalfThenGoesSilent()
        {
            var content = new byte[64 * 1024];
            var body = Multipart("b0undary", new[] { ("name=\"token\"", Token("data")), ("name=\"key\"", "stall/one") }, content);
            Assert.Equal(200, (await FormUpload(server.Main, body)).Status);
            await http.PostAsync($"http://{server.Main}/_control/stall?path=/public&ms=1500&count=1", null);
            using var response = await http.GetAsync($"http://{server.Main}/public/data/stall/one", HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var stream = await response.Content.ReadAsStreamAsync();
            var buffer = new byte[content.Length];
            var got = 0;
            while (got < content.Length / 2)
                got += await stream.ReadAsync(buffer.AsMemory(got));
            var clock = Stopwatch.StartNew();
            await Assert.ThrowsAnyAsync<Exception>(async () =>
            {
                while (await stream.ReadAsync(buffer.AsMemory(got)) is var n && n > 0)
                    got += n;
                if (got < content.Length)
                    throw new IOException("short body");
            });
            Assert.True(clock.ElapsedMilliseconds >= 1000, $"silent for {clock.ElapsedMilliseconds} ms");
            Assert.Equal(content.Length / 2, got);
        }

        [Fact]
        public async Task RedirectIsRecordedWithTheCredentialsItCarried()
        {
            var body = Multipart("b0undary", new[] { ("name=\"token\"", Token("data")), ("name=\"key\"", "moved/one") }, Encoding.ASCII.GetBytes("moved"));
            Assert.Equal(200, (await FormUpload(server.Main, body)).Status);
            await http.PostAsync($"http://{server.Main}/_control/redirect?path=/download&count=1", null);
            var url = PrivateUrl.Create(server.Mac, $"http://{server.Main}/download/data/moved/one", DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 600);
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.TryAddWithoutValidation("Authorization", "Qiniu x:y");
            var answer = await http.SendAsync(request);
            // Followed to another host, the signature (over the main host's URL) no longer holds.
            Assert.Equal(HttpStatusCode.Unauthorized, answer.StatusCode);
            var redirect = (await Stats()).GetProperty("redirects")[0];
            Assert.Equal(server.Main, redirect.GetProperty("from").GetString());
            Assert.Equal(server.Extra[0], redirect.GetProperty("to").GetString());
            Assert.True(redirect.GetProperty("followed").GetBoolean());
            Assert.True(redirect.GetProperty("token").GetBoolean());
            Assert.False(redirect.GetProperty("authorization").GetBoolean()); // HttpClient drops Authorization on redirects
            var log = JsonDocument.Parse(await http.GetStringAsync($"http://{server.Main}/_control/requests")).RootElement;
            Assert.Contains(log.EnumerateArray(), r => r.GetProperty("host").GetString() == server.Extra[0] && r.GetProperty("token").GetBoolean());
        }

        // 400: the signature holds and the request reaches the model checker, which refuses this bare record.
        [Theory]
        [InlineData(0, 400)]
        [InlineData(-20 * 60, 403)]
        [InlineData(null, 400)]
        public async Task AvaApiChecksQiniuV2(int? skewSeconds, int expected)
        {
            var body = Encoding.UTF8.GetBytes("{\"name\":\"m\"}");
            var headers = new List<KeyValuePair<string, string>>();
            if (skewSeconds != null)
                headers.Add(new KeyValuePair<string, string>("X-Qiniu-Date", RequestSignature.FormatDate(DateTimeOffset.UtcNow.AddSeconds(skewSeconds.Value))));
            var authorization = RequestSignature.QiniuAuthorization(server.Mac, "POST", server.Main, "/v1/models?x=1", "application/json", headers, body);
            var head = $"POST /v1/models?x=1 HTTP/1.1\nHost: {server.Main}\nContent-Type: application/json\nContent-Length: {body.Length}\nAuthorization: {authorization}\n" +
                string.Concat(headers.Select(h => $"{h.Key}: {h.Value}\n")) + "Connection: close\n";
            Assert.Equal(expected, (await Raw(server.Main, head, body)).Status);
            var tampered = head.Replace("/v1/models?x=1", "/v1/models?x=2");
            Assert.Equal(401, (await Raw(server.Main, tampered, body)).Status);
        }
    }
}
