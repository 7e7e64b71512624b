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
        private readonly Uri host;
        private readonly KodoHttp http;
        private readonly ILogger log;
        private readonly string? resumeFolder;
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> unwritableRecords = new System.Collections.Concurrent.ConcurrentDictionary<string, bool>();

        public KodoUploader(KodoCredentials credentials, Uri host, KodoHttp http, ILogger log, string? resumeFolder)
        {
            this.credentials = credentials;
            this.host = host;
            this.http = http;
            this.log = log;
            this.resumeFolder = resumeFolder;
        }

        /// <param name="progress">Told of bytes sent (negative when a failed attempt's bytes must be sent again); called from any thread.</param>
        /// <exception cref="Errors.AvaException">The upload failed for good; the message names the file, bucket, key, status and request id.</exception>
        public async Task<StoredObject> UploadAsync(KodoUploadRequest request, Action<long> progress, CancellationToken cancellationToken)
        {
            var size = new FileInfo(request.Path).Length;
            try
            {
                var hash = size <= request.PartSize
                    ? await FormUploadAsync(request, progress, cancellationToken).ConfigureAwait(false)
                    : await MultipartUploadAsync(request, size, progress, cancellationToken).ConfigureAwait(false);
                log.Information("Sent {Path:l} ({Size} bytes) to {Bucket:l}/{Key:l}, hash {Hash:l}", request.Path, size, request.Bucket, request.Key, hash);
                return new StoredObject(request.Bucket, request.Key, hash, size, request.Path);
            }
            catch (Exception ex) when (!(ex is OperationCanceledException && cancellationToken.IsCancellationRequested) && !(ex is Errors.AvaException))
            {
                throw TransferErrors.Upload(ex, request.Path, request.Bucket, request.Key);
            }
        }

        private string Token(KodoUploadRequest request) =>
            credentials.UploadToken(new PutPolicy(request.Bucket, request.Key, DateTimeOffset.UtcNow + TokenLifetime, insertOnly: !request.Overwrite));

        private async Task<string> FormUploadAsync(KodoUploadRequest request, Action<long> progress, CancellationToken cancellationToken)
        {
            var (json, ourHash) = await http.ExecuteAsync(async token =>
            {
                long sent = 0;
                using var qetag = new QetagBuilder();
                using var form = new MultipartFormDataContent();
                form.Add(new StringContent(request.Key), "key");
                form.Add(new StringContent(Token(request)), "token");
                var file = new StreamContent(new ProgressStream(OpenShared(request.Path), n => { sent += n; progress(n); }, qetag), 1024 * 1024);
                file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                form.Add(file, "file", Path.GetFileName(request.Path));
                try
                {
                    using var response = await http.Client.PostAsync(host, form, token).ConfigureAwait(false);
                    return (await KodoHttp.EnsureSuccessAsync(response).ConfigureAwait(false), qetag.Finish());
                }
                catch
                {
                    progress(-sent);
                    throw;
                }
            }, cancellationToken).ConfigureAwait(false);
            return CheckHash(json, ourHash);
        }

        private async Task<string> MultipartUploadAsync(KodoUploadRequest request, long size, Action<long> progress, CancellationToken cancellationToken)
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
                return await FreshMultipartAsync(request, identity, recordPath, progress, cancellationToken).ConfigureAwait(false);

            var partCount = (int)((size + request.PartSize - 1) / request.PartSize);
            log.Information("Resuming the upload of {Path:l}: {Done} of {Parts} parts were sent before", request.Path, record.Parts.Count, partCount);
            var alreadySent = record.Parts.Sum(p => p.Size);
            progress(alreadySent);
            try
            {
                return await SendPartsAndCompleteAsync(request, record, recordPath, progress, cancellationToken).ConfigureAwait(false);
            }
            catch (KodoHttpException ex) when (ex.Status == 612)
            {
                // Kodo forgot the uploadId (expired or aborted): start over once, cleanly.
                log.Warning("Kodo no longer knows upload {UploadId:l} of {Path:l} ({Error:l}); starting it over", record.UploadId, request.Path, ex.Error);
                progress(-alreadySent);
                DeleteRecord(recordPath);
                return await FreshMultipartAsync(request, identity, recordPath, progress, cancellationToken).ConfigureAwait(false);
            }
        }

        private async Task<string> FreshMultipartAsync(KodoUploadRequest request, UploadResumeRecord identity, string recordPath, Action<long> progress, CancellationToken cancellationToken)
        {
            var initiated = await http.ExecuteAsync(async token =>
            {
                using var message = new HttpRequestMessage(HttpMethod.Post, UploadsUrl(request));
                message.Headers.Authorization = new AuthenticationHeaderValue("UpToken", Token(request));
                using var response = await http.Client.SendAsync(message, token).ConfigureAwait(false);
                return await KodoHttp.EnsureSuccessAsync(response).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
            identity.UploadId = (string?)initiated["uploadId"] ?? throw new KodoHttpException(200, null, "the initiate answer has no uploadId");
            identity.ExpireAt = (long?)initiated["expireAt"] ?? DateTimeOffset.UtcNow.AddDays(7).ToUnixTimeSeconds();
            identity.Parts.Clear();
            SaveRecord(identity, recordPath);
            return await SendPartsAndCompleteAsync(request, identity, recordPath, progress, cancellationToken).ConfigureAwait(false);
        }

        private async Task<string> SendPartsAndCompleteAsync(KodoUploadRequest request, UploadResumeRecord record, string recordPath, Action<long> progress, CancellationToken cancellationToken)
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
                            await SendPartAsync(request, record, recordPath, partNumber, buffer, count, progress, failFast.Token).ConfigureAwait(false);
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
            return await CompleteAsync(request, record, recordPath, cancellationToken).ConfigureAwait(false);
        }

        private async Task SendPartAsync(KodoUploadRequest request, UploadResumeRecord record, string recordPath, int number, byte[] buffer, int count,
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
            var etag = await http.ExecuteAsync(async token =>
            {
                long sent = 0;
                using var message = new HttpRequestMessage(HttpMethod.Put, $"{UploadsUrl(request)}/{record.UploadId}/{number}");
                message.Headers.Authorization = new AuthenticationHeaderValue("UpToken", Token(request));
                message.Content = new ProgressContent(buffer, count, n => { Interlocked.Add(ref sent, n); progress(n); });
                message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                message.Content.Headers.TryAddWithoutValidation("Content-MD5", md5);
                try
                {
                    using var response = await http.Client.SendAsync(message, token).ConfigureAwait(false);
                    var json = await KodoHttp.EnsureSuccessAsync(response).ConfigureAwait(false);
                    var theirMd5 = (string?)json["md5"];
                    if (theirMd5 != null && !string.Equals(theirMd5, md5, StringComparison.OrdinalIgnoreCase))
                        throw new KodoTransientException(200, null, $"part {number} arrived with MD5 {theirMd5}, not {md5}", null, null);
                    return (string?)json["etag"] ?? throw new KodoHttpException(200, null, $"the answer to part {number} has no etag");
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

        private async Task<string> CompleteAsync(KodoUploadRequest request, UploadResumeRecord record, string recordPath, CancellationToken cancellationToken)
        {
            var parts = record.Parts.OrderBy(p => p.Number).ToList();
            var body = new JObject
            {
                ["parts"] = new JArray(parts.Select(p => new JObject { ["etag"] = p.Etag, ["partNumber"] = p.Number })),
                ["fname"] = Path.GetFileName(request.Path),
            }.ToString(Newtonsoft.Json.Formatting.None);
            var json = await http.ExecuteAsync(async token =>
            {
                using var message = new HttpRequestMessage(HttpMethod.Post, $"{UploadsUrl(request)}/{record.UploadId}")
                {
                    Content = new StringContent(body, Encoding.UTF8, "application/json"),
                };
                message.Headers.Authorization = new AuthenticationHeaderValue("UpToken", Token(request));
                using var response = await http.Client.SendAsync(message, token).ConfigureAwait(false);
                return await KodoHttp.EnsureSuccessAsync(response).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
            DeleteRecord(recordPath);
            return CheckHash(json, QetagBuilder.ForParts(parts.Select(p => p.Blocks()).ToList(), request.PartSize));
        }

        private static void DeleteRecord(string path)
        {
            if (File.Exists(path))
                File.Delete(path);
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
            var theirs = (string?)answer["hash"];
            if (theirs != ourHash)
                throw new KodoHttpException(200, null, $"Kodo stored the object with hash '{theirs}', but the file's own hash is '{ourHash}': the stored copy differs from the file");
            return ourHash;
        }

        private string UploadsUrl(KodoUploadRequest request) =>
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
