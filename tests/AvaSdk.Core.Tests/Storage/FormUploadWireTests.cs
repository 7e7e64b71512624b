using System;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using AvaSdk.Http;
using AvaSdk.Logging;
using AvaSdk.Storage;
using Xunit;

namespace AvaSdk.Core.Tests.Storage
{
    /// <summary>
    /// The form upload as it goes on the wire (kodo-protocol.md §4), read as text, not with our own code; the qetag of
    /// "Hello, World!" (FgoKnypncpQlV6tTVddq9EL49l4B) was computed with Python's hashlib.
    /// </summary>
    public sealed class FormUploadWireTests : IDisposable
    {
        private readonly TempFolder folder = new TempFolder();

        [Fact]
        public async Task Has_a_Content_Length_quoted_field_names_CRLF_and_the_files_crc32()
        {
            var file = Path.Combine(folder.Path, "hello.txt");
            File.WriteAllText(file, "Hello, World!");
            var wire = new Capture("{\"hash\":\"FgoKnypncpQlV6tTVddq9EL49l4B\",\"key\":\"k\"}");
            await Upload(file, wire, "FgoKnypncpQlV6tTVddq9EL49l4B");

            Assert.Equal(wire.Body!.Length, wire.ContentLength);
            var body = Encoding.UTF8.GetString(wire.Body);
            var names = Regex.Matches(body, "Content-Disposition: form-data; name=([^;\\r\\n]+)").Select(m => m.Groups[1].Value).ToArray();
            Assert.Equal(new[] { "\"key\"", "\"token\"", "\"crc32\"", "\"file\"" }, names);
            // CRC-32 of "Hello, World!" is 3964322768 (test vector T18).
            Assert.Matches("name=\"crc32\"\\r\\n(Content-Type: [^\\r]+\\r\\n)?\\r\\n3964322768\\r\\n", body);
            Assert.Contains("filename=\"hello.txt\"", body);
            Assert.DoesNotMatch("[^\r]\n", body);
        }

        [Fact]
        public async Task A_406_checksum_mismatch_is_sent_once_more_from_the_file()
        {
            var file = Path.Combine(folder.Path, "hello.txt");
            File.WriteAllText(file, "Hello, World!");
            var wire = new Capture("{\"hash\":\"FgoKnypncpQlV6tTVddq9EL49l4B\",\"key\":\"k\"}", firstStatus: 406);
            await Upload(file, wire, "FgoKnypncpQlV6tTVddq9EL49l4B");
            Assert.Equal(2, wire.Calls);
        }

        private static async Task Upload(string file, Capture wire, string expectedHash)
        {
            var http = new ServiceHttp(HttpServiceRules.Kodo, new HttpSettings { MaxRetry = 3, BaseDelay = TimeSpan.FromMilliseconds(1) }, InstanceLog.Detached, wire);
            var uploader = new KodoUploader(new KodoCredentials("ak", "sk"), KodoUpHosts.Fixed(new Uri("http://up.test")), http, InstanceLog.Detached, null);
            var stored = await uploader.UploadAsync(new KodoUploadRequest(file, "bkt", "k"), _ => { }, CancellationToken.None);
            Assert.Equal(expectedHash, stored.Hash);
        }

        public void Dispose() => folder.Dispose();

        private sealed class Capture : HttpMessageHandler
        {
            private readonly string answer;
            private readonly int firstStatus;

            public Capture(string answer, int firstStatus = 200)
            {
                this.answer = answer;
                this.firstStatus = firstStatus;
            }

            public byte[]? Body { get; private set; }

            public long? ContentLength { get; private set; }

            public int Calls { get; private set; }

            protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                Calls++;
                // What the socket handler would put in the header: a length known before sending, or chunked.
                ContentLength = request.Content!.Headers.ContentLength;
                Body = await request.Content.ReadAsByteArrayAsync(cancellationToken);
                var status = Calls == 1 ? firstStatus : 200;
                var response = new HttpResponseMessage((HttpStatusCode)status) { Content = new StringContent(status == 200 ? answer : "{\"error\":\"crc32 not match\"}") };
                response.Headers.Add("X-Reqid", "r");
                return response;
            }
        }
    }
}
