using System;
using System.Globalization;

namespace AvaSdk.TestServer.Protocol
{
    /// <summary>
    /// Private download URL (kodo-protocol §3): base URL, then "e=deadline" (with '&amp;' if the URL has a '?', else '?'),
    /// then "&amp;token=AK:urlsafeB64(HMAC_SHA1(SK, whole URL up to and including e))" as the last parameter.
    /// </summary>
    public static class PrivateUrl
    {
        public static string Create(Mac mac, string baseUrl, long deadline)
        {
            var url = baseUrl + (baseUrl.Contains('?') ? "&" : "?") + "e=" + deadline.ToString(CultureInfo.InvariantCulture);
            return url + "&token=" + mac.Sign(url);
        }

        /// <summary>
        /// Verifies a URL exactly as received (scheme://host[:port] + raw request target) at <paramref name="now"/>:
        /// null when valid, else Kodo's 401 message. Anything after the token's value is ignored.
        /// </summary>
        public static string? Verify(Mac mac, string url, long now)
        {
            var at = url.LastIndexOf("&token=", StringComparison.Ordinal);
            if (at < 0)
                return "download token not specified";
            var signed = url.Substring(0, at);
            var token = url.Substring(at + "&token=".Length);
            var amp = token.IndexOf('&');
            if (amp >= 0)
                token = token.Substring(0, amp);
            token = Uri.UnescapeDataString(token);
            // e is the parameter right before the token.
            var e = signed.LastIndexOf("e=", StringComparison.Ordinal);
            if (e < 1 || (signed[e - 1] != '?' && signed[e - 1] != '&') ||
                !long.TryParse(signed.AsSpan(e + 2), NumberStyles.None, CultureInfo.InvariantCulture, out var deadline))
                return "download token not specified";
            if (!Mac.SameText(token, mac.Sign(signed)))
                return "bad token";
            if (deadline < now)
                return "token out of date";
            return null;
        }
    }
}
