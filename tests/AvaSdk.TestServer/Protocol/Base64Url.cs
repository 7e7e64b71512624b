using System;
using System.Text;

namespace AvaSdk.TestServer.Protocol
{
    /// <summary>Kodo's URL-safe base64 (kodo-protocol §1.1): standard base64, '+'→'-', '/'→'_', padding kept.</summary>
    public static class Base64Url
    {
        public static string Encode(byte[] data) => Convert.ToBase64String(data).Replace('+', '-').Replace('/', '_');

        public static string Encode(string text) => Encode(Encoding.UTF8.GetBytes(text));

        /// <summary>Reverses the two substitutions, then decodes standard base64 (padding expected); null when malformed.</summary>
        public static byte[]? TryDecode(string text)
        {
            try
            {
                return Convert.FromBase64String(text.Replace('-', '+').Replace('_', '/'));
            }
            catch (FormatException)
            {
                return null;
            }
        }

        /// <summary>Entry (§7.3): urlsafeB64("bucket:key"), or of "bucket" alone when the key is null.</summary>
        public static string Entry(string bucket, string? key) => Encode(key == null ? bucket : bucket + ":" + key);
    }
}
