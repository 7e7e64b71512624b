using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using AvaSdk.Http;
using AvaSdk.IO;
using Newtonsoft.Json.Linq;
using Serilog;

namespace AvaSdk.Storage
{
    /// <summary>What to send where.</summary>
    public sealed class KodoUploadRequest
    {
        public KodoUploadRequest(string path, string bucket, string key)
        {
            Path = path;
            Bucket = bucket;
            Key = key;
        }

        public string Path { get; }

        public string Bucket { get; }

        public string Key { get; }

        /// <summary>Replace an object that exists with other content; without it Kodo refuses (insertOnly).</summary>
        public bool Overwrite { get; set; }

        /// <summary>Files up to this size go in one form upload; larger ones in multipart v2 parts of this size.</summary>
        public long PartSize { get; set; } = KodoUploader.DefaultPartSize;

        /// <summary>How many parts of one file are in flight at once.</summary>
        public int Parallelism { get; set; } = 4;
    }

    /// <summary>
    /// Sends files to Kodo: a form upload for small files, multipart v2 with parallel parts, Content-MD5 and a resume record
    /// for larger ones. Every request carries a fresh upload token, and the object's hash must equal our own qetag.
    /// </summary>
    public sealed class KodoUploader
    {
        public const long DefaultPartSize = 4L * 1024 * 1024;
        public const long MinPartSize = 1024L * 1024;
        public const long MaxPartSize = 1024L * 1024 * 1024;

        private const long MaxBufferedBytes = 256L * 1024 * 1024;
        private static readonly TimeSpan TokenLifetime = TimeSpan.FromHours(1);

        private readonly KodoCredentials credentials;
        private readonly KodoUpHosts hosts;
        private readonly ServiceHttp http;
        private readonly ILogger log;
        private readonly string? resumeFolder;
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> unwritableRecords = new System.Collections.Concurrent.ConcurrentDictionary<string, bool>();

        /// <summary>An uploader as <paramref name="settings"/> configure it (credentials, hosts, $AVA_RESUME_DIR), over <paramref name="http"/>.</summary>
        /// <exception cref="Errors.AvaException">AvaCredentialNotFound without credentials.</exception>
        public static KodoUploader For(KodoSettings settings, ServiceHttp http) => From(settings, http, Logging.InstanceLog.Detached, "send files to Kodo", settings.ResumeFolder);

        /// <summary>
        /// <see cref="For"/>, logging to <paramref name="log"/> (an instance's log); <paramref name="forWhat"/> goes into the
        /// missing-credentials message, and resume records go to <paramref name="resumeFolder"/> (null: beside each file).
        /// </summary>
        internal static KodoUploader From(KodoSettings settings, ServiceHttp http, ILogger log, string forWhat, string? resumeFolder) =>
            new KodoUploader(settings.RequireCredentials(forWhat), settings.UpHosts(http, log), http, log, resumeFolder);

        public KodoUploader(KodoCredentials credentials, KodoUpHosts hosts, ServiceHttp http, ILogger log, string? resumeFolder)
        {
            this.credentials = credentials;
            this.hosts = hosts;
            this.http = http;
            this.log = log;
            this.resumeFolder = resumeFolder;
        }

        /// <param name="progress">Told of bytes sent (negative when a failed attempt's bytes must be sent again); called from any thread.</param>
        /// <exception cref="Errors.AvaException">The upload failed for good; the message names the file, bucket, key, status and request id.</exception>
        public async Task<StoredObject> UploadAsync(KodoUploadRequest request, Action<long> progress, CancellationToken cancellationToken)
        {
            var size = new FileInfo(request.Path).Length;
            using var exclusive = size > request.PartSize ? HoldUpload(request) : null;
            try
            {
                var hash = await UploadToRegionAsync(request, size, progress, cancellationToken).ConfigureAwait(false);
                log.Information("Sent {Path:l} ({Size} bytes) to {Bucket:l}/{Key:l}, hash {Hash:l}", request.Path, size, request.Bucket, request.Key, hash);
                return new StoredObject(request.Bucket, request.Key, hash, size, request.Path);
            }
            catch (Exception ex) when (!(ex is OperationCanceledException && cancellationToken.IsCancellationRequested) && !(ex is Errors.AvaException))
            {
                throw TransferErrors.Upload(ex, request.Path, request.Bucket, request.Key);
            }
        }

        // A multipart upload holds an OS lock (flock on Linux, released with its process) for as long as it runs, so a second
        // one of the same file to the same key fails at once instead of sharing the resume record. A folder we may not
        // write to costs the lock as it costs the record.
        private IO.FileLock? HoldUpload(KodoUploadRequest request)
        {
            var path = UploadResumeRecord.LockPathFor(request.Path, request.Bucket, request.Key, resumeFolder);
            IO.FileLock? held;
            bool busy;
            try
            {
                held = IO.FileLock.TryTake(path, out busy);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                return null;
            }
            return busy
                ? throw new Errors.AvaException(Errors.AvaErrors.UploadBusy, $"Another upload of '{request.Path}' to {request.Bucket}/{request.Key} is running (it holds '{path}'). Wait for it to finish; " +
                    "two at once would take each other's parts.", request.Path)
                : held;
        }

        // The region's hosts in order (kodo-protocol.md §7.1, §8): a host that cannot be reached after its retries hands over
        // to the next; "incorrect region" means the cached region is stale, so it is asked once more.
        private async Task<string> UploadToRegionAsync(KodoUploadRequest request, long size, Action<long> progress, CancellationToken cancellationToken)
        {
            var upHosts = await hosts.GetAsync(request.Bucket, refresh: false, cancellationToken).ConfigureAwait(false);
            var refreshed = false;
            for (var index = 0; ; index++)
            {
                var host = upHosts[index];
                try
                {
                    return size <= request.PartSize
                        ? await FormUploadAsync(request, host, progress, cancellationToken).ConfigureAwait(false)
                        : await MultipartUploadAsync(request, host, size, progress, cancellationToken).ConfigureAwait(false);
                }
                catch (ServiceHttpException ex) when (ex.Status == 400 && ex.Error.IndexOf("incorrect region", StringComparison.OrdinalIgnoreCase) >= 0 && hosts.CanRefresh && !refreshed)
                {
                    log.Warning("{Host:l} says bucket {Bucket:l} is in another region ({Error:l}); asking for the region again", host, request.Bucket, ex.Error);
                    refreshed = true;
                    upHosts = await hosts.GetAsync(request.Bucket, refresh: true, cancellationToken).ConfigureAwait(false);
                    index = -1;
                }
                catch (Exception ex) when (index + 1 < upHosts.Count && IsUnreachable(ex) && !cancellationToken.IsCancellationRequested)
                {
                    log.Warning("Upload host {Host:l} failed ({Error:l}); trying {Next:l}", host, ex.GetBaseException().Message, upHosts[index + 1]);
                }
            }
        }

        private static bool IsUnreachable(Exception ex) =>
            ex is HttpRequestException || ex is IOException || (ex is TransientHttpException transient && transient.Status != 406);

        private string Token(KodoUploadRequest request) =>
            credentials.UploadToken(new PutPolicy(request.Bucket, request.Key, DateTimeOffset.UtcNow + TokenLifetime, insertOnly: !request.Overwrite));

        // One multipart/form-data POST (kodo-protocol.md §4): quoted field names, CRLF, a Content-Length (Kodo's upload
        // servers and many front ends refuse a chunked body), and the file's CRC-32 so Kodo can check what arrived.
        private async Task<string> FormUploadAsync(KodoUploadRequest request, Uri host, Action<long> progress, CancellationToken cancellationToken)
        {
            var (json, ourHash) = await http.ExecuteAsync(async attempt =>
            {
                long sent = 0;
                // Read again on every attempt: a 406 (checksum mismatch) is retried once from the file as it is now.
                var crc32 = FileCrc32(request.Path);
                using var qetag = new QetagBuilder();
                using var form = new MultipartFormDataContent("avasdk-" + Guid.NewGuid().ToString("N"));
                form.Add(FormField("key", new StringContent(request.Key)));
                form.Add(FormField("token", new StringContent(Token(request))));
                form.Add(FormField("crc32", new StringContent(crc32.ToString(System.Globalization.CultureInfo.InvariantCulture))));
                var stream = new ProgressStream(OpenShared(request.Path), n => { sent += n; attempt.Touch(n); progress(n); }, qetag);
                var file = new SizedStreamContent(stream, stream.Length);
                file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                form.Add(FormField("file", file, FormFileName(request)));
                try
                {
                    using var response = await http.Client.PostAsync(host, form, attempt.Token).ConfigureAwait(false);
                    return (await http.EnsureSuccessAsync(response).ConfigureAwait(false), qetag.Finish());
                }
                catch
                {
                    progress(-sent);
                    throw;
                }
            }, cancellationToken).ConfigureAwait(false);
            return CheckHash(json, ourHash);
        }

        private static HttpContent FormField(string name, HttpContent content, string? fileName = null)
        {
            content.Headers.ContentDisposition = new ContentDispositionHeaderValue("form-data") { Name = Quoted(name), FileName = fileName == null ? null : Quoted(fileName) };
            return content;
        }

        // The part's filename only becomes Kodo's $(fname); keep it plain ASCII without quotes or line breaks.
        private static string FormFileName(KodoUploadRequest request)
        {
            var name = Path.GetFileName(request.Path);
            var plain = new StringBuilder(name.Length);
            foreach (var c in name)
                plain.Append(c < 0x20 || c > 0x7e || c == '"' || c == '\\' ? '_' : c);
            return plain.Length == 0 ? "file" : plain.ToString();
        }

        private static string Quoted(string value) => "\"" + value + "\"";

        private static uint FileCrc32(string path)
        {
            var crc = new System.IO.Hashing.Crc32();
            using (var file = OpenShared(path))
                crc.Append(file);
            return crc.GetCurrentHashAsUInt32();
        }

        private async Task<string> MultipartUploadAsync(KodoUploadRequest request, Uri host, long size, Action<long> progress, CancellationToken cancellationToken)
        {
            var recordPath = UploadResumeRecord.PathFor(request.Path, request.Bucket, request.Key, host, resumeFolder);
            var identity = new UploadResumeRecord
            {
                Bucket = request.Bucket,
                Key = request.Key,
                Host = host.ToString(),
                Size = size,
                ModifiedTicks = File.GetLastWriteTimeUtc(request.Path).Ticks,
                PartSize = request.PartSize,
            };
            var record = UploadResumeRecord.TryLoad(recordPath, identity, DateTimeOffset.UtcNow);
            if (record == null)
                return await FreshMultipartAsync(request, host, identity, recordPath, progress, cancellationToken).ConfigureAwait(false);

            // Size and time can stay the same while the bytes change (a file rewritten in place, a clock set back): a part is
            // reused only when the file still holds what was sent.
            if (FirstChangedPart(request.Path, record, request.PartSize) is int changed)
            {
                log.Warning("Part {Part} of {Path:l} differs from what was sent before the interruption (the file changed); starting the upload over",
                    changed, request.Path);
                DeleteRecord(recordPath);
                return await FreshMultipartAsync(request, host, identity, recordPath, progress, cancellationToken).ConfigureAwait(false);
            }
            var partCount = (int)((size + request.PartSize - 1) / request.PartSize);
            log.Information("Resuming the upload of {Path:l}: {Done} of {Parts} parts were sent before", request.Path, record.Parts.Count, partCount);
            // What this try has shown as sent, so that starting over takes it back.
            long shown = 0;
            void Show(long bytes)
            {
                Interlocked.Add(ref shown, bytes);
                progress(bytes);
            }
            Show(record.Parts.Sum(p => p.Size));
            try
            {
                return await SendPartsAndCompleteAsync(request, host, record, recordPath, Show, cancellationToken).ConfigureAwait(false);
            }
            catch (ServiceHttpException ex) when (ex.Status == 612 || (ex.Status == 400 && ex.Error.IndexOf("incorrect region", StringComparison.OrdinalIgnoreCase) < 0))
            {
                // 612: Kodo forgot the uploadId (expired or aborted). 400: a part the interrupted run had sent as it died
                // can reach Kodo after this run sent it again, and replace it under an etag this run never saw, so the
                // upload cannot complete. Either way a fresh uploadId, beyond the old one's reach, starts it over once.
                log.Warning(ex.Status == 612
                    ? "Kodo no longer knows upload {UploadId:l} of {Path:l} ({Error:l}); starting it over"
                    : "Kodo refused to complete the resumed upload {UploadId:l} of {Path:l} ({Error:l}): a late part of the interrupted run may have replaced one of this run's; starting it over",
                    record.UploadId, request.Path, ex.Error);
                progress(-Interlocked.Read(ref shown));
                DeleteRecord(recordPath);
                return await FreshMultipartAsync(request, host, identity, recordPath, progress, cancellationToken).ConfigureAwait(false);
            }
        }

        // The number of the first recorded part whose bytes in the file no longer hash to what was recorded, or null.
        private static int? FirstChangedPart(string path, UploadResumeRecord record, long partSize)
        {
            var buffer = new byte[Math.Min(partSize, 4L * 1024 * 1024)];
            using var file = OpenShared(path);
            foreach (var part in record.Parts.OrderBy(p => p.Number))
            {
                file.Position = (part.Number - 1) * partSize;
                using var qetag = new QetagBuilder();
                long count = 0;
                int read;
                while (count < partSize && (read = file.Read(buffer, 0, (int)Math.Min(buffer.Length, partSize - count))) > 0)
                {
                    qetag.Append(buffer, 0, read);
                    count += read;
                }
                var recorded = part.Blocks();
                var now = qetag.BlockDigests();
                if (count != part.Size || now.Count != recorded.Count || now.Where((digest, i) => !digest.AsSpan().SequenceEqual(recorded[i])).Any())
                    return part.Number;
            }
            return null;
        }

        private async Task<string> FreshMultipartAsync(KodoUploadRequest request, Uri host, UploadResumeRecord identity, string recordPath, Action<long> progress, CancellationToken cancellationToken)
        {
            var initiated = await http.ExecuteAsync(async attempt =>
            {
                using var message = new HttpRequestMessage(HttpMethod.Post, UploadsUrl(request, host));
                message.Headers.Authorization = new AuthenticationHeaderValue("UpToken", Token(request));
                using var response = await http.Client.SendAsync(message, attempt.Token).ConfigureAwait(false);
                return await http.EnsureSuccessAsync(response).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
            identity.UploadId = (string?)initiated["uploadId"] ?? throw new ServiceHttpException(200, null, "the initiate answer has no uploadId");
            identity.ExpireAt = (long?)initiated["expireAt"] ?? DateTimeOffset.UtcNow.AddDays(7).ToUnixTimeSeconds();
            identity.Parts.Clear();
            SaveRecord(identity, recordPath);
            return await SendPartsAndCompleteAsync(request, host, identity, recordPath, progress, cancellationToken).ConfigureAwait(false);
        }

        private async Task<string> SendPartsAndCompleteAsync(KodoUploadRequest request, Uri host, UploadResumeRecord record, string recordPath, Action<long> progress, CancellationToken cancellationToken)
        {
            var partCount = (int)((record.Size + request.PartSize - 1) / request.PartSize);
            var done = new HashSet<int>(record.Parts.Select(p => p.Number));
            using var failFast = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            // Each part in flight holds a buffer of PartSize bytes: bound the total, whatever the part size asked for.
            var parallelism = (int)Math.Max(1, Math.Min(request.Parallelism, MaxBufferedBytes / request.PartSize));
            using var slots = new SemaphoreSlim(parallelism);
            var buffers = new Stack<byte[]>();
            var inFlight = new List<Task>();
            using (var file = OpenShared(request.Path))
            {
                for (var number = 1; number <= partCount && !failFast.IsCancellationRequested; number++)
                {
                    if (done.Contains(number))
                        continue;
                    try
                    {
                        await slots.WaitAsync(failFast.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        break;
                    }
                    byte[] buffer;
                    lock (buffers)
                        buffer = buffers.Count > 0 ? buffers.Pop() : new byte[request.PartSize];
                    file.Position = (number - 1) * request.PartSize;
                    var count = Fill(file, buffer);
                    var partNumber = number;
                    inFlight.Add(Task.Run(async () =>
                    {
                        try
                        {
                            await SendPartAsync(request, host, record, recordPath, partNumber, buffer, count, progress, failFast.Token).ConfigureAwait(false);
                        }
                        catch
                        {
                            failFast.Cancel();
                            throw;
                        }
                        finally
                        {
                            lock (buffers)
                                buffers.Push(buffer);
                            slots.Release();
                        }
                    }));
                }
                try
                {
                    await Task.WhenAll(inFlight).ConfigureAwait(false);
                }
                catch
                {
                    // Report the part that failed, not the siblings it cancelled.
                    var first = inFlight.Where(t => t.IsFaulted).Select(t => t.Exception!.InnerException!).FirstOrDefault();
                    if (first != null)
                        throw first;
                    throw;
                }
            }
            cancellationToken.ThrowIfCancellationRequested();
            return await CompleteAsync(request, host, record, recordPath, cancellationToken).ConfigureAwait(false);
        }

        private async Task SendPartAsync(KodoUploadRequest request, Uri host, UploadResumeRecord record, string recordPath, int number, byte[] buffer, int count,
            Action<long> progress, CancellationToken cancellationToken)
        {
            string md5;
            using (var hasher = MD5.Create())
                md5 = Hex(hasher.ComputeHash(buffer, 0, count));
            IReadOnlyList<byte[]> blocks;
            using (var qetag = new QetagBuilder())
            {
                qetag.Append(buffer, 0, count);
                blocks = qetag.BlockDigests();
            }
            var etag = await http.ExecuteAsync(async attempt =>
            {
                long sent = 0;
                using var message = new HttpRequestMessage(HttpMethod.Put, $"{UploadsUrl(request, host)}/{record.UploadId}/{number}");
                message.Headers.Authorization = new AuthenticationHeaderValue("UpToken", Token(request));
                message.Content = new ProgressContent(buffer, count, n => { Interlocked.Add(ref sent, n); attempt.Touch(n); progress(n); });
                message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                message.Content.Headers.TryAddWithoutValidation("Content-MD5", md5);
                try
                {
                    using var response = await http.Client.SendAsync(message, attempt.Token).ConfigureAwait(false);
                    var json = await http.EnsureSuccessAsync(response).ConfigureAwait(false);
                    var theirMd5 = (string?)json["md5"];
                    if (theirMd5 != null && !string.Equals(theirMd5, md5, StringComparison.OrdinalIgnoreCase))
                        throw new TransientHttpException(200, null, $"part {number} arrived with MD5 {theirMd5}, not {md5}", null, null);
                    return (string?)json["etag"] ?? throw new ServiceHttpException(200, null, $"the answer to part {number} has no etag");
                }
                catch
                {
                    progress(-Interlocked.Read(ref sent));
                    throw;
                }
            }, cancellationToken).ConfigureAwait(false);
            lock (record)
            {
                record.Parts.Add(new UploadResumeRecord.DonePart { Number = number, Etag = etag, Size = count, BlockDigests = UploadResumeRecord.DonePart.Encode(blocks) });
                SaveRecord(record, recordPath);
            }
        }

        private async Task<string> CompleteAsync(KodoUploadRequest request, Uri host, UploadResumeRecord record, string recordPath, CancellationToken cancellationToken)
        {
            var parts = record.Parts.OrderBy(p => p.Number).ToList();
            var body = new JObject
            {
                ["parts"] = new JArray(parts.Select(p => new JObject { ["etag"] = p.Etag, ["partNumber"] = p.Number })),
                ["fname"] = Path.GetFileName(request.Path),
            }.ToString(Newtonsoft.Json.Formatting.None);
            var json = await http.ExecuteAsync(async attempt =>
            {
                using var message = new HttpRequestMessage(HttpMethod.Post, $"{UploadsUrl(request, host)}/{record.UploadId}")
                {
                    Content = new StringContent(body, Encoding.UTF8, "application/json"),
                };
                message.Headers.Authorization = new AuthenticationHeaderValue("UpToken", Token(request));
                using var response = await http.Client.SendAsync(message, attempt.Token).ConfigureAwait(false);
                return await http.EnsureSuccessAsync(response).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
            DeleteRecord(recordPath);
            return CheckHash(json, QetagBuilder.ForParts(parts.Select(p => p.Blocks()).ToList(), request.PartSize));
        }

        private static void DeleteRecord(string path)
        {
            if (File.Exists(path))
                File.Delete(path);
            AtomicFile.RemoveLeftovers(path);
        }

        // A folder we may not write to costs the ability to resume, not the upload.
        private void SaveRecord(UploadResumeRecord record, string path)
        {
            try
            {
                record.Save(path);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                if (unwritableRecords.TryAdd(path, true))
                    log.Warning("The resume record {Path:l} could not be written ({Problem:l}); this upload cannot resume after an interruption. Set ${Variable:l} to a writable folder",
                    path, ex.Message, KodoSettings.ResumeFolderVariable);
            }
        }

        private static string CheckHash(JObject answer, string ourHash)
        {
            var theirs = answer["hash"] is JValue { Type: JTokenType.String } hash ? (string?)hash : null;
            if (string.IsNullOrEmpty(theirs))
                throw new ServiceHttpException(200, null, $"Kodo's answer is not the JSON expected: it names no hash ({ServiceHttp.Summarize(answer.ToString(Newtonsoft.Json.Formatting.None))})");
            if (theirs != ourHash)
                throw new ServiceHttpException(200, null, $"Kodo stored the object with hash '{theirs}', but the file's own hash is '{ourHash}': the stored copy differs from the file");
            return ourHash;
        }

        private static string UploadsUrl(KodoUploadRequest request, Uri host) =>
            $"{host.ToString().TrimEnd('/')}/buckets/{Uri.EscapeDataString(request.Bucket)}/objects/{UrlSafeBase64.Encode(Encoding.UTF8.GetBytes(request.Key))}/uploads";

        private static FileStream OpenShared(string path) =>
            new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1024 * 1024, FileOptions.SequentialScan);

        private static int Fill(Stream stream, byte[] buffer)
        {
            var filled = 0;
            int read;
            while (filled < buffer.Length && (read = stream.Read(buffer, filled, buffer.Length - filled)) > 0)
                filled += read;
            return filled;
        }

        private static string Hex(byte[] bytes)
        {
            var text = new StringBuilder(bytes.Length * 2);
            foreach (var b in bytes)
                text.Append(b.ToString("x2"));
            return text.ToString();
        }
    }
}
