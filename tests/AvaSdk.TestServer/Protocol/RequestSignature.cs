using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace AvaSdk.TestServer.Protocol
{
    /// <summary>A request as it arrived, for signature checks: everything taken from the wire, nothing re-encoded.</summary>
    public sealed record SignedRequest(
        string Method,
        string Host,
        string PathAndQuery,
        string? ContentType,
        IReadOnlyList<KeyValuePair<string, string>> Headers,
        byte[] Body,
        string? Authorization);

    public enum DuplicateHeader
    {
        /// <summary>Go: the first value of a repeated header.</summary>
        First,

        /// <summary>Java: the last value of a repeated header.</summary>
        Last,
    }

    /// <summary>Management request signatures: QBox (kodo-protocol §2.1) and Qiniu v2 (§2.2).</summary>
    public static class RequestSignature
    {
        public const string DateHeader = "X-Qiniu-Date";

        public static readonly TimeSpan AllowedSkew = TimeSpan.FromMinutes(15);

        // ---- canonical names (T20) ----

        private static bool IsTokenChar(char c) =>
            c < 128 && (char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".IndexOf(c) >= 0);

        /// <summary>
        /// MIME-style canonical header name: first letter and each letter after '-' upper-case, the rest lower-case;
        /// a name holding any character outside the HTTP token set is returned unchanged.
        /// </summary>
        public static string CanonicalHeaderName(string name)
        {
            if (name.Length == 0 || name.Any(c => !IsTokenChar(c)))
                return name;
            var result = new StringBuilder(name.Length);
            var upper = true;
            foreach (var c in name)
            {
                result.Append(upper ? char.ToUpperInvariant(c) : char.ToLowerInvariant(c));
                upper = c == '-';
            }
            return result.ToString();
        }

        // ---- X-Qiniu-Date (T22) ----

        public static string FormatDate(DateTimeOffset time) => time.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

        public static bool TryParseDate(string text, out DateTimeOffset time) =>
            DateTimeOffset.TryParseExact(text, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out time);

        // ---- Qiniu v2 ----

        /// <summary>The v2 string to sign (§2.2), exactly.</summary>
        public static byte[] QiniuStringToSign(string method, string host, string pathAndQuery, string? contentType,
            IEnumerable<KeyValuePair<string, string>> headers, byte[]? body, DuplicateHeader duplicates = DuplicateHeader.First)
        {
            var text = new StringBuilder();
            text.Append(method.ToUpperInvariant()).Append(' ').Append(pathAndQuery).Append('\n');
            text.Append("Host: ").Append(host).Append('\n');
            if (contentType != null)
                text.Append("Content-Type: ").Append(contentType).Append('\n');
            var qiniu = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (var header in headers)
            {
                var name = CanonicalHeaderName(header.Key);
                if (name.Length <= "X-Qiniu-".Length || !name.StartsWith("X-Qiniu-", StringComparison.Ordinal))
                    continue;
                if (duplicates == DuplicateHeader.Last || !qiniu.ContainsKey(name))
                    qiniu[name] = header.Value;
            }
            foreach (var header in qiniu)
                text.Append(header.Key).Append(": ").Append(header.Value).Append('\n');
            text.Append('\n');
            var head = Encoding.UTF8.GetBytes(text.ToString());
            if (contentType == null || body == null || body.Length == 0 ||
                string.Equals(MediaType(contentType), "application/octet-stream", StringComparison.OrdinalIgnoreCase))
                return head;
            return head.Concat(body).ToArray();
        }

        /// <summary>"Qiniu AK:sign" for a request.</summary>
        public static string QiniuAuthorization(Mac mac, string method, string host, string pathAndQuery, string? contentType,
            IEnumerable<KeyValuePair<string, string>> headers, byte[]? body, DuplicateHeader duplicates = DuplicateHeader.First) =>
            "Qiniu " + mac.Sign(QiniuStringToSign(method, host, pathAndQuery, contentType, headers, body, duplicates));

        /// <summary>
        /// Verifies "Authorization: Qiniu AK:sign" against the request as received: null when valid, else the status
        /// and Kodo's message (401 token not specified / bad token; 403 request time too skewed).
        /// </summary>
        public static (int Status, string Error)? VerifyQiniu(Mac mac, SignedRequest request, DateTimeOffset now)
        {
            var given = request.Authorization;
            if (string.IsNullOrEmpty(given) || !given.StartsWith("Qiniu ", StringComparison.Ordinal))
                return (401, "token not specified");
            var valid = Mac.SameText(given, QiniuAuthorization(mac, request.Method, request.Host, request.PathAndQuery, request.ContentType, request.Headers, request.Body, DuplicateHeader.First)) ||
                Mac.SameText(given, QiniuAuthorization(mac, request.Method, request.Host, request.PathAndQuery, request.ContentType, request.Headers, request.Body, DuplicateHeader.Last));
            if (!valid)
                return (401, "bad token");
            var date = request.Headers.FirstOrDefault(h => CanonicalHeaderName(h.Key) == DateHeader);
            if (date.Key != null)
            {
                if (!TryParseDate(date.Value, out var time) || (now - time).Duration() > AllowedSkew)
                    return (403, "request time too skewed");
            }
            return null;
        }

        // ---- QBox ----

        /// <summary>QBox string to sign (§2.1): path[?query] "\n" + body only for a non-empty form-urlencoded body.</summary>
        public static byte[] QBoxStringToSign(string pathAndQuery, string? contentType, byte[]? body)
        {
            var head = Encoding.UTF8.GetBytes(pathAndQuery + "\n");
            if (body == null || body.Length == 0 || contentType == null ||
                !string.Equals(MediaType(contentType), "application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
                return head;
            return head.Concat(body).ToArray();
        }

        public static string QBoxAuthorization(Mac mac, string pathAndQuery, string? contentType, byte[]? body) =>
            "QBox " + mac.Sign(QBoxStringToSign(pathAndQuery, contentType, body));

        public static bool VerifyQBox(Mac mac, string? authorization, string pathAndQuery, string? contentType, byte[]? body) =>
            Mac.SameText(authorization, QBoxAuthorization(mac, pathAndQuery, contentType, body));

        private static string MediaType(string contentType)
        {
            var semicolon = contentType.IndexOf(';');
            return (semicolon < 0 ? contentType : contentType.Substring(0, semicolon)).Trim();
        }
    }
}
