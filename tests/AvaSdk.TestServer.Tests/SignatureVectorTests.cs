using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using AvaSdk.TestServer.Protocol;
using Xunit;

namespace AvaSdk.TestServer.Tests
{
    /// <summary>kodo-protocol §11 T1–T15, T19, T20, T22: HMAC, tokens, request signatures, names, dates.</summary>
    public class SignatureVectorTests
    {
        private static readonly Mac Ak = new Mac("ak", "sk");
        private static readonly Mac Abc = new Mac("abcdefghklmnopq", "1234567890");
        private static readonly Mac My = new Mac("MY_ACCESS_KEY", "MY_SECRET_KEY");

        private static KeyValuePair<string, string> H(string name, string value) => new KeyValuePair<string, string>(name, value);

        private static byte[]? B(string? text) => text == null ? null : Encoding.UTF8.GetBytes(text);

        [Theory] // T1
        [InlineData("hello", "ak:NDN8cM0rwosxhHJ6QAcI7ialr0g=")]
        [InlineData("world", "ak:wZ-sw41ayh3PFDmQA-D3o7eBJIY=")]
        [InlineData("-test", "ak:oJ59sZasiWSqL1o7ugZs5OInEK4=")]
        [InlineData("ba#a-", "ak:tqHL8V2BbNI0dVDXsvueZp_2QnI=")]
        public void T1_Sign(string data, string expected) => Assert.Equal(expected, Ak.Sign(data));

        [Theory] // T2
        [InlineData("hello", "ak:2pn0qs-2kfEsQFuHI2pAYlo0hpc=:aGVsbG8=")]
        [InlineData("world", "ak:vzqcP6VeODVu_youBJnyr_nefT4=:d29ybGQ=")]
        [InlineData("-test", "ak:uV60zWZgj-Jbrg9VHc06Nok64Bw=:LXRlc3Q=")]
        [InlineData("ba#a-", "ak:RLvTUx_kizrrbpSrinkdxC4jCy8=:YmEjYS0=")]
        public void T2_SignWithData(string data, string expected) => Assert.Equal(expected, Ak.SignWithData(data));

        [Fact] // T3
        public void T3_SignAndSignWithData()
        {
            Assert.Equal("abcdefghklmnopq:mSNBTR7uS2crJsyFr2Amwv1LaYg=", Abc.Sign("test"));
            Assert.Equal("abcdefghklmnopq:-jP8eEV9v48MkYiBGs81aDxl60E=:dGVzdA==", Abc.SignWithData("test"));
        }

        [Theory] // T4 (QBox, §2.3)
        [InlineData("", "?go=1\n", "cFyRVoWrE3IugPIMP5YJFTO-O-Y=")]
        [InlineData("application/x-www-form-urlencoded", "?go=1\ntest", "svWRNcacOE-YMsc70nuIYdaa1e4=")]
        public void T4_QBoxBodyOnlyWhenForm(string contentType, string stringToSign, string expected)
        {
            Assert.Equal(stringToSign, Encoding.UTF8.GetString(RequestSignature.QBoxStringToSign("?go=1", contentType, B("test"))));
            Assert.Equal("QBox abcdefghklmnopq:" + expected, RequestSignature.QBoxAuthorization(Abc, "?go=1", contentType, B("test")));
        }

        [Theory] // T5, T6: the HMAC is over the encoded policy as given; key order is free.
        [InlineData("{\"endUser\":\"y\",\"scope\":\"1:2\",\"deadline\":1234571490}",
            "abcdefghklmnopq:yyeexeUkPOROoTGvwBjJ0F0VLEo=:eyJlbmRVc2VyIjoieSIsInNjb3BlIjoiMToyIiwiZGVhZGxpbmUiOjEyMzQ1NzE0OTB9")]
        [InlineData("{\"scope\":\"1:2\",\"deadline\":1234571490,\"endUser\":\"y\"}",
            "abcdefghklmnopq:zx3NdMGffQ0JhUlgGSU5oeTx9Nk=:eyJzY29wZSI6IjE6MiIsImRlYWRsaW5lIjoxMjM0NTcxNDkwLCJlbmRVc2VyIjoieSJ9")]
        public void T5_T6_UploadToken(string policy, string expected)
        {
            Assert.Equal(expected, UploadToken.Create(Abc, policy));
            var verified = UploadToken.Verify(Abc, expected, 1234571490);
            Assert.NotNull(verified.Policy);
            Assert.Equal("1", verified.Policy!.Bucket);
            Assert.Equal("2", verified.Policy.ScopeKey);
            Assert.Equal(1234571490, verified.Policy.Deadline);
            var late = UploadToken.Verify(Abc, expected, 1234571491);
            Assert.Equal((401, "token out of date"), (late.Status, late.Error));
        }

        [Fact] // T7
        public void T7_PrivateUrlWithQuery()
        {
            const string Expected = "http://www.qiniu.com?go=1&e=1234571490&token=abcdefghklmnopq:8vzBeLZ9W3E4kbBLFLW0Xe0u7v4=";
            Assert.Equal(Expected, PrivateUrl.Create(Abc, "http://www.qiniu.com?go=1", 1234571490));
            Assert.Null(PrivateUrl.Verify(Abc, Expected, 1234571490));
            Assert.Equal("token out of date", PrivateUrl.Verify(Abc, Expected, 1234571491));
        }

        [Fact] // T8
        public void T8_PrivateUrlDocExample()
        {
            Assert.Equal("438dd8pXocjYuF-6dTcKMtETB2g=", My.Digest("http://78re52.com1.z0.glb.clouddn.com/resource/flower.jpg?e=1451491200"));
            const string Final = "http://78re52.com1.z0.glb.clouddn.com/resource/flower.jpg?e=1451491200&token=MY_ACCESS_KEY:438dd8pXocjYuF-6dTcKMtETB2g=";
            Assert.Equal(Final, PrivateUrl.Create(My, "http://78re52.com1.z0.glb.clouddn.com/resource/flower.jpg", 1451491200));
            Assert.Null(PrivateUrl.Verify(My, Final, 1451491200));
            // Anything after the token is ignored; a changed URL, another host, a missing e or token is refused.
            Assert.Null(PrivateUrl.Verify(My, Final + "&x=1", 1451491200));
            Assert.Equal("bad token", PrivateUrl.Verify(My, Final.Replace("flower", "Flower"), 1451491200));
            Assert.Equal("bad token", PrivateUrl.Verify(My, Final.Replace("78re52.com1", "other.com1"), 1451491200));
            Assert.Equal("download token not specified", PrivateUrl.Verify(My, "http://78re52.com1.z0.glb.clouddn.com/resource/flower.jpg?e=1451491200", 0));
            Assert.Equal("download token not specified", PrivateUrl.Verify(My, "http://h/k?token=" + My.Sign("http://h/k"), 0));
            Assert.Equal("download token not specified", PrivateUrl.Verify(My, "http://h/k?a=1&token=" + My.Sign("http://h/k?a=1"), 0));
        }

        [Fact] // T9
        public void T9_UploadTokenDocExample()
        {
            const string Policy = "{\"scope\":\"my-bucket:sunflower.jpg\",\"deadline\":1451491200,\"returnBody\":\"{\\\"name\\\":$(fname),\\\"size\\\":$(fsize),\\\"w\\\":$(imageInfo.width),\\\"h\\\":$(imageInfo.height),\\\"hash\\\":$(etag)}\"}";
            const string Encoded = "eyJzY29wZSI6Im15LWJ1Y2tldDpzdW5mbG93ZXIuanBnIiwiZGVhZGxpbmUiOjE0NTE0OTEyMDAsInJldHVybkJvZHkiOiJ7XCJuYW1lXCI6JChmbmFtZSksXCJzaXplXCI6JChmc2l6ZSksXCJ3XCI6JChpbWFnZUluZm8ud2lkdGgpLFwiaFwiOiQoaW1hZ2VJbmZvLmhlaWdodCksXCJoYXNoXCI6JChldGFnKX0ifQ==";
            Assert.Equal(Encoded, Base64Url.Encode(Policy));
            Assert.Equal("c10e287f2b1e7f547b20a9ebce2aada26ab20ef2",
                Convert.ToHexString(System.Security.Cryptography.HMACSHA1.HashData(Encoding.UTF8.GetBytes("MY_SECRET_KEY"), Encoding.UTF8.GetBytes(Encoded))).ToLowerInvariant());
            var token = "MY_ACCESS_KEY:wQ4ofysef1R7IKnrziqtomqyDvI=:" + Encoded;
            Assert.Equal(token, UploadToken.Create(My, Policy));
            var verified = UploadToken.Verify(My, token, 1451491200).Policy!;
            Assert.Equal("my-bucket", verified.Bucket);
            Assert.Equal("sunflower.jpg", verified.ScopeKey);
        }

        [Fact] // T10
        public void T10_QBoxDocExample()
        {
            const string Path = "/move/bmV3ZG9jczpmaW5kX21hbi50eHQ=/bmV3ZG9jczpmaW5kLm1hbi50eHQ=";
            Assert.Equal(Path + "\n", Encoding.UTF8.GetString(RequestSignature.QBoxStringToSign(Path, null, null)));
            Assert.Equal("QBox MY_ACCESS_KEY:FXsYh0wKHYPEsIAgdPD9OfjkeEM=", RequestSignature.QBoxAuthorization(My, Path, null, null));
            Assert.True(RequestSignature.VerifyQBox(My, "QBox MY_ACCESS_KEY:FXsYh0wKHYPEsIAgdPD9OfjkeEM=", Path, null, null));
        }

        private const string Form = "application/x-www-form-urlencoded";
        private const string JsonType = "application/json";
        private const string JsonBody = "{\"name\": \"test\"}";
        private const string FormBody = "name=test&language=go";

        public static IEnumerable<object?[]> T11Cases() => new List<object?[]>
        {
            new object?[] { "a", "GET", "rs.qbox.me", "/", null, new string[0], null, "GET /\nHost: rs.qbox.me\n\n", "bgfeAqx6xXMIXA232e8ocxfhINc=" },
            new object?[] { "b", "GET", "rs.qbox.me", "/", Form, new string[0], "", "GET /\nHost: rs.qbox.me\nContent-Type: application/x-www-form-urlencoded\n\n", "oFWoJ99aQR9W5c2nH--qEuywWA0=" },
            new object?[] { "c", "GET", "rs.qbox.me", "/", Form, new string[0], JsonBody, "GET /\nHost: rs.qbox.me\nContent-Type: application/x-www-form-urlencoded\n\n" + JsonBody, "CK4wBVOL6sLbVE4G4mrXqL_yEc4=" },
            new object?[] { "d", "GET", "rs.qbox.me", "/", JsonType, new string[0], JsonBody, "GET /\nHost: rs.qbox.me\nContent-Type: application/json\n\n" + JsonBody, "ksh7bJBnBzFO0yxJ_tLLUcg0csM=" },
            new object?[] { "e", "POST", "rs.qbox.me", "/", JsonType, new[] { "X-Qiniu", "b" }, JsonBody, "POST /\nHost: rs.qbox.me\nContent-Type: application/json\n\n" + JsonBody, "IlW01tHjGQ0pGPXV_3jjR1AdD34=" },
            new object?[] { "f", "GET", "upload.qiniup.com", "/", Form, new string[0], JsonBody, "GET /\nHost: upload.qiniup.com\nContent-Type: application/x-www-form-urlencoded\n\n" + JsonBody, "156x8Q4x1zadPcAyMRVDsioIyAk=" },
            new object?[] { "g", "GET", "upload.qiniup.com", "/", JsonType, new[] { "X-Qiniu-Bbb", "BBB", "X-Qiniu-Aaa", "DDD", "x-qIniu-aAa", "DDD" }, JsonBody, "GET /\nHost: upload.qiniup.com\nContent-Type: application/json\nX-Qiniu-Aaa: DDD\nX-Qiniu-Bbb: BBB\n\n" + JsonBody, "eOaX4RziJPW9ywnJ02jshmEMfhI=" },
            new object?[] { "h", "GET", "upload.qiniup.com", "/", "application/octet-stream", new[] { "X-Qiniu-Bbb", "BBB", "X-Qiniu-Aaa", "DDD" }, JsonBody, "GET /\nHost: upload.qiniup.com\nContent-Type: application/octet-stream\nX-Qiniu-Aaa: DDD\nX-Qiniu-Bbb: BBB\n\n", "GQQrYvDCdN_RaVjyJC7hIkv5TYk=" },
            new object?[] { "i", "GET", "upload.qiniup.com", "/", Form, new[] { "X-Qiniu-Bbb", "BBB", "X-Qiniu-Aaa", "DDD" }, FormBody, "GET /\nHost: upload.qiniup.com\nContent-Type: application/x-www-form-urlencoded\nX-Qiniu-Aaa: DDD\nX-Qiniu-Bbb: BBB\n\n" + FormBody, "A5PMXECSPZQxitJqLj0op2B2GEM=" },
            new object?[] { "j", "GET", "upload.qiniup.com", "/mkfile/sdf.jpg", Form, new[] { "X-Qiniu-Bbb", "BBB", "X-Qiniu-Aaa", "DDD" }, FormBody, "GET /mkfile/sdf.jpg\nHost: upload.qiniup.com\nContent-Type: application/x-www-form-urlencoded\nX-Qiniu-Aaa: DDD\nX-Qiniu-Bbb: BBB\n\n" + FormBody, "fkRck5_LeyfwdkyyLk-hyNwGKac=" },
            new object?[] { "k", "GET", "upload.qiniup.com", "/mkfile/sdf.jpg?s=er3&df", Form, new[] { "X-Qiniu-Bbb", "BBB", "X-Qiniu-Aaa", "DDD" }, FormBody, "GET /mkfile/sdf.jpg?s=er3&df\nHost: upload.qiniup.com\nContent-Type: application/x-www-form-urlencoded\nX-Qiniu-Aaa: DDD\nX-Qiniu-Bbb: BBB\n\n" + FormBody, "PUFPWsEUIpk_dzUvvxTTmwhp3p4=" },
            new object?[] { "l", "GET", "upload.qiniup.com", "/mkfile/sdf.jpg?s=er3&df", null, new[] { "X-Qiniu-Bbb", "BBB", "X-Qiniu-Aaa", "DDD" }, FormBody, "GET /mkfile/sdf.jpg?s=er3&df\nHost: upload.qiniup.com\nX-Qiniu-Aaa: DDD\nX-Qiniu-Bbb: BBB\n\n", "Z0kRph7PJaIkPfKbGQVvWQHgOig=" },
        };

        private static List<KeyValuePair<string, string>> Pairs(string[] flat) =>
            Enumerable.Range(0, flat.Length / 2).Select(i => H(flat[2 * i], flat[2 * i + 1])).ToList();

        [Theory] // T11 a–l
        [MemberData(nameof(T11Cases))]
        public void T11_QiniuV2(string id, string method, string host, string path, string? contentType, string[] headers, string? body, string stringToSign, string expected)
        {
            Assert.NotNull(id);
            Assert.Equal(stringToSign, Encoding.UTF8.GetString(RequestSignature.QiniuStringToSign(method, host, path, contentType, Pairs(headers), B(body))));
            Assert.Equal("Qiniu ak:" + expected, RequestSignature.QiniuAuthorization(Ak, method, host, path, contentType, Pairs(headers), B(body)));
            // The same request as the server verifies it (no X-Qiniu-Date header, so any clock will do).
            var request = new SignedRequest(method, host, path, contentType, Pairs(headers), B(body) ?? Array.Empty<byte>(), "Qiniu ak:" + expected);
            Assert.Null(RequestSignature.VerifyQiniu(Ak, request, DateTimeOffset.UtcNow));
            Assert.Equal((401, "bad token"), RequestSignature.VerifyQiniu(Ak, request with { Host = host + ":80" }, DateTimeOffset.UtcNow));
        }

        [Fact] // T11 a's method is upper-cased
        public void T11_MethodIsUpperCased() =>
            Assert.Equal("Qiniu ak:bgfeAqx6xXMIXA232e8ocxfhINc=", RequestSignature.QiniuAuthorization(Ak, "gET", "rs.qbox.me", "/", null, new List<KeyValuePair<string, string>>(), null));

        [Theory] // T12: empty paths (and hosts)
        [InlineData("GET", "", Form, "", JsonBody, "0i1vKClRDWFyNkcTFzwcE7PzX74=")]
        [InlineData("GET", "", JsonType, "", JsonBody, "K1DI0goT05yhGizDFE5FiPJxAj4=")]
        [InlineData("POST", "", JsonType, "", JsonBody, "0ujEjW_vLRZxebsveBgqa3JyQ-w=")]
        [InlineData("GET", "upload.qiniup.com", Form, "", JsonBody, "GShw5NitGmd5TLoo38nDkGUofRw=")]
        [InlineData("GET", "upload.qiniup.com", JsonType, "X-Qiniu-Bbb=BBB;X-Qiniu-Aaa=DDD", JsonBody, "DhNA1UCaBqSHCsQjMOLRfVn63GQ=")]
        [InlineData("GET", "upload.qiniup.com", Form, "X-Qiniu-Bbb=BBB;X-Qiniu-Aaa=DDD", FormBody, "KUAhrYh32P9bv0COD8ugZjDCmII=")]
        public void T12_EmptyPath(string method, string host, string contentType, string headers, string body, string expected)
        {
            var pairs = headers.Split(';', StringSplitOptions.RemoveEmptyEntries).Select(h => H(h.Split('=')[0], h.Split('=')[1])).ToList();
            Assert.Equal("Qiniu ak:" + expected, RequestSignature.QiniuAuthorization(Ak, method, host, "", contentType, pairs, B(body)));
        }

        [Theory] // T12: Java multi-value headers, the last value wins
        [InlineData(JsonType, JsonBody, "_PAgAJVMMQD4SLLXp7f44lS8aTs=")]
        [InlineData(Form, FormBody, "ERR7z4iI_gHYd80GVfCBZBtT3wg=")]
        public void T12_RepeatedHeaderLastValue(string contentType, string body, string expected)
        {
            var headers = new List<KeyValuePair<string, string>> { H("X-Qiniu-Aaa", "DDD"), H("x-qiniu-aaa", "CCC"), H("X-Qiniu-Bbb", "BBB"), H("X-Qiniu-Bbb", "AAA") };
            var text = $"GET \nHost: upload.qiniup.com\nContent-Type: {contentType}\nX-Qiniu-Aaa: CCC\nX-Qiniu-Bbb: AAA\n\n{body}";
            Assert.Equal(text, Encoding.UTF8.GetString(RequestSignature.QiniuStringToSign("GET", "upload.qiniup.com", "", contentType, headers, B(body), DuplicateHeader.Last)));
            Assert.Equal("ak:" + expected, Ak.Sign(text));
            // The server takes either SDK's choice (Go: first value, Java: last value).
            var request = new SignedRequest("GET", "upload.qiniup.com", "", contentType, headers, B(body)!, "Qiniu ak:" + expected);
            Assert.Null(RequestSignature.VerifyQiniu(Ak, request, DateTimeOffset.UtcNow));
        }

        [Fact] // T13
        public void T13_QiniuDocStyle()
        {
            const string Path = "/move/bmV3ZG9jczpmaW5kX21hbi50eHQ=/bmV3ZG9jczpmaW5kLm1hbi50eHQ=";
            Assert.Equal("Qiniu MY_ACCESS_KEY:1uLvuZM6l6oCzZFqkJ6oI4oFMVQ=",
                RequestSignature.QiniuAuthorization(My, "POST", "rs.qiniu.com", Path, null, new List<KeyValuePair<string, string>>(), null));
        }

        [Theory] // T14
        [InlineData("", null, null, "qfWnqF1E_vfzjZnReCVkcSMl29M=")]
        [InlineData("", Form, FormBody, "h8gBb1Adb2Jgoys1N8sRVAnNvpw=")]
        [InlineData("", Form, JsonBody, "NJolr7PWLYeqLKbDXI_LxhMUaw4=")]
        [InlineData("/mkfile/sdf.jpg", Form, FormBody, "fRfPzux63uUumMU_GRiF0uWdAgE=")]
        [InlineData("/mkfile/sdf.jpg?s=er3&df", Form, FormBody, "K-R81jo5uqFvssxWcCUjZebb8Cw=")]
        public void T14_QBox(string path, string? contentType, string? body, string expected)
        {
            Assert.Equal("QBox ak:" + expected, RequestSignature.QBoxAuthorization(Ak, path, contentType, B(body)));
            // A JSON body is not part of a QBox signature.
            if (body != null)
                Assert.Equal(RequestSignature.QBoxAuthorization(Ak, path, null, null), RequestSignature.QBoxAuthorization(Ak, path, JsonType, B(body)));
        }

        [Fact] // T15
        public void T15_CallbackVerification()
        {
            const string Body = "name=sunflower.jpg&hash=Fn6qeQi4VDLQ347NiRm-RlQx_4O2&location=Shanghai&price=1500.00&uid=123";
            Assert.True(RequestSignature.VerifyQBox(Abc, "QBox abcdefghklmnopq:T7F-SjxX7X2zI4Fc1vANiNt1AUE=", "/callback", Form, B(Body)));
            Assert.False(RequestSignature.VerifyQBox(Abc, "QBox abcdefghklmnopq:T7F-SjxX7X2zI4Fc1vANiNt1AUE=", "/callback", Form, B(Body + "0")));
            var request = new SignedRequest("GET", "test.qiniu.com", "/callback", Form, new List<KeyValuePair<string, string>> { H("X-Qiniu-Bbb", "BBB") }, B(Body)!,
                "Qiniu abcdefghklmnopq:ZqS7EZuAKrhZaEIxqNGxDJi41IQ=");
            Assert.Null(RequestSignature.VerifyQiniu(Abc, request, DateTimeOffset.UtcNow));
            Assert.Equal((401, "bad token"), RequestSignature.VerifyQiniu(Abc, request with { Headers = new List<KeyValuePair<string, string>> { H("X-Qiniu-Bbb", "BBC") } }, DateTimeOffset.UtcNow));
            Assert.Equal((401, "token not specified"), RequestSignature.VerifyQiniu(Abc, request with { Authorization = null }, DateTimeOffset.UtcNow));
        }

        [Theory] // T19
        [InlineData("qiniuphotos", "gogopher.jpg", "cWluaXVwaG90b3M6Z29nb3BoZXIuanBn")]
        [InlineData("qiniuphotos", "", "cWluaXVwaG90b3M6")]
        [InlineData("qiniuphotos", null, "cWluaXVwaG90b3M=")]
        [InlineData("qiniuphotos", "012ts>a", "cWluaXVwaG90b3M6MDEydHM-YQ==")]
        [InlineData("qiniuphotos", "012ts?a", "cWluaXVwaG90b3M6MDEydHM_YQ==")]
        public void T19_Entry(string bucket, string? key, string expected) => Assert.Equal(expected, Base64Url.Entry(bucket, key));

        [Theory] // T20
        [InlineData(":status", ":status")]
        [InlineData(":x-Test-2", ":x-Test-2")]
        [InlineData("content-type", "Content-Type")]
        [InlineData("CONTENT-LENGTH", "Content-Length")]
        [InlineData("oRiGin", "Origin")]
        [InlineData("ReFer", "Refer")]
        [InlineData("acCePt-ChArsEt", "Accept-Charset")]
        [InlineData("x-test-3", "X-Test-3")]
        [InlineData("七牛", "七牛")]
        public void T20_CanonicalHeaderName(string name, string expected) => Assert.Equal(expected, RequestSignature.CanonicalHeaderName(name));

        [Fact] // T22
        public void T22_QiniuDateFormat()
        {
            var time = DateTimeOffset.Parse("2022-05-19T03:28:46.816Z", System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal("20220519T032846Z", RequestSignature.FormatDate(time));
            Assert.True(RequestSignature.TryParseDate("20220519T032846Z", out var parsed));
            Assert.Equal(new DateTimeOffset(2022, 5, 19, 3, 28, 46, TimeSpan.Zero), parsed);
        }

        [Theory] // §2.2: X-Qiniu-Date is signed; more than 15 minutes off → 403
        [InlineData(0, null)]
        [InlineData(-14 * 60, null)]
        [InlineData(14 * 60, null)]
        [InlineData(-16 * 60, 403)]
        [InlineData(16 * 60, 403)]
        public void QiniuDateSkew(int offsetSeconds, int? status)
        {
            var now = new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
            var headers = new List<KeyValuePair<string, string>> { H("X-Qiniu-Date", RequestSignature.FormatDate(now.AddSeconds(offsetSeconds))) };
            var authorization = RequestSignature.QiniuAuthorization(Ak, "POST", "127.0.0.1:5000", "/v1/models", JsonType, headers, B("{}"));
            var result = RequestSignature.VerifyQiniu(Ak, new SignedRequest("POST", "127.0.0.1:5000", "/v1/models", JsonType, headers, B("{}")!, authorization), now);
            Assert.Equal(status, result?.Status);
            if (status != null)
                Assert.Equal("request time too skewed", result!.Value.Error);
        }

        [Fact] // §2.2: the X-Qiniu-Date header is part of the signature
        public void QiniuDateIsSigned()
        {
            var now = DateTimeOffset.UtcNow;
            var headers = new List<KeyValuePair<string, string>> { H("X-Qiniu-Date", RequestSignature.FormatDate(now)) };
            var unsigned = RequestSignature.QiniuAuthorization(Ak, "GET", "h", "/", null, new List<KeyValuePair<string, string>>(), null);
            Assert.Equal((401, "bad token"), RequestSignature.VerifyQiniu(Ak, new SignedRequest("GET", "h", "/", null, headers, Array.Empty<byte>(), unsigned), now));
        }
    }
}
