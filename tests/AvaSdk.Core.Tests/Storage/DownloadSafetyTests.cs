using System;
using System.IO;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using AvaSdk.Errors;
using AvaSdk.Http;
using AvaSdk.Logging;
using AvaSdk.Storage;
using Xunit;

namespace AvaSdk.Core.Tests.Storage
{
    /// <summary>What a server controls (a URL's name, a redirect) never writes outside the destination nor carries credentials away.</summary>
    public sealed class DownloadSafetyTests : IDisposable
    {
        private readonly TempFolder folder = new TempFolder();
        private readonly ServiceHttp http = new ServiceHttp(HttpServiceRules.Kodo, new HttpSettings { MaxRetry = 0 }, InstanceLog.Detached, new HttpClientHandler { AllowAutoRedirect = false });

        /// <summary>Names that leave the folder, or are not files, once decoded; tests/Receive-AvaFile.Tests.ps1 tries such keys through the cmdlet.</summary>
        public static TheoryData<string> HostileUrls() => new TheoryData<string>
        {
            "qiniu://bkt/..%2Fvictim.txt",
            "qiniu://bkt/..%2F..%2Fvictim.txt",
            "qiniu://bkt/%2E%2E%2Fvictim.txt",
            "qiniu://bkt/%2Ftmp%2Fx",
            "qiniu://bkt/..%5Cvictim.txt",
            "qiniu://bkt/C%3A%5Cvictim.txt",
            "qiniu://bkt/C%3Avictim.txt",
            "qiniu://bkt/a/..",
            "qiniu://bkt/a/.",
            "qiniu://bkt/a/%2E%2E",
            "qiniu://bkt/a/...",
            "qiniu://bkt/victim%00.txt",
            "qiniu://bkt/vic%0Atim.txt",
            "qiniu://bkt/CON",
            "qiniu://bkt/nul.txt",
            "qiniu://bkt/Com1.tar.gz",
            "qiniu://bkt/LPT9",
            "qiniu://bkt/con%20.txt",
            "http://cdn.test/..%2Fvictim.txt",
            "http://cdn.test/%2E%2E%2F%2E%2E%2Fvictim.txt",
            "https://cdn.test/files/%2Ftmp%2Fx",
            "http://cdn.test/dir/..%5C..%5Cvictim.txt",
            "http://cdn.test/aux",
        };

        [Theory]
        [MemberData(nameof(HostileUrls))]
        public void A_name_that_could_leave_the_destination_is_refused(string url)
        {
            var error = Assert.Throws<AvaException>(() => DownloadName.Of(url));
            Assert.Equal(("AvaDownloadNameUnsafe", AvaErrorKind.SecurityError), (error.ErrorId, error.Kind));
            Assert.Contains(url, error.Message);
            Assert.Contains("Nothing was written", error.Message);
        }

        [Theory]
        [InlineData("qiniu://bkt/sets/train.rec", "train.rec")]
        [InlineData("qiniu://bkt/a%20b.txt", "a b.txt")]
        [InlineData("qiniu://bkt/.bashrc", ".bashrc")]
        [InlineData("qiniu://bkt/..data", "..data")]
        [InlineData("qiniu://bkt/console.log", "console.log")]
        [InlineData("qiniu://bkt/12%3A30.log", "12:30.log")]
        [InlineData("http://cdn.test/models/v1/weights.bin?e=1&token=x", "weights.bin")]
        public void A_plain_name_is_kept(string url, string name) => Assert.Equal(name, DownloadName.Of(url));

        [Theory]
        [InlineData(221)]
        [InlineData(222)]
        [InlineData(255)]
        public void The_partial_and_lock_names_of_a_long_name_stay_within_NAME_MAX_and_apart(int bytes)
        {
            // Two-byte characters: NAME_MAX counts UTF-8 bytes.
            string Named(string end) => new string('\u00E9', 20) + new string('a', bytes - 40 - end.Length) + end;
            var one = FileDownloader.PartialPath("qiniu://data/x", Path.Combine(folder.Path, Named("1.bin")));
            var other = FileDownloader.PartialPath("qiniu://data/x", Path.Combine(folder.Path, Named("2.bin")));
            Assert.NotEqual(one, other);
            foreach (var partial in new[] { one, other })
            {
                Assert.Equal(folder.Path, Path.GetDirectoryName(partial));
                Assert.True(System.Text.Encoding.UTF8.GetByteCount(Path.GetFileName(partial) + ".lock") <= 255, partial);
                Assert.StartsWith(".\u00E9\u00E9", Path.GetFileName(partial));
                Assert.EndsWith(".avasdk-partial", partial);
            }
        }

        [Fact]
        public void A_name_is_cut_between_characters()
        {
            Assert.Equal("ab\u00E9", DownloadName.Truncated("ab\u00E9\u00E9", 5));
            Assert.Equal("ab", DownloadName.Truncated("ab\u00E9\u00E9", 3));
            Assert.Equal("a", DownloadName.Truncated("a\U0001F600", 4));
            Assert.Equal("abc", DownloadName.Truncated("abc", 255));
        }

        [Fact]
        public async Task A_key_with_dot_segments_is_asked_for_as_it_is()
        {
            using var server = new RawHttpServer(_ => RawHttpServer.Ok("evil"));
            var settings = KodoSettings.Resolve(folder.Path, null, null, null, server.Url + "/download/data");
            var target = Path.Combine(folder.Path, "evil");
            await Downloader(settings).DownloadAsync("qiniu://data/a/../../evil", target, false, _ => { }, _ => { }, CancellationToken.None);
            Assert.StartsWith("GET /download/data/a/%2E%2E/%2E%2E/evil HTTP/1.1", Assert.Single(server.Requests));
        }

        [Fact]
        public async Task A_signed_download_is_not_followed_to_another_host()
        {
            using var other = new RawHttpServer(_ => RawHttpServer.Ok("stolen"));
            // Like a CDN that keeps the query when it redirects: following it would hand the other host the token.
            using var bucket = new RawHttpServer(line => RawHttpServer.Redirect(other.Url + line.Split(' ')[1]));
            var settings = KodoSettings.Resolve(folder.Path, new KodoCredentials("ak", "sk"), null, null, bucket.Url);
            var target = Path.Combine(folder.Path, "model.bin");
            var error = await Assert.ThrowsAsync<AvaException>(() =>
                Downloader(settings).DownloadAsync("qiniu://data/model.bin", target, false, _ => { }, _ => { }, CancellationToken.None));
            Assert.Equal(("AvaDownloadRedirectRefused", AvaErrorKind.SecurityError), (error.ErrorId, error.Kind));
            Assert.Contains("token=", Assert.Single(bucket.Requests));
            Assert.Empty(other.Requests);
            Assert.Empty(Directory.GetFiles(folder.Path, "*", new EnumerationOptions { AttributesToSkip = 0 }));
        }

        [Fact]
        public async Task A_signed_download_follows_a_redirect_on_its_own_host()
        {
            using var bucket = new RawHttpServer(line => line.Contains("/old/") ? RawHttpServer.Redirect(line.Split(' ')[1].Replace("/old/", "/new/")) : RawHttpServer.Ok("model"));
            var settings = KodoSettings.Resolve(folder.Path, new KodoCredentials("ak", "sk"), null, null, bucket.Url);
            var target = Path.Combine(folder.Path, "model.bin");
            await Downloader(settings).DownloadAsync("qiniu://data/old/model.bin", target, false, _ => { }, _ => { }, CancellationToken.None);
            Assert.Equal("model", File.ReadAllText(target));
            Assert.Equal(2, bucket.Requests.Count);
        }

        [Fact]
        public async Task A_public_download_follows_a_redirect_anywhere_without_credentials()
        {
            using var other = new RawHttpServer(_ => RawHttpServer.Ok("public"));
            using var first = new RawHttpServer(_ => RawHttpServer.Redirect(other.Url + "/moved/file.txt"));
            var settings = KodoSettings.Resolve(folder.Path, null, null, null, null);
            var target = Path.Combine(folder.Path, "file.txt");
            await Downloader(settings).DownloadAsync(first.Url + "/file.txt", target, false, _ => { }, _ => { }, CancellationToken.None);
            Assert.Equal("public", File.ReadAllText(target));
            var request = Assert.Single(other.Requests);
            Assert.DoesNotContain("token=", request);
            Assert.DoesNotContain("Authorization", request, StringComparison.OrdinalIgnoreCase);
        }

        public void Dispose()
        {
            http.Dispose();
            folder.Dispose();
        }

        private FileDownloader Downloader(KodoSettings settings) => new FileDownloader(http, settings, InstanceLog.Detached);
    }
}
