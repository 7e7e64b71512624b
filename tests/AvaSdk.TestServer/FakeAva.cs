using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using AvaSdk.TestServer.Protocol;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace AvaSdk.TestServer
{
    /// <summary>
    /// The AVA platform's API and probe as a training container sees them: every API request must carry a valid
    /// Qiniu v2 signature (else 401); instances, models and metric lines are recorded for the tests to inspect.
    /// </summary>
    public sealed class FakeAva
    {
        private readonly string accessKey;
        private readonly Mac credentials;
        private readonly ConcurrentQueue<JsonObject> requests = new ConcurrentQueue<JsonObject>();
        private readonly ConcurrentDictionary<string, JsonObject> instances = new ConcurrentDictionary<string, JsonObject>();
        private readonly ConcurrentQueue<JsonNode> models = new ConcurrentQueue<JsonNode>();
        private AvaOracle oracle = new AvaOracle(null);
        private int nextId;

        public FakeAva(string accessKey, string secretKey)
        {
            this.accessKey = accessKey;
            credentials = new Mac(accessKey, secretKey);
        }

        /// <summary>Where model files are looked up (AvaOracle checks them); set before Map.</summary>
        public FakeKodo? Kodo { get; init; }

        public void Map(WebApplication app)
        {
            oracle = new AvaOracle(Kodo);
            app.MapPost("/v1/trainings/{training}/instances", async (HttpContext c, string training) =>
            {
                var body = await Authorized(c);
                if (body == null)
                    return;
                var id = $"{0x5a8f83b0:x8}{Guid.NewGuid():N}".Substring(0, 16) + (System.Threading.Interlocked.Increment(ref nextId)).ToString("x8");
                var instance = JsonNode.Parse(body)!.AsObject();
                instance["id"] = id;
                instances[$"{training}/{id}"] = instance;
                oracle.InstanceCreated(training, id, body);
                if (oracle.Take("create-then-drop") != null)
                {
                    c.Abort();
                    return;
                }
                await Json(c, 200, new JsonObject { ["id"] = id, ["status"] = instance["status"]?.DeepClone() });
            });
            app.MapGet("/v1/trainings/{training}/instances/{id}", async (HttpContext c, string training, string id) =>
            {
                if (await Authorized(c) == null)
                    return;
                if (instances.TryGetValue($"{training}/{id}", out var instance))
                    await Json(c, 200, (JsonObject)instance.DeepClone());
                else
                    await Json(c, 404, new JsonObject { ["error"] = "training instance not found" });
            });
            app.MapPut("/v1/trainings/{training}/instances/{id}", async (HttpContext c, string training, string id) =>
            {
                var body = await Authorized(c);
                if (body == null)
                    return;
                if (!instances.ContainsKey($"{training}/{id}"))
                {
                    await Json(c, 404, new JsonObject { ["error"] = "training instance not found" });
                    return;
                }
                instances[$"{training}/{id}"] = JsonNode.Parse(body)!.AsObject();
                if (oracle.Take("update-then-drop") != null)
                {
                    c.Abort();
                    return;
                }
                await Json(c, 200, new JsonObject());
            });
            app.MapPost("/v1/models", async (HttpContext c) =>
            {
                var body = await Authorized(c);
                if (body == null)
                    return;
                var check = oracle.CheckModel(body);
                if (!check.Ok)
                {
                    await Json(c, 400, new JsonObject { ["error"] = "invalid model record: " + check.Error });
                    return;
                }
                models.Enqueue(JsonNode.Parse(body)!);
                if (oracle.Take("model-then-drop") != null)
                {
                    c.Abort();
                    return;
                }
                await Json(c, 200, new JsonObject { ["id"] = Guid.NewGuid().ToString("N").Substring(0, 24) });
            });
            // The probe takes line protocol without authentication and answers a JSON code, 0 for success (AvaOracle).
            oracle.Map(app, (c, body) => Record(c, body, signed: null));
            app.MapPost("/_control/ava/reset", () =>
            {
                requests.Clear();
                models.Clear();
                oracle.Reset();
                return Results.Ok();
            });
            app.MapGet("/_control/ava", () => Results.Json(new
            {
                requests = requests.ToArray(),
                instances = instances.ToDictionary(p => p.Key, p => p.Value),
                models = models.ToArray(),
                metrics = oracle.MetricLines,
                instancesCreated = oracle.InstancesCreated,
                instanceCounts = instances.Keys.GroupBy(k => k.Substring(0, k.LastIndexOf('/'))).ToDictionary(g => g.Key, g => g.Count()),
                modelChecks = oracle.ModelChecks,
                rejectedModels = oracle.RejectedModels,
                probeRejected = oracle.ProbeRejected,
            }));
        }

        // Checks "Authorization: Qiniu AK:sign" against the exact bytes the v2 signature covers; null after a 401.
        private async Task<string?> Authorized(HttpContext context)
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer);
            var body = buffer.ToArray();
            var request = context.Request;
            var headers = request.Headers.SelectMany(h => h.Value.Select(v => new KeyValuePair<string, string>(h.Key, v ?? string.Empty))).ToList();
            var refused = RequestSignature.VerifyQiniu(credentials, new SignedRequest(request.Method, request.Host.Value ?? string.Empty,
                FakeKodo.RawTarget(context), request.ContentType, headers, body, request.Headers.Authorization.ToString()), DateTimeOffset.UtcNow);
            var signed = refused == null;
            var text = Encoding.UTF8.GetString(body);
            Record(context, text, signed);
            if (signed)
                return text;
            await Json(context, refused!.Value.Status, new JsonObject { ["error"] = refused.Value.Error });
            return null;
        }

        private void Record(HttpContext context, string body, bool? signed) => requests.Enqueue(new JsonObject
        {
            ["method"] = context.Request.Method,
            ["path"] = context.Request.Path.Value,
            ["body"] = body,
            ["signed"] = signed,
        });

        private static Task Json(HttpContext context, int status, JsonObject body) => FakeKodo.Json(context, status, body);
    }
}
