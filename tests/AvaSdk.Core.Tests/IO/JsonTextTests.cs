using AvaSdk.IO;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using Xunit;

namespace AvaSdk.Core.Tests.IO
{
    public class JsonTextTests
    {
        [Fact]
        public void Keeps_times_as_the_text_they_were()
        {
            var json = JsonText.ParseObject("{\"startTime\":\"2026-12-02T11:28:41.730+00:00\"}");
            Assert.Equal(JTokenType.String, json["startTime"]!.Type);
            Assert.Equal("{\"startTime\":\"2026-12-02T11:28:41.730+00:00\"}", json.ToString(Formatting.None));
        }

        [Theory]
        [InlineData("/* written by hand */ {\"a\": 1}")]
        [InlineData("// a note\n{\"a\": 1} // another")]
        public void Reads_what_Json_NET_read_comments_included(string text)
        {
            Assert.Equal(1, (int)JsonText.ParseObject(text)["a"]!);
        }

        [Theory]
        [InlineData("{\"a\": 1} {\"b\": 2}")]
        [InlineData("[1, 2]")]
        [InlineData("{\"a\": ")]
        public void Refuses_what_is_not_one_object(string text)
        {
            Assert.ThrowsAny<JsonException>(() => JsonText.ParseObject(text));
        }
    }
}
