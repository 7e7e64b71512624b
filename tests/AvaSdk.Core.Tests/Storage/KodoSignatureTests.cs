using System;
using System.Collections.Generic;
using System.Text;
using AvaSdk.Storage;
using Xunit;

namespace AvaSdk.Core.Tests.Storage
{
    /// <summary>The test vectors of shared/docs/kodo-protocol.md §11, from Qiniu's own SDK tests and docs.</summary>
    public class KodoSignatureTests
    {
        private static readonly KodoCredentials AkSk = new KodoCredentials("ak", "sk");
        private static readonly KodoCredentials Abc = new KodoCredentials("abcdefghklmnopq", "1234567890");
        private static readonly KodoCredentials My = new KodoCredentials("MY_ACCESS_KEY", "MY_SECRET_KEY");

        [Theory] // T1
        [InlineData("hello", "ak:NDN8cM0rwosxhHJ6QAcI7ialr0g=")]
        [InlineData("world", "ak:wZ-sw41ayh3PFDmQA-D3o7eBJIY=")]
        [InlineData("-test", "ak:oJ59sZasiWSqL1o7ugZs5OInEK4=")]
        [InlineData("ba#a-", "ak:tqHL8V2BbNI0dVDXsvueZp_2QnI=")]
        public void T1_Sign(string data, string expected) => Assert.Equal(expected, AkSk.Sign(data));

        [Theory] // T2
        [InlineData("hello", "ak:2pn0qs-2kfEsQFuHI2pAYlo0hpc=:aGVsbG8=")]
        [InlineData("world", "ak:vzqcP6VeODVu_youBJnyr_nefT4=:d29ybGQ=")]
        [InlineData("-test", "ak:uV60zWZgj-Jbrg9VHc06Nok64Bw=:LXRlc3Q=")]
        [InlineData("ba#a-", "ak:RLvTUx_kizrrbpSrinkdxC4jCy8=:YmEjYS0=")]
        public void T2_SignWithData(string data, string expected) => Assert.Equal(expected, AkSk.SignWithData(data));

        [Fact] // T3
        public void T3_Sign_and_SignWithData()
        {
            Assert.Equal("abcdefghklmnopq:mSNBTR7uS2crJsyFr2Amwv1LaYg=", Abc.Sign("test"));
            Assert.Equal("abcdefghklmnopq:-jP8eEV9v48MkYiBGs81aDxl60E=:dGVzdA==", Abc.SignWithData("test"));
        }

        [Theory] // T4
        [InlineData(null, "abcdefghklmnopq:cFyRVoWrE3IugPIMP5YJFTO-O-Y=")]
        [InlineData(KodoCredentials.FormContentType, "abcdefghklmnopq:svWRNcacOE-YMsc70nuIYdaa1e4=")]
        public void T4_QBox_with_a_query(string? contentType, string expected) =>
            Assert.Equal(expected, Abc.SignQBox("?go=1", contentType, Encoding.UTF8.GetBytes("test")));

        [Theory] // T5, T6: the JSON is signed as given, whatever its key order
        [InlineData("{\"endUser\":\"y\",\"scope\":\"1:2\",\"deadline\":1234571490}", "abcdefghklmnopq:yyeexeUkPOROoTGvwBjJ0F0VLEo=:eyJlbmRVc2VyIjoieSIsInNjb3BlIjoiMToyIiwiZGVhZGxpbmUiOjEyMzQ1NzE0OTB9")]
        [InlineData("{\"scope\":\"1:2\",\"deadline\":1234571490,\"endUser\":\"y\"}", "abcdefghklmnopq:zx3NdMGffQ0JhUlgGSU5oeTx9Nk=:eyJzY29wZSI6IjE6MiIsImRlYWRsaW5lIjoxMjM0NTcxNDkwLCJlbmRVc2VyIjoieSJ9")]
        public void T5_T6_upload_tokens(string policy, string expected) => Assert.Equal(expected, Abc.SignWithData(policy));

        [Fact]
        public void Our_put_policy_is_compact_json_with_insert_only_when_asked()
        {
            var deadline = DateTimeOffset.FromUnixTimeSeconds(1234571490);
            Assert.Equal("{\"scope\":\"b:k\\\"1\",\"deadline\":1234571490}", new PutPolicy("b", "k\"1", deadline, insertOnly: false).ToJson());
            Assert.Equal("{\"scope\":\"b\",\"deadline\":1234571490,\"insertOnly\":1}", new PutPolicy("b", null, deadline, insertOnly: true).ToJson());
            var token = Abc.UploadToken(new PutPolicy("b", "k", deadline, false));
            Assert.Equal(Abc.SignWithData("{\"scope\":\"b:k\",\"deadline\":1234571490}"), token);
        }

        [Fact] // T7
        public void T7_private_download_url_with_a_query() =>
            Assert.Equal("http://www.qiniu.com?go=1&e=1234571490&token=abcdefghklmnopq:8vzBeLZ9W3E4kbBLFLW0Xe0u7v4=",
                Abc.PrivateDownloadUrl("http://www.qiniu.com?go=1", DateTimeOffset.FromUnixTimeSeconds(1234571490)));

        [Fact] // T8
        public void T8_private_download_url_from_the_docs() =>
            Assert.Equal("http://78re52.com1.z0.glb.clouddn.com/resource/flower.jpg?e=1451491200&token=MY_ACCESS_KEY:438dd8pXocjYuF-6dTcKMtETB2g=",
                My.PrivateDownloadUrl("http://78re52.com1.z0.glb.clouddn.com/resource/flower.jpg", DateTimeOffset.FromUnixTimeSeconds(1451491200)));

        [Fact] // T9
        public void T9_upload_token_from_the_docs()
        {
            const string policy = "{\"scope\":\"my-bucket:sunflower.jpg\",\"deadline\":1451491200,\"returnBody\":\"{\\\"name\\\":$(fname),\\\"size\\\":$(fsize),\\\"w\\\":$(imageInfo.width),\\\"h\\\":$(imageInfo.height),\\\"hash\\\":$(etag)}\"}";
            Assert.Equal("MY_ACCESS_KEY:wQ4ofysef1R7IKnrziqtomqyDvI=:eyJzY29wZSI6Im15LWJ1Y2tldDpzdW5mbG93ZXIuanBnIiwiZGVhZGxpbmUiOjE0NTE0OTEyMDAsInJldHVybkJvZHkiOiJ7XCJuYW1lXCI6JChmbmFtZSksXCJzaXplXCI6JChmc2l6ZSksXCJ3XCI6JChpbWFnZUluZm8ud2lkdGgpLFwiaFwiOiQoaW1hZ2VJbmZvLmhlaWdodCksXCJoYXNoXCI6JChldGFnKX0ifQ==",
                My.SignWithData(policy));
        }

        [Fact] // T10
        public void T10_QBox_from_the_docs() =>
            Assert.Equal("MY_ACCESS_KEY:FXsYh0wKHYPEsIAgdPD9OfjkeEM=", My.SignQBox("/move/bmV3ZG9jczpmaW5kX21hbi50eHQ=/bmV3ZG9jczpmaW5kLm1hbi50eHQ=", null, null));

        public static IEnumerable<object?[]> V2Cases()
        {
            const string Json = "application/json", Form = KodoCredentials.FormContentType;
            var ab = new[] { ("X-Qiniu-Bbb", "BBB"), ("X-Qiniu-Aaa", "DDD") };
            var abLower = new[] { ("X-Qiniu-Bbb", "BBB"), ("x-qIniu-aAa", "DDD") };
            // T11 a–l
            yield return new object?[] { "GET", "rs.qbox.me", "/", null, null, null, "ak:bgfeAqx6xXMIXA232e8ocxfhINc=" };
            yield return new object?[] { "GET", "rs.qbox.me", "/", Form, null, "", "ak:oFWoJ99aQR9W5c2nH--qEuywWA0=" };
            yield return new object?[] { "GET", "rs.qbox.me", "/", Form, null, "{\"name\": \"test\"}", "ak:CK4wBVOL6sLbVE4G4mrXqL_yEc4=" };
            yield return new object?[] { "GET", "rs.qbox.me", "/", Json, null, "{\"name\": \"test\"}", "ak:ksh7bJBnBzFO0yxJ_tLLUcg0csM=" };
            yield return new object?[] { "POST", "rs.qbox.me", "/", Json, new[] { ("X-Qiniu", "b") }, "{\"name\": \"test\"}", "ak:IlW01tHjGQ0pGPXV_3jjR1AdD34=" };
            yield return new object?[] { "GET", "upload.qiniup.com", "/", Form, null, "{\"name\": \"test\"}", "ak:156x8Q4x1zadPcAyMRVDsioIyAk=" };
            yield return new object?[] { "GET", "upload.qiniup.com", "/", Json, abLower, "{\"name\": \"test\"}", "ak:eOaX4RziJPW9ywnJ02jshmEMfhI=" };
            yield return new object?[] { "GET", "upload.qiniup.com", "/", "application/octet-stream", ab, "{\"name\": \"test\"}", "ak:GQQrYvDCdN_RaVjyJC7hIkv5TYk=" };
            yield return new object?[] { "GET", "upload.qiniup.com", "/", Form, ab, "name=test&language=go", "ak:A5PMXECSPZQxitJqLj0op2B2GEM=" };
            yield return new object?[] { "GET", "upload.qiniup.com", "/mkfile/sdf.jpg", Form, ab, "name=test&language=go", "ak:fkRck5_LeyfwdkyyLk-hyNwGKac=" };
            yield return new object?[] { "GET", "upload.qiniup.com", "/mkfile/sdf.jpg?s=er3&df", Form, ab, "name=test&language=go", "ak:PUFPWsEUIpk_dzUvvxTTmwhp3p4=" };
            yield return new object?[] { "GET", "upload.qiniup.com", "/mkfile/sdf.jpg?s=er3&df", null, ab, "name=test&language=go", "ak:Z0kRph7PJaIkPfKbGQVvWQHgOig=" };
            // T12: empty paths
            yield return new object?[] { "GET", "", "", Form, null, "{\"name\": \"test\"}", "ak:0i1vKClRDWFyNkcTFzwcE7PzX74=" };
            yield return new object?[] { "GET", "", "", Json, null, "{\"name\": \"test\"}", "ak:K1DI0goT05yhGizDFE5FiPJxAj4=" };
            yield return new object?[] { "POST", "", "", Json, null, "{\"name\": \"test\"}", "ak:0ujEjW_vLRZxebsveBgqa3JyQ-w=" };
            yield return new object?[] { "GET", "upload.qiniup.com", "", Form, null, "{\"name\": \"test\"}", "ak:GShw5NitGmd5TLoo38nDkGUofRw=" };
            yield return new object?[] { "GET", "upload.qiniup.com", "", Json, ab, "{\"name\": \"test\"}", "ak:DhNA1UCaBqSHCsQjMOLRfVn63GQ=" };
            yield return new object?[] { "GET", "upload.qiniup.com", "", Form, ab, "name=test&language=go", "ak:KUAhrYh32P9bv0COD8ugZjDCmII=" };
            yield return new object?[] { "GET", "upload.qiniup.com", "", Json, new[] { ("X-Qiniu-Aaa", "AAA"), ("X-Qiniu-Bbb", "AAA"), ("X-Qiniu-Aaa", "CCC") }, "{\"name\": \"test\"}", "ak:_PAgAJVMMQD4SLLXp7f44lS8aTs=" };
            yield return new object?[] { "GET", "upload.qiniup.com", "", Form, new[] { ("X-Qiniu-Aaa", "AAA"), ("X-Qiniu-Bbb", "AAA"), ("X-Qiniu-Aaa", "CCC") }, "name=test&language=go", "ak:ERR7z4iI_gHYd80GVfCBZBtT3wg=" };
        }

        [Theory] // T11, T12
        [MemberData(nameof(V2Cases))]
        public void T11_T12_Qiniu_v2(string method, string host, string path, string? contentType, (string, string)[]? headers, string? body, string expected)
        {
            var pairs = headers == null ? null : Array.ConvertAll(headers, h => new KeyValuePair<string, string>(h.Item1, h.Item2));
            Assert.Equal(expected, AkSk.SignQiniu(method, host, path, contentType, pairs, body == null ? null : Encoding.UTF8.GetBytes(body)));
        }

        [Fact] // T13
        public void T13_Qiniu_v2_doc_style() =>
            Assert.Equal("MY_ACCESS_KEY:1uLvuZM6l6oCzZFqkJ6oI4oFMVQ=",
                My.SignQiniu("POST", "rs.qiniu.com", "/move/bmV3ZG9jczpmaW5kX21hbi50eHQ=/bmV3ZG9jczpmaW5kLm1hbi50eHQ=", null, null, null));

        [Theory] // T14
        [InlineData("", null, "ak:qfWnqF1E_vfzjZnReCVkcSMl29M=")]
        [InlineData("", "name=test&language=go", "ak:h8gBb1Adb2Jgoys1N8sRVAnNvpw=")]
        [InlineData("", "{\"name\": \"test\"}", "ak:NJolr7PWLYeqLKbDXI_LxhMUaw4=")]
        [InlineData("/mkfile/sdf.jpg", "name=test&language=go", "ak:fRfPzux63uUumMU_GRiF0uWdAgE=")]
        [InlineData("/mkfile/sdf.jpg?s=er3&df", "name=test&language=go", "ak:K-R81jo5uqFvssxWcCUjZebb8Cw=")]
        public void T14_QBox(string path, string? formBody, string expected) =>
            Assert.Equal(expected, AkSk.SignQBox(path, KodoCredentials.FormContentType, formBody == null ? null : Encoding.UTF8.GetBytes(formBody)));

        [Fact] // T15
        public void T15_callback_signatures()
        {
            var body = Encoding.UTF8.GetBytes("name=sunflower.jpg&hash=Fn6qeQi4VDLQ347NiRm-RlQx_4O2&location=Shanghai&price=1500.00&uid=123");
            Assert.Equal("abcdefghklmnopq:T7F-SjxX7X2zI4Fc1vANiNt1AUE=", Abc.SignQBox("/callback", KodoCredentials.FormContentType, body));
            Assert.Equal("abcdefghklmnopq:ZqS7EZuAKrhZaEIxqNGxDJi41IQ=", Abc.SignQiniu("GET", "test.qiniu.com", "/callback", KodoCredentials.FormContentType,
                new[] { new KeyValuePair<string, string>("X-Qiniu-Bbb", "BBB") }, body));
        }

        [Theory] // T18
        [InlineData("你好/+=", "5L2g5aW9Lys9")]
        [InlineData("", "")]
        public void T18_url_safe_base64(string text, string expected)
        {
            Assert.Equal(expected, UrlSafeBase64.Encode(text));
            Assert.Equal(text, Encoding.UTF8.GetString(UrlSafeBase64.Decode(expected)));
        }

        [Fact] // T22: the X-Qiniu-Date format, which the AVA API client signs (AvaApiClientTests checks the header is signed)
        public void T22_Qiniu_date() =>
            Assert.Equal("20220519T032846Z", KodoCredentials.QiniuDate(DateTimeOffset.Parse("2022-05-19T03:28:46.816Z", System.Globalization.CultureInfo.InvariantCulture)));

        [Theory] // T19: entries are urlsafeB64("bucket:key")
        [InlineData("qiniuphotos:gogopher.jpg", "cWluaXVwaG90b3M6Z29nb3BoZXIuanBn")]
        [InlineData("qiniuphotos:", "cWluaXVwaG90b3M6")]
        [InlineData("qiniuphotos", "cWluaXVwaG90b3M=")]
        [InlineData("qiniuphotos:012ts>a", "cWluaXVwaG90b3M6MDEydHM-YQ==")]
        [InlineData("qiniuphotos:012ts?a", "cWluaXVwaG90b3M6MDEydHM_YQ==")]
        public void T19_entries(string entry, string expected) => Assert.Equal(expected, UrlSafeBase64.Encode(entry));

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
        public void T20_canonical_header_names(string name, string expected) => Assert.Equal(expected, KodoCredentials.CanonicalHeaderName(name));

        [Fact]
        public void The_secret_key_never_shows()
        {
            var credentials = new KodoCredentials("AK123", "super-secret-value");
            Assert.DoesNotContain("super-secret-value", credentials.ToString());
            Assert.DoesNotContain("super-secret-value", Newtonsoft.Json.JsonConvert.SerializeObject(credentials));
        }
    }
}
