using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.IO.Hashing;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using AvaSdk.TestServer.Protocol;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace AvaSdk.TestServer
{
    /// <summary>
    /// The Kodo subset AvaSdk speaks, as Kodo answers it (docs/kodo-protocol.md).
    ///
    /// Hosts. The server listens on a main address (printed first, "Listening on http://127.0.0.1:P") and on extra
    /// loopback listeners (--extra-ports N, default 4; --addresses 127.0.0.2,… adds one listener per address), printed
    /// as "Also listening on http://…" and listed by GET /_control/hosts. A host is identified by the Host header
    /// exactly as sent (host:port), so each listener is a distinct "domain":
    /// - extra[0] is the default redirect target (/_control/redirect);
    /// - a bucket's io_src domain is a dedicated listener taken from extra[1..] (POST /_control/iosrc?bucket=B, or
    ///   assigned on the bucket's first region query); on that host GET/HEAD /&lt;escaped key&gt;?e=…&amp;token=… is a signed
    ///   download from bucket B;
    /// - POST /_control/wrongregion?host=H&amp;use=U makes uploads sent with Host H answer 400 "incorrect region, please use U".
    /// </summary>
    public sealed class FakeKodo
    {
        private const int MiB = 1024 * 1024;

        private readonly Mac mac;
        private readonly string objects;
        private readonly string uploadsFolder;
        private readonly ConcurrentDictionary<string, Upload> uploads = new ConcurrentDictionary<string, Upload>();
        private readonly FailurePlan failures = new FailurePlan();
        private readonly ConcurrentDictionary<string, int> counts = new ConcurrentDictionary<string, int>();
        private readonly ConcurrentQueue<int> partsReceived = new ConcurrentQueue<int>();
        private readonly ConcurrentQueue<JsonObject> requestLog = new ConcurrentQueue<JsonObject>();
        private readonly ConcurrentQueue<string> downloadTargets = new ConcurrentQueue<string>();
        private readonly List<JsonObject> redirects = new List<JsonObject>();
        private readonly ConcurrentDictionary<string, string> ioSrcByBucket = new ConcurrentDictionary<string, string>();
        private readonly ConcurrentDictionary<string, string> bucketByIoSrc = new ConcurrentDictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        private readonly ConcurrentDictionary<string, string> wrongRegion = new ConcurrentDictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        private readonly object regionLock = new object();
        private RegionConfig region = new RegionConfig();
        private long bytesReceived;
        // Requests being handled: a test waits for none before it resets, so a late request of a cancelled client is not
        // counted in what comes after.
        private int inFlight;
        private int regionQueries;
        private string mainHost = "127.0.0.1";
        private IReadOnlyList<string> extraHosts = Array.Empty<string>();

        public FakeKodo(string accessKey, string secretKey, string data)
        {
            mac = new Mac(accessKey, secretKey);
            objects = Path.Combine(data, "objects");
            uploadsFolder = Path.Combine(data, "uploads");
            Directory.CreateDirectory(objects);
            Directory.CreateDirectory(uploadsFolder);
        }

        /// <summary>The listeners as host:port, once the server has bound them.</summary>
        public void SetHosts(string main, IReadOnlyList<string> extra)
        {
            mainHost = main;
            extraHosts = extra;
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
                Interlocked.Increment(ref inFlight);
                try
                {
                    await Handle(context, next);
                }
                finally
                {
                    Interlocked.Decrement(ref inFlight);
                }
            });
            MapRoutes(app);
        }

        private async Task Handle(HttpContext context, Func<Task> next)
        {
            {
                var request = context.Request;
                var host = request.Host.Value ?? string.Empty;
                var raw = RawTarget(context);
                Count("all");
                var hasAuthorization = request.Headers.ContainsKey("Authorization");
                var hasToken = HasTokenQuery(raw);
                requestLog.Enqueue(new JsonObject
                {
                    ["method"] = request.Method,
                    ["host"] = host,
                    ["target"] = raw,
                    ["authorization"] = hasAuthorization,
                    ["token"] = hasToken,
                });
                NoteRedirectFollowed(host, raw, hasAuthorization, hasToken);

                // Every request with a body carries Content-Length (a chunked body has none).
                if (request.ContentLength == null && request.Headers.TransferEncoding.Count > 0)
                {
                    await Error(context, 411, "Content-Length required");
                    return;
                }

                var failure = failures.Take(request.Method, request.Path.Value ?? "/");
                if (failure?.Kind == FailureKind.Delay)
                    await Task.Delay(failure.DelayMs);
                if (failure?.Kind == FailureKind.Status)
                {
                    await Drain(request.Body);
                    if (failure.RetryAfter > 0)
                        context.Response.Headers["Retry-After"] = failure.RetryAfter.ToString();
                    if (failure.Body != null)
                        await Text(context, failure.Status, failure.ContentType ?? "text/html", failure.Body);
                    else
                        await Error(context, failure.Status, "injected failure");
                    return;
                }
                if (failure?.Kind == FailureKind.Redirect)
                {
                    var target = failure.Target ?? extraHosts.FirstOrDefault() ?? mainHost;
                    lock (redirects)
                        redirects.Add(new JsonObject { ["from"] = host, ["to"] = target, ["target"] = raw, ["followed"] = false });
                    await Drain(request.Body);
                    context.Response.StatusCode = failure.Status is >= 300 and < 400 ? failure.Status : 302;
                    context.Response.Headers.Location = $"{request.Scheme}://{target}{raw}";
                    await context.Response.WriteAsync(string.Empty);
                    return;
                }
                if (failure?.Kind == FailureKind.Drop)
                    context.Items["drop"] = true;
                if (failure?.Kind == FailureKind.Stall)
                    context.Items["stall"] = failure;

                var isGet = HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method);
                var rawPath = raw.Split('?')[0];
                if (wrongRegion.TryGetValue(host, out var use) && !isGet && (rawPath == "/" || rawPath.StartsWith("/buckets/", StringComparison.Ordinal)))
                {
                    await Drain(request.Body);
                    await Error(context, 400, $"incorrect region, please use {use}");
                    return;
                }
                // Downloads take the key from the raw request target, percent-decoded once, dot segments kept.
                if (isGet && bucketByIoSrc.TryGetValue(host, out var ioBucket))
                {
                    await Download(context, ioBucket, Unescape(rawPath.Substring(1)), signed: true);
                    return;
                }
                if (isGet && TrySplitDownload(rawPath, "/download/", out var bucket, out var key))
                {
                    await Download(context, bucket, key, signed: true);
                    return;
                }
                if (isGet && TrySplitDownload(rawPath, "/public/", out bucket, out key))
                {
                    await Download(context, bucket, key, signed: false);
                    return;
                }
                await next();
            }
        }

        private void MapRoutes(WebApplication app)
        {
            app.MapPost("/_control/fail", (HttpContext c) => Plan(c, FailureKind.Status));
            app.MapPost("/_control/drop", (HttpContext c) => Plan(c, FailureKind.Drop));
            app.MapPost("/_control/delay", (HttpContext c) => Plan(c, FailureKind.Delay));
            app.MapPost("/_control/stall", (HttpContext c) => Plan(c, FailureKind.Stall));
            app.MapPost("/_control/redirect", (HttpContext c) => Plan(c, FailureKind.Redirect));
            app.MapPost("/_control/reset", () =>
            {
                failures.Clear();
                counts.Clear();
                while (partsReceived.TryDequeue(out _)) { }
                requestLog.Clear();
                downloadTargets.Clear();
                lock (redirects)
                    redirects.Clear();
                wrongRegion.Clear();
                lock (regionLock)
                    region = new RegionConfig();
                Interlocked.Exchange(ref regionQueries, 0);
                Interlocked.Exchange(ref bytesReceived, 0);
                return Results.Ok();
            });
            app.MapGet("/_control/stats", () =>
            {
                JsonArray redirected;
                lock (redirects)
                    redirected = new JsonArray(redirects.Select(r => (JsonNode)r.DeepClone()).ToArray());
                return Results.Json(new
                {
                    requests = counts.ToDictionary(p => p.Key, p => p.Value),
                    parts = partsReceived.ToArray(),
                    bytesReceived = Interlocked.Read(ref bytesReceived),
                    inFlight = Volatile.Read(ref inFlight),
                    uploads = uploads.Count,
                    regionQueries = Volatile.Read(ref regionQueries),
                    downloadTargets = downloadTargets.ToArray(),
                    redirects = redirected,
                });
            });
            app.MapGet("/_control/requests", () => Results.Json(requestLog.ToArray()));
            app.MapGet("/_control/object", (string bucket, string key) =>
            {
                var path = ObjectPath(bucket, key);
                return File.Exists(path)
                    ? Results.Json(new { hash = File.ReadAllText(path + ".hash"), size = ObjectData.Length(path) })
                    : Results.NotFound();
            });
            app.MapGet("/_control/hosts", () => Results.Json(new
            {
                main = mainHost,
                extra = extraHosts,
                ioSrc = ioSrcByBucket.ToDictionary(p => p.Key, p => p.Value),
                wrongRegion = wrongRegion.ToDictionary(p => p.Key, p => p.Value),
            }));
            app.MapPost("/_control/iosrc", (string bucket) =>
            {
                var host = IoSrcHost(bucket);
                return host == null ? Results.Json(new { error = "no free listener: start with a larger --extra-ports" }, statusCode: 409) : Results.Json(new { bucket, host });
            });
            app.MapPost("/_control/wrongregion", (string host, string? use) =>
            {
                wrongRegion[host] = string.IsNullOrEmpty(use) ? mainHost : use;
                return Results.Ok();
            });
            app.MapPost("/_control/region", (HttpContext c) =>
            {
                var query = c.Request.Query;
                List<string>? List(string name) => query.ContainsKey(name)
                    ? query[name].ToString().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList()
                    : null;
                lock (regionLock)
                {
                    region = new RegionConfig
                    {
                        Ttl = int.TryParse(query["ttl"], out var ttl) ? ttl : region.Ttl,
                        Up = List("up") ?? region.Up,
                        Old = List("old") ?? region.Old,
                        Io = List("io") ?? region.Io,
                        Rs = List("rs") ?? region.Rs,
                        Uc = List("uc") ?? region.Uc,
                        Region = query.ContainsKey("region") ? query["region"].ToString() : region.Region,
                    };
                }
                return Results.Ok();
            });
            app.MapPost("/_control/expire", (string? uploadId) =>
            {
                foreach (var upload in uploads.Values.Where(u => uploadId == null || u.Id == uploadId))
                    upload.ExpireAt = DateTimeOffset.UtcNow.AddSeconds(-1);
                return Results.Ok();
            });

            app.MapGet("/v4/query", RegionQuery);
            app.MapPost("/", FormUpload);
            app.MapPost("/buckets/{bucket}/objects/{encodedKey}/uploads", InitiateMultipart);
            app.MapPut("/buckets/{bucket}/objects/{encodedKey}/uploads/{uploadId}/{partNumber}", UploadPart);
            app.MapPost("/buckets/{bucket}/objects/{encodedKey}/uploads/{uploadId}", CompleteMultipart);
            app.MapGet("/buckets/{bucket}/objects/{encodedKey}/uploads/{uploadId}", ListParts);
            app.MapDelete("/buckets/{bucket}/objects/{encodedKey}/uploads/{uploadId}", AbortMultipart);
        }

        private IResult Plan(HttpContext context, FailureKind kind)
        {
            var query = context.Request.Query;
            int Int(string name, int fallback) => int.TryParse(query[name], out var value) ? value : fallback;
            var status = Int("status", kind == FailureKind.Redirect ? 302 : 503);
            failures.Add(new Failure(kind, Int("count", 1), status, Int("ms", 1000), query["path"].FirstOrDefault(), query["method"].FirstOrDefault(), Int("retryAfter", 0))
            {
                Resume = query["resume"] == "1" || query["resume"] == "true",
                Target = query["to"].FirstOrDefault(),
                Body = query["body"].FirstOrDefault(),
                ContentType = query["contentType"].FirstOrDefault(),
            });
            return Results.Ok();
        }

        // ---- region query (§7.1) ----

        private async Task RegionQuery(HttpContext context)
        {
            Count("query");
            Interlocked.Increment(ref regionQueries);
            var ak = context.Request.Query["ak"].FirstOrDefault();
            var bucket = context.Request.Query["bucket"].FirstOrDefault();
            if (string.IsNullOrEmpty(ak) || string.IsNullOrEmpty(bucket))
            {
                await Error(context, 400, "invalid argument");
                return;
            }
            if (ak != mac.AccessKey)
            {
                await Error(context, 612, "app/accesskey is not found");
                return;
            }
            RegionConfig config;
            lock (regionLock)
                config = region;
            var ioSrc = IoSrcHost(bucket);
            JsonObject Domains(IEnumerable<string> hosts) => new JsonObject { ["domains"] = new JsonArray(hosts.Select(h => (JsonNode)h).ToArray()) };
            var main = new[] { mainHost };
            var up = Domains(config.Up ?? main.ToList());
            up["old"] = new JsonArray((config.Old ?? new List<string>()).Select(h => (JsonNode)h).ToArray());
            var entry = new JsonObject
            {
                ["region"] = config.Region,
                ["ttl"] = config.Ttl,
                ["up"] = up,
                ["io"] = Domains(config.Io ?? main.ToList()),
                ["io_src"] = Domains(ioSrc == null ? Array.Empty<string>() : new[] { ioSrc }),
                ["rs"] = Domains(config.Rs ?? main.ToList()),
                ["rsf"] = Domains(config.Rs ?? main.ToList()),
                ["api"] = Domains(config.Rs ?? main.ToList()),
                ["uc"] = Domains(config.Uc ?? main.ToList()),
            };
            await Json(context, 200, new JsonObject { ["hosts"] = new JsonArray(entry) });
        }

        // The io_src listener of a bucket: extra[1..], one per bucket, assigned once.
        private string? IoSrcHost(string bucket)
        {
            lock (ioSrcByBucket)
            {
                if (ioSrcByBucket.TryGetValue(bucket, out var host))
                    return host;
                host = extraHosts.Skip(1).FirstOrDefault(h => !bucketByIoSrc.ContainsKey(h));
                if (host == null)
                    return null;
                ioSrcByBucket[bucket] = host;
                bucketByIoSrc[host] = bucket;
                return host;
            }
        }

        private sealed class RegionConfig
        {
            public int Ttl { get; init; } = 86400;
            public string Region { get; init; } = "z0";
            public List<string>? Up { get; init; }
            public List<string>? Old { get; init; }
            public List<string>? Io { get; init; }
            public List<string>? Rs { get; init; }
            public List<string>? Uc { get; init; }
        }

        // ---- form upload (§4) ----

        // Streams the form as Kodo does: the file written once while it is hashed. Field names must be quoted; fields
        // may come in any order (docs and C# put file last, Go appends custom fields after it, also accepted).
        private async Task FormUpload(HttpContext context)
        {
            Count("form");
            string? boundary = null;
            if (context.Request.HasFormContentType && MediaTypeHeaderValue.TryParse(context.Request.ContentType, out var mediaType) &&
                string.Equals(mediaType.MediaType.Value, "multipart/form-data", StringComparison.OrdinalIgnoreCase))
                boundary = HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value;
            if (string.IsNullOrEmpty(boundary))
            {
                await Drain(context.Request.Body);
                await Error(context, 400, "invalid multipart format");
                return;
            }
            var length = context.Request.ContentLength ?? 0;
            var dropAfter = context.Items.ContainsKey("drop") ? length / 2 : long.MaxValue;
            var stall = context.Items["stall"] as Failure;
            var stallAfter = stall != null ? length / 2 : long.MaxValue;
            var reader = new MultipartReader(boundary, context.Request.Body);
            string? key = null, token = null, temp = null, hash = null, crcField = null;
            uint crc = 0;
            var fields = new HashSet<string>(StringComparer.Ordinal);
            try
            {
                MultipartSection? section;
                while ((section = await reader.ReadNextSectionAsync()) != null)
                {
                    var name = QuotedFormName(section.ContentDisposition);
                    if (name == null || !fields.Add(name))
                    {
                        await Drain(context.Request.Body);
                        await Error(context, 400, "invalid multipart format");
                        return;
                    }
                    if (name != "file")
                    {
                        var value = await new StreamReader(section.Body).ReadToEndAsync();
                        if (name == "key")
                            key = value;
                        else if (name == "token")
                            token = value;
                        else if (name == "crc32")
                            crcField = value;
                        continue;
                    }
                    temp = Path.Combine(uploadsFolder, Guid.NewGuid().ToString("N"));
                    using var etag = new Etag();
                    var crc32 = new Crc32();
                    using (var target = File.Create(temp))
                    {
                        var buffer = new byte[1024 * 1024];
                        int read;
                        long total = 0;
                        while ((read = await section.Body.ReadAsync(buffer)) > 0)
                        {
                            etag.Append(buffer, 0, read);
                            crc32.Append(buffer.AsSpan(0, read));
                            await target.WriteAsync(buffer.AsMemory(0, read));
                            total += read;
                            if (total >= dropAfter)
                            {
                                context.Abort();
                                return;
                            }
                            if (total >= stallAfter)
                            {
                                await StallThenAbort(context, stall!);
                                if (!stall!.Resume)
                                    return;
                                stallAfter = long.MaxValue;
                            }
                        }
                        Interlocked.Add(ref bytesReceived, total);
                    }
                    hash = etag.Finish();
                    crc = crc32.GetCurrentHashAsUInt32();
                }
            }
            catch (Exception) when (context.RequestAborted.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is IOException or InvalidDataException or FormatException)
            {
                await Error(context, 400, "invalid multipart format");
                return;
            }
            var policy = await Authorize(context, token, key, null);
            if (policy == null)
                return;
            if (temp == null || hash == null)
            {
                await Error(context, 400, "file not specified");
                return;
            }
            if (crcField != null && (!uint.TryParse(crcField, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var expected) || expected != crc))
            {
                File.Delete(temp);
                await Error(context, 406, "crc32 not match");
                return;
            }
            await Store(context, policy, key ?? hash, new[] { temp }, hash);
        }

        // The name of a "form-data" part, which must be quoted (name="token"); null for anything else.
        private static string? QuotedFormName(string? disposition)
        {
            if (disposition == null)
                return null;
            var match = System.Text.RegularExpressions.Regex.Match(disposition,
                @"^\s*form-data\s*(;\s*[A-Za-z0-9*_.-]+\s*=\s*(""[^""]*""|[^;""\s]*)\s*)*$", System.Text.RegularExpressions.RegexOptions.IgnoreCase);
            if (!match.Success)
                return null;
            foreach (System.Text.RegularExpressions.Capture parameter in match.Groups[1].Captures)
            {
                var text = parameter.Value.TrimStart(';', ' ', '\t');
                var equals = text.IndexOf('=');
                if (!text.Substring(0, equals).Trim().Equals("name", StringComparison.OrdinalIgnoreCase))
                    continue;
                var value = text.Substring(equals + 1).Trim();
                return value.Length >= 2 && value[0] == '"' && value[^1] == '"' ? value.Substring(1, value.Length - 2) : null;
            }
            return null;
        }

        // ---- multipart v2 (§5.2) ----

        private async Task InitiateMultipart(HttpContext context, string bucket, string encodedKey)
        {
            Count("init");
            if (!TryDecodeKey(encodedKey, out var key))
            {
                await Error(context, 400, "invalid encoded object name");
                return;
            }
            var policy = await Authorize(context, UpToken(context), key, bucket);
            if (policy == null)
                return;
            var upload = new Upload(Guid.NewGuid().ToString("N"), bucket, key, DateTimeOffset.UtcNow.AddDays(7));
            uploads[upload.Id] = upload;
            Directory.CreateDirectory(Path.Combine(uploadsFolder, upload.Id));
            await Json(context, 200, new JsonObject { ["uploadId"] = upload.Id, ["expireAt"] = upload.ExpireAt.ToUnixTimeSeconds() });
        }

        private bool TryUpload(string uploadId, string bucket, string? key, out Upload upload) =>
            uploads.TryGetValue(uploadId, out upload!) && upload.Bucket == bucket && upload.Key == key && upload.ExpireAt > DateTimeOffset.UtcNow;

        private async Task UploadPart(HttpContext context, string bucket, string encodedKey, string uploadId, string partNumber)
        {
            Count("part");
            if (!TryDecodeKey(encodedKey, out var key))
            {
                await Drain(context.Request.Body);
                await Error(context, 400, "invalid encoded object name");
                return;
            }
            if (await Authorize(context, UpToken(context), key, bucket) == null)
                return;
            if (!TryUpload(uploadId, bucket, key, out var upload))
            {
                await Drain(context.Request.Body);
                await Error(context, 612, "no such uploadId");
                return;
            }
            if (!int.TryParse(partNumber, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number) || number < 1 || number > 10000)
            {
                await Drain(context.Request.Body);
                await Error(context, 400, "invalid partNumber");
                return;
            }
            var path = Path.Combine(uploadsFolder, uploadId, $"{number}.{Guid.NewGuid():N}");
            string md5;
            IReadOnlyList<byte[]> blocks;
            var stall = context.Items["stall"] as Failure;
            using (var target = File.Create(path))
            using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.MD5))
            using (var etag = new Etag())
            {
                var buffer = new byte[81920];
                var length = context.Request.ContentLength ?? 0;
                long total = 0, dropAfter = context.Items.ContainsKey("drop") ? length / 2 : long.MaxValue;
                var stallAfter = stall != null ? length / 2 : long.MaxValue;
                int read;
                try
                {
                    while ((read = await context.Request.Body.ReadAsync(buffer)) > 0)
                    {
                        target.Write(buffer, 0, read);
                        hash.AppendData(buffer, 0, read);
                        etag.Append(buffer, 0, read);
                        total += read;
                        if (total >= dropAfter)
                        {
                            context.Abort();
                            return;
                        }
                        if (total >= stallAfter)
                        {
                            await StallThenAbort(context, stall!);
                            if (!stall!.Resume)
                                return;
                            stallAfter = long.MaxValue;
                        }
                    }
                }
                catch (Exception) when (context.RequestAborted.IsCancellationRequested)
                {
                    return;
                }
                md5 = Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant();
                blocks = etag.BlockDigests();
                Interlocked.Add(ref bytesReceived, total);
            }
            // Content-MD5 is the lowercase hex md5 of the part (all SDKs send hex, not RFC 1864 base64).
            var expected = context.Request.Headers["Content-MD5"].FirstOrDefault();
            if (expected != null && expected != md5)
            {
                File.Delete(path);
                await Error(context, 400, "Content-MD5 mismatch");
                return;
            }
            var etagValue = "etag-" + md5.Substring(0, 12) + "-" + Guid.NewGuid().ToString("N").Substring(0, 8);
            upload.Parts[number] = new Part(path, etagValue, md5, new FileInfo(path).Length, blocks);
            partsReceived.Enqueue(number);
            await Json(context, 200, new JsonObject { ["etag"] = etagValue, ["md5"] = md5 });
        }

        private async Task CompleteMultipart(HttpContext context, string bucket, string encodedKey, string uploadId)
        {
            Count("complete");
            if (!TryDecodeKey(encodedKey, out var key))
            {
                await Error(context, 400, "invalid encoded object name");
                return;
            }
            var policy = await Authorize(context, UpToken(context), key, bucket);
            if (policy == null)
                return;
            if (!TryUpload(uploadId, bucket, key, out var upload))
            {
                await Error(context, 612, "no such uploadId");
                return;
            }
            List<(int Number, string Etag)>? requested;
            try
            {
                var body = await JsonNode.ParseAsync(context.Request.Body);
                requested = body?["parts"]?.AsArray().Select(p => (Number: (int)p!["partNumber"]!, Etag: (string)p["etag"]!)).ToList();
            }
            catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or FormatException or NullReferenceException)
            {
                await Error(context, 400, "invalid argument");
                return;
            }
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
                if (i < requested.Count - 1 && part.Size < MiB)
                {
                    await Error(context, 400, $"part {requested[i].Number} is smaller than 1 MiB");
                    return;
                }
            }
            // Like Kodo, completing stitches the parts together without copying them: they become the object's data.
            var parts = requested.Select(r => upload.Parts[r.Number]).ToList();
            var hash = Etag.ForParts(parts.Select(p => (p.Size, p.Blocks)).ToList());
            if (await Store(context, policy, key ?? hash, parts.Select(p => p.Path).ToList(), hash))
                uploads.TryRemove(uploadId, out _);
        }

        private async Task ListParts(HttpContext context, string bucket, string encodedKey, string uploadId)
        {
            Count("list");
            if (!TryDecodeKey(encodedKey, out var key))
            {
                await Error(context, 400, "invalid encoded object name");
                return;
            }
            if (await Authorize(context, UpToken(context), key, bucket) == null)
                return;
            if (!TryUpload(uploadId, bucket, key, out var upload))
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
            if (!TryDecodeKey(encodedKey, out var key))
            {
                await Error(context, 400, "invalid encoded object name");
                return;
            }
            if (await Authorize(context, UpToken(context), key, bucket) == null)
                return;
            if (!TryUpload(uploadId, bucket, key, out _) || !uploads.TryRemove(uploadId, out _))
            {
                await Error(context, 612, "no such uploadId");
                return;
            }
            Directory.Delete(Path.Combine(uploadsFolder, uploadId), recursive: true);
            await Json(context, 200, new JsonObject());
        }

        // ---- downloads (§3, §7.4) ----

        private async Task Download(HttpContext context, string bucket, string key, bool signed)
        {
            Count("download");
            var raw = RawTarget(context);
            downloadTargets.Enqueue(raw);
            if (signed)
            {
                // The signature covers the URL exactly as received: scheme://Host header + raw request target.
                var error = PrivateUrl.Verify(mac, $"{context.Request.Scheme}://{context.Request.Host.Value}{raw}", DateTimeOffset.UtcNow.ToUnixTimeSeconds());
                if (error != null)
                {
                    await Error(context, 401, error);
                    return;
                }
            }
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
                if (!long.TryParse(bounds[0], out start))
                    start = 0;
                if (bounds.Length > 1 && bounds[1].Length > 0 && long.TryParse(bounds[1], out var last))
                    end = Math.Min(end, last);
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
            var count = end - start + 1;
            context.Response.ContentLength = count;
            if (HttpMethods.IsHead(context.Request.Method))
                return;
            var dropAfter = context.Items.ContainsKey("drop") ? count / 2 : long.MaxValue;
            var stall = context.Items["stall"] as Failure;
            var stallAfter = stall != null ? count / 2 : long.MaxValue;
            using var source = ObjectData.Open(path);
            source.Position = start;
            var buffer = new byte[256 * 1024];
            long sent = 0;
            try
            {
                while (sent < count)
                {
                    if (sent >= stallAfter)
                    {
                        await context.Response.Body.FlushAsync();
                        await StallThenAbort(context, stall!);
                        if (!stall!.Resume)
                            return;
                        stallAfter = long.MaxValue;
                    }
                    var limit = Math.Min(Math.Min(buffer.Length, count - sent), Math.Min(dropAfter, stallAfter) - sent);
                    if (limit <= 0)
                        limit = Math.Min(buffer.Length, count - sent);
                    var read = await source.ReadAsync(buffer.AsMemory(0, (int)limit));
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
            catch (Exception) when (context.RequestAborted.IsCancellationRequested)
            {
                // The client went away.
            }
        }

        // Silence for the planned time with the connection open; then cut it, unless the plan says resume.
        private static async Task StallThenAbort(HttpContext context, Failure stall)
        {
            try
            {
                await Task.Delay(stall.DelayMs, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            if (!stall.Resume)
                context.Abort();
        }

        // ---- tokens ----

        private async Task<UploadPolicy?> Authorize(HttpContext context, string? token, string? key, string? bucket)
        {
            var result = UploadToken.Verify(mac, token, DateTimeOffset.UtcNow.ToUnixTimeSeconds());
            if (result.Policy == null)
            {
                await Drain(context.Request.Body);
                await Error(context, result.Status, result.Error!);
                return null;
            }
            var refused = result.Policy.CheckTarget(bucket, key);
            if (refused != null)
            {
                await Drain(context.Request.Body);
                await Error(context, 403, refused);
                return null;
            }
            return result.Policy;
        }

        private async Task<bool> Store(HttpContext context, UploadPolicy policy, string key, IReadOnlyList<string> data, string hash)
        {
            var path = ObjectPath(policy.Bucket, key);
            var exists = File.Exists(path);
            if (policy.Refuses(exists, exists && ObjectData.SameContent(path, data)))
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

        private string ObjectPath(string bucket, string key) => Path.Combine(objects, Base64Url.Encode(bucket), Base64Url.Encode(key));

        // EncodedObjectName: urlsafeB64(UTF-8 key) with padding, or "~" for no key.
        private static bool TryDecodeKey(string encodedKey, out string? key)
        {
            key = null;
            if (encodedKey == "~")
                return true;
            var bytes = Base64Url.TryDecode(encodedKey);
            if (bytes == null)
                return false;
            key = Encoding.UTF8.GetString(bytes);
            return true;
        }

        private static string? UpToken(HttpContext context)
        {
            var header = context.Request.Headers.Authorization.FirstOrDefault();
            return header != null && header.StartsWith("UpToken ", StringComparison.Ordinal) ? header.Substring("UpToken ".Length) : null;
        }

        // ---- raw targets ----

        /// <summary>The request target exactly as sent (Kestrel's Path has dot segments removed and is decoded).</summary>
        internal static string RawTarget(HttpContext context)
        {
            var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
            return string.IsNullOrEmpty(raw) ? context.Request.Path.ToUriComponent() + context.Request.QueryString : raw;
        }

        private static bool HasTokenQuery(string raw)
        {
            var q = raw.IndexOf('?');
            return q >= 0 && raw.Substring(q + 1).Split('&').Any(p => p.StartsWith("token=", StringComparison.Ordinal));
        }

        private static string Unescape(string text)
        {
            try
            {
                return Uri.UnescapeDataString(text);
            }
            catch (UriFormatException)
            {
                return text;
            }
        }

        // "/download/<bucket>/<escaped key>": bucket and key percent-decoded once, nothing else touched.
        private static bool TrySplitDownload(string rawPath, string prefix, out string bucket, out string key)
        {
            bucket = key = string.Empty;
            if (!rawPath.StartsWith(prefix, StringComparison.Ordinal))
                return false;
            var rest = rawPath.Substring(prefix.Length);
            var slash = rest.IndexOf('/');
            if (slash <= 0)
                return false;
            bucket = Unescape(rest.Substring(0, slash));
            key = Unescape(rest.Substring(slash + 1));
            return true;
        }

        private void NoteRedirectFollowed(string host, string raw, bool authorization, bool token)
        {
            lock (redirects)
            {
                var pending = redirects.FirstOrDefault(r => !(bool)r["followed"]! && (string)r["to"]! == host && (string)r["target"]! == raw);
                if (pending == null)
                    return;
                pending["followed"] = true;
                pending["authorization"] = authorization;
                pending["token"] = token;
            }
        }

        private void Count(string route) => counts.AddOrUpdate(route, 1, (_, n) => n + 1);

        private static async Task Drain(Stream body)
        {
            try
            {
                await body.CopyToAsync(Stream.Null);
            }
            catch (Exception e) when (e is IOException or BadHttpRequestException or OperationCanceledException)
            {
                // The client went away; nothing to answer.
            }
        }

        private static Task Error(HttpContext context, int status, string message) =>
            Json(context, status, new JsonObject { ["error"] = message });

        private static async Task Text(HttpContext context, int status, string contentType, string body)
        {
            context.Response.StatusCode = status;
            context.Response.ContentType = contentType;
            var bytes = Encoding.UTF8.GetBytes(body);
            context.Response.ContentLength = bytes.Length;
            await context.Response.Body.WriteAsync(bytes);
        }

        internal static async Task Json(HttpContext context, int status, JsonObject body)
        {
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            var bytes = Encoding.UTF8.GetBytes(body.ToJsonString());
            context.Response.ContentLength = bytes.Length;
            await context.Response.Body.WriteAsync(bytes);
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

            public DateTimeOffset ExpireAt { get; set; }

            public ConcurrentDictionary<int, Part> Parts { get; } = new ConcurrentDictionary<int, Part>();
        }

        private sealed record Part(string Path, string Etag, string Md5, long Size, IReadOnlyList<byte[]> Blocks);
    }
}
