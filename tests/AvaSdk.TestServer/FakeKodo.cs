using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using AvaSdk.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace AvaSdk.TestServer
{
    /// <summary>The Kodo subset AvaSdk speaks, as Kodo answers it.</summary>
    public sealed class FakeKodo
    {
        private readonly string accessKey;
        private readonly KodoCredentials credentials;
        private readonly string objects;
        private readonly string uploadsFolder;
        private readonly ConcurrentDictionary<string, Upload> uploads = new ConcurrentDictionary<string, Upload>();
        private readonly FailurePlan failures = new FailurePlan();
        private readonly ConcurrentDictionary<string, int> counts = new ConcurrentDictionary<string, int>();
        private readonly ConcurrentQueue<int> partsReceived = new ConcurrentQueue<int>();
        private long bytesReceived;

        public FakeKodo(string accessKey, string secretKey, string data)
        {
            this.accessKey = accessKey;
            credentials = new KodoCredentials(accessKey, secretKey);
            objects = Path.Combine(data, "objects");
            uploadsFolder = Path.Combine(data, "uploads");
            Directory.CreateDirectory(objects);
            Directory.CreateDirectory(uploadsFolder);
        }

        public void Map(WebApplication app)
        {
            app.Use(async (context, next) =>
            {
                context.Response.Headers["X-Reqid"] = Guid.NewGuid().ToString("N").Substring(0, 16);
                context.Response.Headers["X-Log"] = "fake-kodo";
                if (context.Request.Path.StartsWithSegments("/_control"))
                {
                    await next();
                    return;
                }
                Count("all");
                var failure = failures.Take(context.Request.Method, context.Request.Path.Value ?? "/");
                if (failure?.Kind == FailureKind.Delay)
                    await Task.Delay(failure.DelayMs);
                if (failure?.Kind == FailureKind.Status)
                {
                    await Drain(context.Request.Body);
                    if (failure.RetryAfter > 0)
                        context.Response.Headers["Retry-After"] = failure.RetryAfter.ToString();
                    await Error(context, failure.Status, "injected failure");
                    return;
                }
                if (failure?.Kind == FailureKind.Drop)
                    context.Items["drop"] = true;
                await next();
            });

            app.MapPost("/_control/fail", (HttpContext c) => Plan(c, FailureKind.Status));
            app.MapPost("/_control/drop", (HttpContext c) => Plan(c, FailureKind.Drop));
            app.MapPost("/_control/delay", (HttpContext c) => Plan(c, FailureKind.Delay));
            app.MapPost("/_control/reset", () =>
            {
                failures.Clear();
                counts.Clear();
                while (partsReceived.TryDequeue(out _)) { }
                Interlocked.Exchange(ref bytesReceived, 0);
                return Results.Ok();
            });
            app.MapGet("/_control/stats", () => Results.Json(new
            {
                requests = counts.ToDictionary(p => p.Key, p => p.Value),
                parts = partsReceived.ToArray(),
                bytesReceived = Interlocked.Read(ref bytesReceived),
                uploads = uploads.Count,
            }));
            app.MapGet("/_control/object", (string bucket, string key) =>
            {
                var path = ObjectPath(bucket, key);
                return File.Exists(path)
                    ? Results.Json(new { hash = File.ReadAllText(path + ".hash"), size = ObjectData.Length(path) })
                    : Results.NotFound();
            });

            app.MapPost("/", FormUpload);
            app.MapPost("/buckets/{bucket}/objects/{encodedKey}/uploads", InitiateMultipart);
            app.MapPut("/buckets/{bucket}/objects/{encodedKey}/uploads/{uploadId}/{partNumber:int}", UploadPart);
            app.MapPost("/buckets/{bucket}/objects/{encodedKey}/uploads/{uploadId}", CompleteMultipart);
            app.MapGet("/buckets/{bucket}/objects/{encodedKey}/uploads/{uploadId}", ListParts);
            app.MapDelete("/buckets/{bucket}/objects/{encodedKey}/uploads/{uploadId}", AbortMultipart);
            app.MapGet("/download/{bucket}/{**key}", (HttpContext c, string bucket, string key) => Download(c, bucket, key, signed: true));
            app.MapGet("/public/{bucket}/{**key}", (HttpContext c, string bucket, string key) => Download(c, bucket, key, signed: false));
        }

        private IResult Plan(HttpContext context, FailureKind kind)
        {
            var query = context.Request.Query;
            int Int(string name, int fallback) => int.TryParse(query[name], out var value) ? value : fallback;
            failures.Add(new Failure(kind, Int("count", 1), Int("status", 503), Int("ms", 1000), query["path"].FirstOrDefault(), query["method"].FirstOrDefault(), Int("retryAfter", 0)));
            return Results.Ok();
        }

        // Streams the form as Kodo does: fields first, then the file, written once while it is hashed.
        private async Task FormUpload(HttpContext context)
        {
            Count("form");
            var boundary = context.Request.HasFormContentType
                ? HeaderUtilities.RemoveQuotes(MediaTypeHeaderValue.Parse(context.Request.ContentType).Boundary).Value
                : null;
            if (string.IsNullOrEmpty(boundary))
            {
                await Error(context, 400, "invalid multipart form");
                return;
            }
            var dropAfter = context.Items.ContainsKey("drop") ? (context.Request.ContentLength ?? 0) / 2 : long.MaxValue;
            var reader = new MultipartReader(boundary, context.Request.Body);
            string? key = null, token = null, temp = null, hash = null;
            try
            {
                MultipartSection? section;
                while ((section = await reader.ReadNextSectionAsync()) != null)
                {
                    var name = ContentDispositionHeaderValue.Parse(section.ContentDisposition).Name.Value?.Trim('"');
                    if (name != "file")
                    {
                        var value = await new StreamReader(section.Body).ReadToEndAsync();
                        if (name == "key")
                            key = value;
                        else if (name == "token")
                            token = value;
                        continue;
                    }
                    temp = Path.Combine(uploadsFolder, Guid.NewGuid().ToString("N"));
                    using var qetag = new QetagBuilder();
                    using (var target = File.Create(temp))
                    {
                        var buffer = new byte[1024 * 1024];
                        int read;
                        long total = 0;
                        while ((read = await section.Body.ReadAsync(buffer)) > 0)
                        {
                            qetag.Append(buffer, 0, read);
                            await target.WriteAsync(buffer.AsMemory(0, read));
                            total += read;
                            if (total >= dropAfter)
                            {
                                context.Abort();
                                return;
                            }
                        }
                        Interlocked.Add(ref bytesReceived, total);
                    }
                    hash = qetag.Finish();
                }
            }
            catch (Exception) when (context.RequestAborted.IsCancellationRequested)
            {
                return;
            }
            var policy = await Authorize(context, token, key);
            if (policy == null)
                return;
            if (temp == null || hash == null)
            {
                await Error(context, 400, "file not specified");
                return;
            }
            await Store(context, policy, key ?? hash, new[] { temp }, hash);
        }

        private async Task InitiateMultipart(HttpContext context, string bucket, string encodedKey)
        {
            Count("init");
            var key = DecodeKey(encodedKey);
            var policy = await Authorize(context, UpToken(context), key, bucket);
            if (policy == null)
                return;
            var upload = new Upload(Guid.NewGuid().ToString("N"), bucket, key, DateTimeOffset.UtcNow.AddDays(7));
            uploads[upload.Id] = upload;
            Directory.CreateDirectory(Path.Combine(uploadsFolder, upload.Id));
            await Json(context, 200, new JsonObject { ["uploadId"] = upload.Id, ["expireAt"] = upload.ExpireAt.ToUnixTimeSeconds() });
        }

        private async Task UploadPart(HttpContext context, string bucket, string encodedKey, string uploadId, int partNumber)
        {
            Count("part");
            var key = DecodeKey(encodedKey);
            if (await Authorize(context, UpToken(context), key, bucket) == null)
                return;
            if (!uploads.TryGetValue(uploadId, out var upload) || upload.Bucket != bucket || upload.Key != key)
            {
                await Drain(context.Request.Body);
                await Error(context, 612, "no such uploadId");
                return;
            }
            if (partNumber < 1 || partNumber > 10000)
            {
                await Error(context, 400, "invalid partNumber");
                return;
            }
            var path = Path.Combine(uploadsFolder, uploadId, $"{partNumber}.{Guid.NewGuid():N}");
            string md5;
            IReadOnlyList<byte[]> blocks;
            using (var target = File.Create(path))
            using (var hash = MD5.Create())
            using (var qetag = new QetagBuilder())
            {
                var buffer = new byte[81920];
                long total = 0, dropAfter = context.Items.ContainsKey("drop") ? (context.Request.ContentLength ?? 0) / 2 : long.MaxValue;
                int read;
                while ((read = await context.Request.Body.ReadAsync(buffer)) > 0)
                {
                    target.Write(buffer, 0, read);
                    hash.TransformBlock(buffer, 0, read, null, 0);
                    qetag.Append(buffer, 0, read);
                    total += read;
                    if (total >= dropAfter)
                    {
                        context.Abort();
                        return;
                    }
                }
                hash.TransformFinalBlock(Array.Empty<byte>(), 0, 0);
                md5 = Convert.ToHexString(hash.Hash!).ToLowerInvariant();
                blocks = qetag.BlockDigests();
                Interlocked.Add(ref bytesReceived, total);
            }
            var expected = context.Request.Headers["Content-MD5"].FirstOrDefault();
            if (expected != null && !string.Equals(expected, md5, StringComparison.OrdinalIgnoreCase))
            {
                File.Delete(path);
                await Error(context, 400, "Content-MD5 mismatch");
                return;
            }
            var etag = "etag-" + md5.Substring(0, 12) + "-" + Guid.NewGuid().ToString("N").Substring(0, 8);
            upload.Parts[partNumber] = new Part(path, etag, md5, new FileInfo(path).Length, blocks);
            partsReceived.Enqueue(partNumber);
            await Json(context, 200, new JsonObject { ["etag"] = etag, ["md5"] = md5 });
        }

        private async Task CompleteMultipart(HttpContext context, string bucket, string encodedKey, string uploadId)
        {
            Count("complete");
            var key = DecodeKey(encodedKey);
            var policy = await Authorize(context, UpToken(context), key, bucket);
            if (policy == null)
                return;
            if (!uploads.TryGetValue(uploadId, out var upload))
            {
                await Error(context, 612, "no such uploadId");
                return;
            }
            var body = await JsonNode.ParseAsync(context.Request.Body);
            var requested = body?["parts"]?.AsArray().Select(p => (Number: (int)p!["partNumber"]!, Etag: (string)p["etag"]!)).ToList();
            if (requested == null || requested.Count == 0)
            {
                await Error(context, 400, "parts not specified");
                return;
            }
            for (var i = 0; i < requested.Count; i++)
            {
                if (i > 0 && requested[i].Number <= requested[i - 1].Number)
                {
                    await Error(context, 400, "parts must be in ascending order");
                    return;
                }
                if (!upload.Parts.TryGetValue(requested[i].Number, out var part) || part.Etag != requested[i].Etag)
                {
                    await Error(context, 400, $"part {requested[i].Number}: etag mismatch");
                    return;
                }
                if (i < requested.Count - 1 && part.Size < 1024 * 1024)
                {
                    await Error(context, 400, $"part {requested[i].Number} is smaller than 1 MiB");
                    return;
                }
            }
            // Like Kodo, completing stitches the parts together without copying them: they become the object's data.
            var parts = requested.Select(r => upload.Parts[r.Number]).ToList();
            var uniform = parts.Take(parts.Count - 1).All(p => p.Size == Qetag.BlockSize) && parts[^1].Size <= Qetag.BlockSize;
            var hash = QetagBuilder.ForParts(parts.Select(p => p.Blocks).ToList(), uniform ? Qetag.BlockSize : -1);
            if (await Store(context, policy, key ?? hash, parts.Select(p => p.Path).ToList(), hash))
                uploads.TryRemove(uploadId, out _);
        }

        private async Task ListParts(HttpContext context, string bucket, string encodedKey, string uploadId)
        {
            Count("list");
            if (await Authorize(context, UpToken(context), DecodeKey(encodedKey), bucket) == null)
                return;
            if (!uploads.TryGetValue(uploadId, out var upload))
            {
                await Error(context, 612, "no such uploadId");
                return;
            }
            var parts = new JsonArray(upload.Parts.OrderBy(p => p.Key)
                .Select(p => (JsonNode)new JsonObject { ["partNumber"] = p.Key, ["etag"] = p.Value.Etag, ["size"] = p.Value.Size }).ToArray());
            await Json(context, 200, new JsonObject { ["uploadId"] = uploadId, ["expireAt"] = upload.ExpireAt.ToUnixTimeSeconds(), ["partNumberMarker"] = 0, ["parts"] = parts });
        }

        private async Task AbortMultipart(HttpContext context, string bucket, string encodedKey, string uploadId)
        {
            Count("abort");
            if (await Authorize(context, UpToken(context), DecodeKey(encodedKey), bucket) == null)
                return;
            if (!uploads.TryRemove(uploadId, out _))
            {
                await Error(context, 612, "no such uploadId");
                return;
            }
            Directory.Delete(Path.Combine(uploadsFolder, uploadId), recursive: true);
            await Json(context, 200, new JsonObject());
        }

        private async Task Download(HttpContext context, string bucket, string key, bool signed)
        {
            Count("download");
            if (signed && !await AuthorizeDownload(context))
                return;
            var path = ObjectPath(bucket, key);
            if (!File.Exists(path))
            {
                await Error(context, 404, "no such file or directory");
                return;
            }
            var length = ObjectData.Length(path);
            long start = 0, end = length - 1;
            var range = context.Request.Headers.Range.FirstOrDefault();
            if (range != null && range.StartsWith("bytes=", StringComparison.Ordinal))
            {
                var bounds = range.Substring(6).Split('-');
                start = long.Parse(bounds[0]);
                if (bounds.Length > 1 && bounds[1].Length > 0)
                    end = Math.Min(end, long.Parse(bounds[1]));
                if (start > end || start >= length)
                {
                    context.Response.Headers.ContentRange = $"bytes */{length}";
                    await Error(context, 416, "range not satisfiable");
                    return;
                }
                context.Response.StatusCode = 206;
                context.Response.Headers.ContentRange = $"bytes {start}-{end}/{length}";
            }
            context.Response.Headers.AcceptRanges = "bytes";
            context.Response.Headers.ETag = "\"" + File.ReadAllText(path + ".hash") + "\"";
            context.Response.ContentType = "application/octet-stream";
            context.Response.ContentLength = end - start + 1;
            var dropAfter = context.Items.ContainsKey("drop") ? (end - start + 1) / 2 : long.MaxValue;
            using var source = ObjectData.Open(path);
            source.Position = start;
            var buffer = new byte[256 * 1024];
            long sent = 0;
            while (sent < end - start + 1)
            {
                var read = await source.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, end - start + 1 - sent)));
                if (read <= 0)
                    break;
                await context.Response.Body.WriteAsync(buffer.AsMemory(0, read));
                sent += read;
                if (sent >= dropAfter)
                {
                    await context.Response.Body.FlushAsync();
                    context.Abort();
                    return;
                }
            }
        }

        // Upload token: AK:sign:encodedPolicy, the sign an HMAC over encodedPolicy; scope and deadline from the policy.
        private async Task<JsonObject?> Authorize(HttpContext context, string? token, string? key, string? bucket = null)
        {
            var parts = token?.Split(':');
            if (parts == null || parts.Length != 3)
            {
                await Error(context, 401, token == null ? "token not specified" : "bad token");
                return null;
            }
            if (parts[0] != accessKey || credentials.Sign(parts[2]) != parts[0] + ":" + parts[1])
            {
                await Error(context, 401, "bad token");
                return null;
            }
            var policy = JsonNode.Parse(UrlSafeBase64.Decode(parts[2]))!.AsObject();
            if ((long)policy["deadline"]! < DateTimeOffset.UtcNow.ToUnixTimeSeconds())
            {
                await Error(context, 401, "token out of date");
                return null;
            }
            var scope = (string)policy["scope"]!;
            var colon = scope.IndexOf(':');
            var scopeBucket = colon < 0 ? scope : scope.Substring(0, colon);
            if (bucket != null && bucket != scopeBucket)
            {
                await Error(context, 403, "bucket doesn't match with scope");
                return null;
            }
            if (colon >= 0 && key != null && scope.Substring(colon + 1) != key)
            {
                await Error(context, 403, "key doesn't match with scope");
                return null;
            }
            return policy;
        }

        // Private download URL: ...?e=<deadline>&token=AK:sign, the sign an HMAC over the URL up to the token.
        private async Task<bool> AuthorizeDownload(HttpContext context)
        {
            var url = $"{context.Request.Scheme}://{context.Request.Host}{context.Request.PathBase}{context.Request.Path.ToUriComponent()}{context.Request.QueryString}";
            var at = url.LastIndexOf("&token=", StringComparison.Ordinal);
            if (at < 0)
            {
                await Error(context, 401, "download token not specified");
                return false;
            }
            var signed = url.Substring(0, at);
            var token = Uri.UnescapeDataString(url.Substring(at + "&token=".Length));
            if (credentials.Sign(signed) != token)
            {
                await Error(context, 401, "bad token");
                return false;
            }
            if (!long.TryParse(context.Request.Query["e"], out var deadline) || deadline < DateTimeOffset.UtcNow.ToUnixTimeSeconds())
            {
                await Error(context, 401, "token out of date");
                return false;
            }
            return true;
        }

        private async Task<bool> Store(HttpContext context, JsonObject policy, string key, IReadOnlyList<string> data, string hash)
        {
            var bucket = ((string)policy["scope"]!).Split(':')[0];
            var path = ObjectPath(bucket, key);
            var keyScoped = ((string)policy["scope"]!).Contains(':');
            var insertOnly = policy["insertOnly"] is JsonNode node && (int)node != 0;
            if (File.Exists(path) && (insertOnly || !keyScoped) && !ObjectData.SameContent(path, data))
            {
                await Error(context, 614, "file exists");
                return false;
            }
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            ObjectData.Write(path, data);
            File.WriteAllText(path + ".hash", hash);
            await Json(context, 200, new JsonObject { ["hash"] = hash, ["key"] = key });
            return true;
        }

        // An object is a manifest of the files holding its bytes (ObjectData); the hash Kodo answered at upload time
        // (qetag or etagV2) is kept beside it in "<object>.hash".
        /// <summary>Read-only: a stored object's bytes, or null if there is none (for the AVA side's model checks).</summary>
        public Stream? OpenObject(string bucket, string key)
        {
            var path = ObjectPath(bucket, key);
            return File.Exists(path) ? ObjectData.Open(path) : null;
        }

        private string ObjectPath(string bucket, string key) => Path.Combine(objects, bucket, UrlSafeBase64.Encode(key));

        private static string? DecodeKey(string encodedKey) => encodedKey == "~" ? null : Encoding.UTF8.GetString(UrlSafeBase64.Decode(encodedKey));

        private static string? UpToken(HttpContext context)
        {
            var header = context.Request.Headers.Authorization.FirstOrDefault();
            return header != null && header.StartsWith("UpToken ", StringComparison.Ordinal) ? header.Substring("UpToken ".Length) : null;
        }

        private void Count(string route) => counts.AddOrUpdate(route, 1, (_, n) => n + 1);

        private static async Task Drain(Stream body)
        {
            try
            {
                await body.CopyToAsync(Stream.Null);
            }
            catch (IOException)
            {
                // The client went away; nothing to answer.
            }
        }

        private static Task Error(HttpContext context, int status, string message) =>
            Json(context, status, new JsonObject { ["error"] = message });

        internal static async Task Json(HttpContext context, int status, JsonObject body)
        {
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(body.ToJsonString());
        }

        private sealed class Upload
        {
            public Upload(string id, string bucket, string? key, DateTimeOffset expireAt)
            {
                Id = id;
                Bucket = bucket;
                Key = key;
                ExpireAt = expireAt;
            }

            public string Id { get; }

            public string Bucket { get; }

            public string? Key { get; }

            public DateTimeOffset ExpireAt { get; }

            public ConcurrentDictionary<int, Part> Parts { get; } = new ConcurrentDictionary<int, Part>();
        }

        private sealed record Part(string Path, string Etag, string Md5, long Size, IReadOnlyList<byte[]> Blocks);
    }
}
