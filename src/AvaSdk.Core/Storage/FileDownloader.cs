using System;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using AvaSdk.Errors;
using AvaSdk.Http;
using Serilog;

namespace AvaSdk.Storage
{
    /// <summary>
    /// Downloads http(s) and qiniu:// URLs into a temp file beside the destination, resumes with Range after a failure,
    /// checks the size and (for a Kodo ETag) the qetag, and only then moves the file into place.
    /// </summary>
    /// <remarks>
    /// Redirects are followed here, where it is known which requests carry credentials: give it a <see cref="ServiceHttp"/> whose
    /// handler does not follow them itself (<see cref="HttpClientHandler.AllowAutoRedirect"/> false).
    /// </remarks>
    public sealed class FileDownloader
    {
        private const int BufferSize = 1024 * 1024;
        private const int MaxRedirects = 5;
        private const string PartialSuffix = ".avasdk-partial";
        private const string LockSuffix = ".lock";
        private static readonly TimeSpan SignedUrlLifetime = TimeSpan.FromHours(1);

        private readonly ServiceHttp http;
        private readonly KodoSettings settings;
        private readonly ILogger log;
        private readonly KodoRegionResolver? regions;

        /// <summary>A downloader as <paramref name="settings"/> configure it, over <paramref name="http"/>, finding domains by region.</summary>
        public static FileDownloader For(KodoSettings settings, ServiceHttp http)
        {
            var log = Logging.InstanceLog.Detached;
            return new FileDownloader(http, settings, log, settings.Regions(http, log));
        }

        /// <param name="regions">Finds a bucket's source domain for qiniu:// URLs when no domain is configured.</param>
        public FileDownloader(ServiceHttp http, KodoSettings settings, ILogger log, KodoRegionResolver? regions = null)
        {
            this.http = http;
            this.settings = settings;
            this.log = log;
            this.regions = regions;
        }

        /// <summary>Checks that <paramref name="uri"/> is something we can download, before any work starts.</summary>
        public static void Validate(string uri)
        {
            if (QiniuUri.IsQiniu(uri))
            {
                QiniuUri.Parse(uri);
                return;
            }
            if (!Uri.TryCreate(uri, UriKind.Absolute, out var parsed) || (parsed.Scheme != Uri.UriSchemeHttp && parsed.Scheme != Uri.UriSchemeHttps))
                throw new AvaException(AvaErrors.UriInvalid, $"'{uri}' is not a URL AvaSdk can download: use http://, https:// or qiniu://<bucket>/<key>.", uri);
        }

        /// <param name="progress">Told of bytes received (negative when a restart discards some); called from any thread.</param>
        /// <param name="sizeKnown">Told the file's size once the server says it.</param>
        public async Task<FileInfo> DownloadAsync(string uri, string destination, bool overwrite, Action<long> progress, Action<long> sizeKnown,
            CancellationToken cancellationToken)
        {
            Validate(uri);
            var folder = Path.GetDirectoryName(destination)!;
            Directory.CreateDirectory(folder);
            var temp = PartialPath(uri, destination);
            // Two downloads of one source into one file would share the temp file, and one would publish the other's bytes.
            var lockPath = temp + LockSuffix;
            using var exclusive = IO.FileLock.TryTake(lockPath, out var busy);
            if (busy)
                throw new AvaException(AvaErrors.DownloadBusy, $"Another download of '{TransferErrors.RedactToken(uri)}' into '{destination}' is running (it holds '{lockPath}'). Wait for it to finish.", destination);
            // A download of the same file into the same place that was killed (kill -9, a lost node) left this behind:
            // without the ETag it was fetched under, its bytes cannot be trusted to continue, so it is started over.
            if (File.Exists(temp))
                File.Delete(temp);
            var state = new DownloadState(temp);
            try
            {
                var domain = await DomainForAsync(uri, cancellationToken).ConfigureAwait(false);
                await http.ExecuteAsync(attempt => AttemptAsync(uri, domain, state, progress, sizeKnown, attempt), cancellationToken).ConfigureAwait(false);
                Publish(temp, destination, overwrite);
                log.Information("Received {Uri:l} into {Destination:l} ({Size} bytes)", TransferErrors.RedactToken(uri), destination, state.Received);
                return new FileInfo(destination);
            }
            catch (Exception ex) when (!(ex is OperationCanceledException && cancellationToken.IsCancellationRequested) && !(ex is AvaException))
            {
                throw TransferErrors.Download(ex, uri);
            }
            finally
            {
                state.Qetag.Dispose();
                if (File.Exists(temp))
                    File.Delete(temp);
            }
        }

        /// <summary>
        /// The temp file a download of <paramref name="uri"/> into <paramref name="destination"/> uses: beside the destination,
        /// named after it and the source (less any signature), so a later try of the same download finds what an earlier one left.
        /// A long name is cut so that the lock beside it (<c>&lt;partial&gt;.lock</c>) stays within NAME_MAX; the tag of
        /// source and destination keeps cut names apart.
        /// </summary>
        public static string PartialPath(string uri, string destination)
        {
            var source = uri.Split('?')[0];
            var full = Path.GetFullPath(destination);
            var digest = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(source + "\0" + full));
            var tag = Convert.ToHexString(digest, 0, 6).ToLowerInvariant();
            var room = DownloadName.MaxNameBytes - $"..{tag}{PartialSuffix}{LockSuffix}".Length;
            return Path.Combine(Path.GetDirectoryName(full)!, $".{DownloadName.Truncated(Path.GetFileName(full), room)}.{tag}{PartialSuffix}");
        }

        // The configured domain; else, for qiniu:// with credentials, the bucket's source domain from its region (§7.4).
        private async Task<string?> DomainForAsync(string uri, CancellationToken cancellationToken)
        {
            if (settings.Domain != null)
                return (settings.Domain.Contains("://") ? settings.Domain : "http://" + settings.Domain).TrimEnd('/');
            if (!QiniuUri.IsQiniu(uri) || regions == null || settings.Credentials == null)
                return null;
            var region = await regions.ResolveAsync(settings.Credentials.AccessKey, QiniuUri.Parse(uri).Bucket, refresh: false, cancellationToken).ConfigureAwait(false);
            return region.SourceDomains.Count == 0 ? null : region.SourceDomains[0].GetLeftPart(UriPartial.Authority);
        }

        /// <summary>The URL to request now: qiniu:// goes through the bucket's domain, signed (with a fresh deadline) when credentials exist.</summary>
        /// <remarks>An http(s) URL on the bucket's own domain is signed too, unless it already carries a token.</remarks>
        private string ResolveUrl(string uri, string? domain)
        {
            if (!QiniuUri.IsQiniu(uri))
            {
                var onBucketDomain = domain != null && uri.StartsWith(domain + "/", StringComparison.OrdinalIgnoreCase) && uri.IndexOf("token=", StringComparison.Ordinal) < 0;
                return onBucketDomain && settings.Credentials != null ? settings.Credentials.PrivateDownloadUrl(uri, DateTimeOffset.UtcNow + SignedUrlLifetime) : uri;
            }
            var qiniu = QiniuUri.Parse(uri);
            if (domain == null)
                throw new AvaException(AvaErrors.DomainNotFound, $"'{uri}' needs the download domain of bucket '{qiniu.Bucket}': none was given, ${KodoSettings.DomainVariable} is not set, and without credentials the bucket's region cannot be asked.", uri);
            var url = domain + "/" + string.Join("/", qiniu.Key.Split('/').Select(EscapeKeySegment));
            return settings.Credentials == null ? url : settings.Credentials.PrivateDownloadUrl(url, DateTimeOffset.UtcNow + SignedUrlLifetime);
        }

        // A key is a name, not a path: its "." and ".." segments are part of it, so they are escaped like any other byte
        // lest a proxy (or Uri) resolve them away and fetch another object.
        private static string EscapeKeySegment(string segment) =>
            segment.Trim('.').Length == 0 ? segment.Replace(".", "%2E") : Uri.EscapeDataString(segment);

        // qiniu:// URLs are built here, fully escaped, so they go out verbatim; Uri would otherwise unescape %2E and drop the
        // dot segments. A user's http(s) URL is a URL and is read as one.
        private Uri RequestUri(string uri, string? domain) => QiniuUri.IsQiniu(uri)
            ? new Uri(ResolveUrl(uri, domain), new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true })
            : new Uri(ResolveUrl(uri, domain));

        /// <summary>
        /// Sends the GET and follows redirects itself: within the same origin always; to another origin only when the request
        /// carries no credentials (a signed URL's token must never reach a host it was not made for).
        /// </summary>
        private async Task<HttpResponseMessage> SendAsync(string uri, string? domain, long have, string? etag, CancellationToken token)
        {
            var target = RequestUri(uri, domain);
            for (var redirects = 0; ; redirects++)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, target);
                if (have > 0)
                {
                    request.Headers.Range = new RangeHeaderValue(have, null);
                    if (etag != null)
                        request.Headers.TryAddWithoutValidation("If-Range", etag);
                }
                var response = await http.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, token).ConfigureAwait(false);
                if ((int)response.StatusCode < 300 || (int)response.StatusCode >= 400 || response.Headers.Location == null)
                    return response;
                response.Dispose();
                var next = new Uri(target, response.Headers.Location);
                if (redirects == MaxRedirects)
                    throw new ServiceHttpException((int)response.StatusCode, null, $"more than {MaxRedirects} redirects");
                var sameOrigin = Uri.Compare(target, next, UriComponents.SchemeAndServer, UriFormat.UriEscaped, StringComparison.OrdinalIgnoreCase) == 0;
                if (!sameOrigin && IsSigned(target))
                    throw new AvaException(AvaErrors.DownloadRedirectRefused, $"Could not download '{TransferErrors.RedactToken(uri)}': the server redirected the signed request to another host " +
                        $"({next.GetLeftPart(UriPartial.Authority)}), and signed requests are not followed off their host, as that would hand it the credentials. " +
                        "If you trust that host, download from it directly.", TransferErrors.RedactToken(uri));
                target = next;
            }
        }

        private static bool IsSigned(Uri url) => url.Query.IndexOf("token=", StringComparison.Ordinal) >= 0;

        private async Task<bool> AttemptAsync(string uri, string? domain, DownloadState state, Action<long> progress, Action<long> sizeKnown, HttpAttempt attempt)
        {
            var token = attempt.Token;
            var have = File.Exists(state.Temp) ? new FileInfo(state.Temp).Length : 0;
            using var response = await SendAsync(uri, domain, have, state.ETag, token).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable && have > 0)
            {
                Restart(state, progress);
                throw new TransientHttpException(416, null, "the server refused to resume; starting over", TimeSpan.Zero, null);
            }
            if (!response.IsSuccessStatusCode)
                await http.EnsureSuccessAsync(response, requireRequestId: false).ConfigureAwait(false);

            var resumed = response.StatusCode == HttpStatusCode.PartialContent && response.Content.Headers.ContentRange?.From == have;
            if (!resumed && have > 0)
            {
                Restart(state, progress);
                have = 0;
            }
            if (have > 0)
                log.Information("Resuming {Uri:l} at byte {Offset}", TransferErrors.RedactToken(uri), have);
            var total = resumed ? response.Content.Headers.ContentRange!.Length : response.Content.Headers.ContentLength;
            if (total is long size)
                sizeKnown(size);
            state.ETag ??= response.Headers.TryGetValues("ETag", out var etags) ? etags.FirstOrDefault() : null;
            if (state.Qetag.Length != have)
                state.RehashTemp();

            using (var body = await response.Content.ReadAsStreamAsync().ConfigureAwait(false))
            using (var file = new FileStream(state.Temp, have > 0 ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, 1))
                await CopyAsync(body, file, state, progress, attempt).ConfigureAwait(false);
            if (total is long expected && state.Qetag.Length != expected)
                throw new TransientHttpException(0, null, $"the connection ended after {state.Qetag.Length} of {expected} bytes", null, null);
            Verify(state);
            return true;
        }

        // Hashing runs on its own task, a few buffers behind the network and the disk, so a download costs
        // about as much wall time as a plain copy on a machine with a spare core.
        private static async Task CopyAsync(Stream body, FileStream file, DownloadState state, Action<long> progress, HttpAttempt attempt)
        {
            var token = attempt.Token;
            const int Buffers = 4;
            var free = Channel.CreateBounded<byte[]>(Buffers);
            for (var i = 0; i < Buffers; i++)
                free.Writer.TryWrite(new byte[BufferSize]);
            var toHash = Channel.CreateBounded<(byte[] Buffer, int Count)>(Buffers);
            var hashing = Task.Run(async () =>
            {
                while (await toHash.Reader.WaitToReadAsync().ConfigureAwait(false))
                    while (toHash.Reader.TryRead(out var piece))
                    {
                        state.Qetag.Append(piece.Buffer, 0, piece.Count);
                        free.Writer.TryWrite(piece.Buffer);
                    }
            });
            try
            {
                while (true)
                {
                    var buffer = await free.Reader.ReadAsync(token).ConfigureAwait(false);
                    var read = await body.ReadAsync(buffer, 0, buffer.Length, token).ConfigureAwait(false);
                    if (read == 0)
                        break;
                    file.Write(buffer, 0, read);
                    state.Received += read;
                    attempt.Touch(read);
                    progress(read);
                    await toHash.Writer.WriteAsync((buffer, read), token).ConfigureAwait(false);
                }
            }
            finally
            {
                toHash.Writer.TryComplete();
                await hashing.ConfigureAwait(false);
            }
        }

        // A Kodo ETag is the object's qetag (quoted or not); when it looks like one, the bytes must match it.
        private static void Verify(DownloadState state)
        {
            var etag = state.ETag?.Trim().Trim('"');
            if (etag == null || etag.Length != 28 || (etag[0] != 'F' && etag[0] != 'l'))
                return;
            var ours = state.Qetag.Finish();
            if (ours != etag)
                throw new AvaException(AvaErrors.DownloadCorrupt, $"The downloaded bytes hash to '{ours}', but the server says the file's hash is '{etag}': the download is corrupt and was discarded.", etag);
        }

        private static void Restart(DownloadState state, Action<long> progress)
        {
            progress(-state.Received);
            state.Received = 0;
            state.Qetag.Dispose();
            state.Qetag = new QetagBuilder();
            File.Delete(state.Temp);
        }

        private static void Publish(string temp, string destination, bool overwrite)
        {
            if (File.Exists(destination))
            {
                if (!overwrite)
                    throw DestinationExists(destination);
                File.Replace(temp, destination, null);
                return;
            }
            File.Move(temp, destination);
        }

        public static AvaException DestinationExists(string destination) => new AvaException(AvaErrors.DestinationExists, $"'{destination}' already exists.", destination);

        private sealed class DownloadState
        {
            public DownloadState(string temp)
            {
                Temp = temp;
            }

            public string Temp { get; }

            public string? ETag { get; set; }

            public long Received { get; set; }

            public QetagBuilder Qetag { get; set; } = new QetagBuilder();

            public void RehashTemp()
            {
                Qetag.Dispose();
                Qetag = new QetagBuilder();
                var buffer = new byte[BufferSize];
                using var file = File.OpenRead(Temp);
                int read;
                while ((read = file.Read(buffer, 0, buffer.Length)) > 0)
                    Qetag.Append(buffer, 0, read);
            }
        }
    }
}
