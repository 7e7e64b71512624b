using System;
using AvaSdk.Errors;

namespace AvaSdk.Storage
{
    /// <summary>
    /// <c>qiniu://&lt;bucket&gt;/&lt;key&gt;</c>, and the AVA platform's <c>qiniu://&lt;uid&gt;@&lt;zone&gt;/&lt;bucket&gt;/&lt;key&gt;</c>
    /// (its uid and zone name the account, not the object, and are kept only for display).
    /// </summary>
    public sealed class QiniuUri
    {
        public const string Scheme = "qiniu";

        private QiniuUri(string bucket, string key, string? uid, string? zone)
        {
            Bucket = bucket;
            Key = key;
            Uid = uid;
            Zone = zone;
        }

        public string Bucket { get; }

        public string Key { get; }

        public string? Uid { get; }

        public string? Zone { get; }

        public static bool IsQiniu(string text) => text.StartsWith(Scheme + "://", StringComparison.OrdinalIgnoreCase);

        /// <exception cref="AvaException">AvaUriInvalid: not a qiniu:// URL with a bucket and a key.</exception>
        public static QiniuUri Parse(string text)
        {
            if (!IsQiniu(text))
                throw Invalid(text, "it does not start with qiniu://");
            var rest = text.Substring(Scheme.Length + 3);
            string? uid = null, zone = null;
            var firstSlash = rest.IndexOf('/');
            var at = rest.IndexOf('@');
            if (at >= 0 && (firstSlash < 0 || at < firstSlash))
            {
                uid = rest.Substring(0, at);
                zone = firstSlash < 0 ? rest.Substring(at + 1) : rest.Substring(at + 1, firstSlash - at - 1);
                rest = firstSlash < 0 ? string.Empty : rest.Substring(firstSlash + 1);
            }
            var slash = rest.IndexOf('/');
            if (slash <= 0 || slash == rest.Length - 1)
                throw Invalid(text, "it needs a bucket and a key, as qiniu://<bucket>/<key>");
            return new QiniuUri(rest.Substring(0, slash), rest.Substring(slash + 1), uid, zone);
        }

        public override string ToString() =>
            Uid == null ? $"{Scheme}://{Bucket}/{Key}" : $"{Scheme}://{Uid}@{Zone}/{Bucket}/{Key}";

        private static AvaException Invalid(string text, string why) =>
            new AvaException(AvaErrors.UriInvalid, $"'{text}' is not a usable qiniu:// URL: {why}.", text);
    }
}
