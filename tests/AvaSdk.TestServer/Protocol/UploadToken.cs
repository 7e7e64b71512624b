using System;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AvaSdk.TestServer.Protocol
{
    /// <summary>
    /// Upload token (kodo-protocol §1.2–1.3): AK ":" urlsafeB64(HMAC_SHA1(SK, encodedPolicy)) ":" encodedPolicy. The
    /// HMAC is checked over the encoded policy exactly as received, then the JSON is decoded.
    /// </summary>
    public static class UploadToken
    {
        public static string Create(Mac mac, string policyJson) => mac.SignWithData(policyJson);

        /// <summary>Checks a token at time <paramref name="now"/> (Unix seconds): a policy, or the status and message Kodo answers.</summary>
        public static UploadTokenResult Verify(Mac mac, string? token, long now)
        {
            if (string.IsNullOrEmpty(token))
                return UploadTokenResult.Fail(401, "token not specified");
            var parts = token.Split(':');
            if (parts.Length != 3 || parts[0] != mac.AccessKey || !Mac.SameText(parts[1], mac.Digest(parts[2])))
                return UploadTokenResult.Fail(401, "bad token");
            var json = Base64Url.TryDecode(parts[2]);
            JsonObject? policy;
            try
            {
                policy = json == null ? null : JsonNode.Parse(Encoding.UTF8.GetString(json)) as JsonObject;
            }
            catch (JsonException)
            {
                policy = null;
            }
            if (policy == null)
                return UploadTokenResult.Fail(401, "bad token");
            if (policy["scope"] is not JsonValue scopeValue || !scopeValue.TryGetValue<string>(out var scope) || scope.Length == 0)
                return UploadTokenResult.Fail(400, "scope not specified");
            if (!TryLong(policy["deadline"], out var deadline))
                return UploadTokenResult.Fail(401, "bad token");
            if (deadline < now)
                return UploadTokenResult.Fail(401, "token out of date");
            TryLong(policy["isPrefixalScope"], out var prefixal);
            TryLong(policy["insertOnly"], out var insertOnly);
            var colon = scope.IndexOf(':');
            return UploadTokenResult.Ok(new UploadPolicy(policy, scope, colon < 0 ? scope : scope.Substring(0, colon),
                colon < 0 ? null : scope.Substring(colon + 1), prefixal != 0, insertOnly != 0, deadline));
        }

        private static bool TryLong(JsonNode? node, out long value)
        {
            value = 0;
            if (node is not JsonValue v)
                return false;
            if (v.TryGetValue<long>(out value))
                return true;
            if (v.TryGetValue<double>(out var d) && d == Math.Floor(d))
            {
                value = (long)d;
                return true;
            }
            if (v.TryGetValue<bool>(out var b))
            {
                value = b ? 1 : 0;
                return true;
            }
            return false;
        }
    }

    public sealed class UploadTokenResult
    {
        private UploadTokenResult(UploadPolicy? policy, int status, string? error)
        {
            Policy = policy;
            Status = status;
            Error = error;
        }

        public UploadPolicy? Policy { get; }

        public int Status { get; }

        public string? Error { get; }

        public static UploadTokenResult Ok(UploadPolicy policy) => new UploadTokenResult(policy, 200, null);

        public static UploadTokenResult Fail(int status, string error) => new UploadTokenResult(null, status, error);
    }

    /// <summary>What a verified put policy allows.</summary>
    public sealed record UploadPolicy(JsonObject Json, string Scope, string Bucket, string? ScopeKey, bool IsPrefixalScope, bool InsertOnly, long Deadline)
    {
        /// <summary>
        /// Whether the policy admits <paramref name="bucket"/> (null: taken from the scope) and <paramref name="key"/>
        /// (null: no key given): null when it does, else Kodo's 403 message.
        /// </summary>
        public string? CheckTarget(string? bucket, string? key)
        {
            if (bucket != null && bucket != Bucket)
                return "bucket doesn't match with scope";
            if (ScopeKey == null || key == null)
                return null;
            var admitted = IsPrefixalScope ? key.StartsWith(ScopeKey, StringComparison.Ordinal) : key == ScopeKey;
            return admitted ? null : "key doesn't match with scope";
        }

        /// <summary>
        /// Scope "bucket" is insert mode; "bucket:key" (and a prefixal scope) may overwrite unless insertOnly is set.
        /// </summary>
        public bool MayOverwrite => ScopeKey != null && !InsertOnly;

        /// <summary>Whether storing over an existing object is refused with 614 "file exists" (same content always succeeds).</summary>
        public bool Refuses(bool exists, bool sameContent) => exists && !sameContent && !MayOverwrite;
    }
}
