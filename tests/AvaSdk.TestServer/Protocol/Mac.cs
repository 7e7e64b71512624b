using System;
using System.Security.Cryptography;
using System.Text;

namespace AvaSdk.TestServer.Protocol
{
    /// <summary>An AK/SK pair and Kodo's HMAC-SHA1 helpers (kodo-protocol §1.1), keyed with the UTF-8 bytes of SK.</summary>
    public sealed class Mac
    {
        private readonly byte[] secret;

        public Mac(string accessKey, string secretKey)
        {
            AccessKey = accessKey;
            secret = Encoding.UTF8.GetBytes(secretKey);
        }

        public string AccessKey { get; }

        /// <summary>urlsafeB64(HMAC_SHA1(SK, data)) — always 28 characters ending in '='.</summary>
        public string Digest(byte[] data) => Base64Url.Encode(HMACSHA1.HashData(secret, data));

        public string Digest(string data) => Digest(Encoding.UTF8.GetBytes(data));

        /// <summary>Sign(data) = AK ":" urlsafeB64(HMAC(data)).</summary>
        public string Sign(string data) => AccessKey + ":" + Digest(data);

        public string Sign(byte[] data) => AccessKey + ":" + Digest(data);

        /// <summary>SignWithData(data) = AK ":" urlsafeB64(HMAC(enc)) ":" enc, where enc = urlsafeB64(data).</summary>
        public string SignWithData(string data)
        {
            var encoded = Base64Url.Encode(data);
            return AccessKey + ":" + Digest(encoded) + ":" + encoded;
        }

        /// <summary>Compares two strings in time independent of where they first differ.</summary>
        public static bool SameText(string? a, string? b) =>
            a != null && b != null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));
    }
}
