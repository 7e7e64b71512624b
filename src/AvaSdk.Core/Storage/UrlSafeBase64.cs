using System;
using System.Text;

namespace AvaSdk.Storage
{
    /// <summary>Kodo's URL-safe base64: the standard alphabet with '+' → '-' and '/' → '_', padding kept.</summary>
    public static class UrlSafeBase64
    {
        public static string Encode(byte[] data) => Convert.ToBase64String(data).Replace('+', '-').Replace('/', '_');

        public static string Encode(string text) => Encode(Encoding.UTF8.GetBytes(text));

        public static byte[] Decode(string text) => Convert.FromBase64String(text.Replace('-', '+').Replace('_', '/'));
    }
}
