using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace AvaSdk.TestServer
{
    /// <summary>
    /// The platform-side checks behind <see cref="FakeAva"/>, written from the protocol documents: instances counted per
    /// training, model records checked with <see cref="ModelRecordChecker"/>, the probe's body read with
    /// <see cref="LineProtocol"/>, and the AVA-specific faults (<c>/_control/ava/fail</c>).
    /// </summary>
    public sealed class AvaOracle
    {
        private readonly ConcurrentDictionary<string, JsonObject> createdSpecs = new ConcurrentDictionary<string, JsonObject>();
        private readonly ConcurrentDictionary<string, int> created = new ConcurrentDictionary<string, int>();
        private readonly ConcurrentQueue<JsonObject> acceptedModels = new ConcurrentQueue<JsonObject>();
        private readonly ConcurrentQueue<JsonObject> rejectedModels = new ConcurrentQueue<JsonObject>();
        private readonly object probeLock = new object();
        private readonly List<string> metricLines = new List<string>();
        private readonly Dictionary<string, List<LinePoint>> points = new Dictionary<string, List<LinePoint>>();
        private readonly List<JsonObject> probeRejected = new List<JsonObject>();
        private readonly List<AvaFault> faults = new List<AvaFault>();
        private readonly ModelRecordChecker checker;

        public AvaOracle(FakeKodo? kodo)
        {
            checker = new ModelRecordChecker(id => createdSpecs.TryGetValue(id, out var spec) ? spec : null,
                (bucket, key) => kodo?.OpenObject(bucket, key));
        }

        public static readonly string[] Modes = { "create-then-drop", "update-then-drop", "model-then-drop", "probe-code", "probe-then-drop", "probe-not-json" };

        /// <summary>Every raw metric line the probe accepted, in arrival order, all instances together.</summary>
        public string[] MetricLines
        {
            get
            {
                lock (probeLock)
                    return metricLines.ToArray();
            }
        }

        public void InstanceCreated(string training, string id, string body)
        {
            createdSpecs[id] = JsonNode.Parse(body) as JsonObject ?? new JsonObject();
            created.AddOrUpdate(training, 1, (_, n) => n + 1);
        }

        public ModelCheck CheckModel(string body)
        {
            var check = checker.Check(body);
            if (check.Ok)
                acceptedModels.Enqueue(Describe(check, body));
            else
                rejectedModels.Enqueue(new JsonObject { ["error"] = check.Error, ["body"] = body });
            return check;
        }

        /// <summary>True when a fault of this mode is planned for this request (each use counts down).</summary>
        public AvaFault? Take(string mode)
        {
            lock (faults)
            {
                var fault = faults.FirstOrDefault(f => f.Mode == mode && f.Remaining > 0);
                if (fault != null)
                    fault.Remaining--;
                return fault;
            }
        }

        public void Reset()
        {
            created.Clear();
            acceptedModels.Clear();
            rejectedModels.Clear();
            lock (faults)
                faults.Clear();
            lock (probeLock)
            {
                metricLines.Clear();
                points.Clear();
                probeRejected.Clear();
            }
        }

        /// <summary>Instances created per training since the last reset.</summary>
        public Dictionary<string, int> InstancesCreated => created.ToDictionary(p => p.Key, p => p.Value);

        /// <summary>Accepted model records with what the checker found (bucket, key, archive members).</summary>
        public JsonObject[] ModelChecks => acceptedModels.Select(m => (JsonObject)m.DeepClone()).ToArray();

        /// <summary>Refused model records: the error the platform answered and the body.</summary>
        public JsonObject[] RejectedModels => rejectedModels.Select(m => (JsonObject)m.DeepClone()).ToArray();

        /// <summary>Probe bodies refused as malformed: instance id, body, message.</summary>
        public JsonObject[] ProbeRejected
        {
            get
            {
                lock (probeLock)
                    return probeRejected.Select(m => (JsonObject)m.DeepClone()).ToArray();
            }
        }

        public void Map(WebApplication app, Action<HttpContext, string> record)
        {
            app.MapPost("/v1/report/trainings/{id}/metric", (HttpContext c, string id) => Probe(c, id, record));
            app.MapPost("/_control/ava/fail", (HttpContext c) =>
            {
                var query = c.Request.Query;
                var mode = query["mode"].FirstOrDefault() ?? string.Empty;
                if (!Modes.Contains(mode))
                    return Results.Json(new { error = $"mode must be one of {string.Join(", ", Modes)}" }, statusCode: 400);
                int Int(string name, int fallback) => int.TryParse(query[name], out var value) ? value : fallback;
                lock (faults)
                    faults.Add(new AvaFault(mode, Int("count", 1), Int("code", 1)));
                return Results.Ok();
            });
            app.MapGet("/_control/probe", (string? id) =>
            {
                lock (probeLock)
                {
                    if (id != null)
                        return Results.Text(Probe(id).ToJsonString(), "application/json");
                    var all = new JsonObject();
                    foreach (var key in points.Keys)
                        all[key] = Probe(key);
                    return Results.Text(new JsonObject { ["instances"] = all, ["rejected"] = new JsonArray(probeRejected.Select(r => (JsonNode)r.DeepClone()).ToArray()) }.ToJsonString(), "application/json");
                }
            });
        }

        // The probe: Content-Length required (411 otherwise), a strict line-protocol body, JSON answers with a code (0 = stored).
        private async Task Probe(HttpContext c, string id, Action<HttpContext, string> record)
        {
            if (c.Request.ContentLength == null)
            {
                record(c, "(no Content-Length)");
                await Answer(c, 411, new JsonObject { ["code"] = 411, ["message"] = "Content-Length required" });
                return;
            }
            using var buffer = new MemoryStream();
            await c.Request.Body.CopyToAsync(buffer);
            string body;
            try
            {
                body = new UTF8Encoding(false, true).GetString(buffer.ToArray());
            }
            catch (DecoderFallbackException)
            {
                record(c, Convert.ToBase64String(buffer.ToArray()));
                await Reject(c, id, "(not UTF-8)", "body is not valid UTF-8");
                return;
            }
            record(c, body);
            if (c.Items.ContainsKey("drop"))
            {
                c.Abort();
                return;
            }
            var injected = Take("probe-code");
            if (injected != null)
            {
                await Answer(c, 200, new JsonObject { ["code"] = injected.Code, ["message"] = "injected failure" });
                return;
            }
            IReadOnlyList<LinePoint> parsed;
            try
            {
                parsed = LineProtocol.Parse(body);
            }
            catch (LineProtocolException e)
            {
                await Reject(c, id, body, e.Message);
                return;
            }
            if (parsed.Count == 0)
            {
                await Reject(c, id, body, "no points in the body");
                return;
            }
            lock (probeLock)
            {
                if (!points.TryGetValue(id, out var list))
                    points[id] = list = new List<LinePoint>();
                list.AddRange(parsed);
                metricLines.AddRange(parsed.Select(p => p.Raw));
            }
            if (Take("probe-then-drop") != null)
            {
                c.Abort();
                return;
            }
            if (Take("probe-not-json") != null)
            {
                c.Response.StatusCode = 200;
                c.Response.ContentType = "text/plain";
                await c.Response.WriteAsync("ok");
                return;
            }
            await Answer(c, 200, new JsonObject { ["code"] = 0 });
        }

        private async Task Reject(HttpContext c, string id, string body, string message)
        {
            lock (probeLock)
                probeRejected.Add(new JsonObject { ["id"] = id, ["body"] = body, ["message"] = message });
            await Answer(c, 200, new JsonObject { ["code"] = 400, ["message"] = message });
        }

        private JsonObject Probe(string id)
        {
            var list = points.TryGetValue(id, out var found) ? found : new List<LinePoint>();
            return new JsonObject
            {
                ["id"] = id,
                ["lines"] = new JsonArray(list.Select(p => (JsonNode)p.Raw).ToArray()),
                ["points"] = new JsonArray(list.Select(p => (JsonNode)Describe(p)).ToArray()),
            };
        }

        private static JsonObject Describe(LinePoint point)
        {
            var tags = new JsonObject();
            foreach (var (key, value) in point.Tags)
                tags[key] = value;
            var fields = new JsonObject();
            foreach (var (key, value) in point.Fields)
            {
                fields[key] = new JsonObject
                {
                    ["type"] = value.Kind.ToString().ToLowerInvariant(),
                    ["value"] = value.Value switch
                    {
                        double d => JsonValue.Create(d),
                        long l => JsonValue.Create(l),
                        bool b => JsonValue.Create(b),
                        _ => JsonValue.Create((string)value.Value),
                    },
                    ["raw"] = value.Raw,
                    ["suffix"] = value.IntegerSuffix,
                };
            }
            return new JsonObject
            {
                ["measurement"] = point.Measurement,
                ["tags"] = tags,
                ["tagOrder"] = new JsonArray(point.Tags.Select(t => (JsonNode)t.Key).ToArray()),
                ["fields"] = fields,
                ["timestamp"] = point.Timestamp,
                ["raw"] = point.Raw,
            };
        }

        private static JsonObject Describe(ModelCheck check, string body) => new JsonObject
        {
            ["type"] = check.Type,
            ["name"] = check.Name,
            ["uid"] = check.Uid,
            ["bucket"] = check.Bucket,
            ["key"] = check.Key,
            ["defaultKey"] = check.DefaultKey,
            ["instanceId"] = check.InstanceId,
            ["epoch"] = check.Epoch,
            ["batch"] = check.Batch,
            ["members"] = check.Members == null ? null : new JsonArray(check.Members.Select(m => (JsonNode)new JsonObject
            {
                ["name"] = m.Name,
                ["size"] = m.Size,
                ["directory"] = m.IsDirectory,
            }).ToArray()),
            ["record"] = JsonNode.Parse(body),
        };

        private static async Task Answer(HttpContext context, int status, JsonObject body)
        {
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(body.ToJsonString());
        }
    }

    /// <summary>A planned AVA fault: its mode, how many more requests it hits, and the code probe-code answers.</summary>
    public sealed class AvaFault
    {
        public AvaFault(string mode, int count, int code)
        {
            Mode = mode;
            Remaining = count;
            Code = code;
        }

        public string Mode { get; }

        public int Remaining { get; set; }

        public int Code { get; }
    }
}
