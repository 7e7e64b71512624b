using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Security.Cryptography;
using System.Text;

namespace AvaSdk.Storage
{
    /// <summary>
    /// An access key and secret key, and every signature Kodo asks for. The secret key never leaves this object:
    /// not through a property, <see cref="ToString"/>, a log or an error message.
    /// </summary>
    public sealed class KodoCredentials
    {
        private readonly byte[] secretKey;

        public KodoCredentials(string accessKey, string secretKey)
        {
            if (string.IsNullOrEmpty(accessKey))
                throw new ArgumentException("The access key is empty.", nameof(accessKey));
            if (string.IsNullOrEmpty(secretKey))
                throw new ArgumentException("The secret key is empty.", nameof(secretKey));
            AccessKey = accessKey;
            this.secretKey = Encoding.UTF8.GetBytes(secretKey);
        }

        public string AccessKey { get; }

        /// <summary>Enough of the access key to tell keys apart; never the secret.</summary>
        public override string ToString() => $"{AccessKey.Substring(0, Math.Min(4, AccessKey.Length))}…:********";

        /// <summary><c>AK:urlsafeB64(HMAC-SHA1(SK, data))</c>.</summary>
        public string Sign(string data) => Sign(Encoding.UTF8.GetBytes(data));

        public string Sign(byte[] data)
        {
            using var hmac = new HMACSHA1(secretKey);
            return AccessKey + ":" + UrlSafeBase64.Encode(hmac.ComputeHash(data));
        }

        /// <summary><c>AK:urlsafeB64(HMAC-SHA1(SK, encoded)):encoded</c> with <c>encoded = urlsafeB64(data)</c>.</summary>
        public string SignWithData(string data)
        {
            var encoded = UrlSafeBase64.Encode(data);
            return Sign(encoded) + ":" + encoded;
        }

        public string UploadToken(PutPolicy policy) => SignWithData(policy.ToJson());

        /// <summary>The legacy <c>QBox</c> management signature (without the "QBox " prefix): the body counts only when it is a form.</summary>
        public string SignQBox(string pathAndQuery, string? contentType, byte[]? body)
        {
            var data = new List<byte>(Encoding.UTF8.GetBytes(pathAndQuery + "\n"));
            if (contentType == FormContentType && body != null)
                data.AddRange(body);
            return Sign(data.ToArray());
        }

        /// <summary>The <c>Qiniu</c> v2 request signature (without the "Qiniu " prefix).</summary>
        public string SignQiniu(string method, string host, string pathAndQuery, string? contentType,
            IEnumerable<KeyValuePair<string, string>>? headers, byte[]? body) =>
            Sign(QiniuSigningData(method, host, pathAndQuery, contentType, headers, body));

        public const string FormContentType = "application/x-www-form-urlencoded";

        /// <summary>The header the Qiniu SDKs sign so a server can refuse a replay more than 15 minutes old.</summary>
        public const string DateHeader = "X-Qiniu-Date";

        /// <summary>An <see cref="DateHeader"/> value: UTC, <c>yyyyMMdd'T'HHmmss'Z'</c> (test vector T22).</summary>
        public static string QiniuDate(DateTimeOffset time) =>
            time.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture);

        /// <summary>The exact bytes the v2 signature covers.</summary>
        public static byte[] QiniuSigningData(string method, string host, string pathAndQuery, string? contentType,
            IEnumerable<KeyValuePair<string, string>>? headers, byte[]? body)
        {
            var text = new StringBuilder();
            text.Append(method.ToUpperInvariant()).Append(' ').Append(pathAndQuery).Append('\n');
            text.Append("Host: ").Append(host).Append('\n');
            if (contentType != null)
                text.Append("Content-Type: ").Append(contentType).Append('\n');
            var qiniuHeaders = (headers ?? Enumerable.Empty<KeyValuePair<string, string>>())
                .Select(h => new KeyValuePair<string, string>(CanonicalHeaderName(h.Key), h.Value))
                .Where(h => h.Key.Length > "X-Qiniu-".Length && h.Key.StartsWith("X-Qiniu-", StringComparison.Ordinal))
                .GroupBy(h => h.Key, StringComparer.Ordinal)
                .Select(g => g.Last())
                .OrderBy(h => h.Key, StringComparer.Ordinal);
            foreach (var header in qiniuHeaders)
                text.Append(header.Key).Append(": ").Append(header.Value).Append('\n');
            text.Append('\n');
            var data = new List<byte>(Encoding.UTF8.GetBytes(text.ToString()));
            if (contentType != null && contentType != "application/octet-stream" && body != null && body.Length > 0)
                data.AddRange(body);
            return data.ToArray();
        }

        /// <summary>
        /// A private download URL: <c>e=&lt;deadline&gt;</c> appended, the whole URL signed, <c>token</c> last.
        /// </summary>
        public string PrivateDownloadUrl(string url, DateTimeOffset deadline)
        {
            var withDeadline = url + (url.IndexOf('?') >= 0 ? "&" : "?") + "e=" + deadline.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
            return withDeadline + "&token=" + Sign(withDeadline);
        }

        /// <summary>MIME canonical form (<c>x-qiniu-aaa</c> → <c>X-Qiniu-Aaa</c>); names with characters outside the HTTP token set stay as they are.</summary>
        public static string CanonicalHeaderName(string name)
        {
            foreach (var c in name)
            {
                var token = c < 128 && (char.IsLetterOrDigit(c) || "!#$%&'*+-.^_`|~".IndexOf(c) >= 0);
                if (!token)
                    return name;
            }
            var result = new StringBuilder(name.Length);
            var upper = true;
            foreach (var c in name)
            {
                result.Append(upper ? char.ToUpperInvariant(c) : char.ToLowerInvariant(c));
                upper = c == '-';
            }
            return result.ToString();
        }
    }
}
