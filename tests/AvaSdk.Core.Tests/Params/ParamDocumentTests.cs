using System.Linq;
using AvaSdk.Params;
using Newtonsoft.Json.Linq;
using Xunit;

namespace AvaSdk.Core.Tests.Params
{
    public class ParamDocumentTests
    {
        private const string Json = @"{
            ""k1"": 1,
            ""k2"": { ""k3"": ""v3"", ""k4"": null },
            ""layers"": [ { ""name"": ""conv1"" }, { ""name"": ""fc"" } ],
            ""Mixed"": 1, ""mixed"": 2,
            ""Solver"": { ""LR"": 0.5 }
        }";

        private static readonly ParamDocument Document = new ParamDocument("params.json", JToken.Parse(Json));

        [Theory]
        [InlineData("k1", "1")]
        [InlineData("k2.k3", "v3")]
        [InlineData("layers.1.name", "fc")]
        [InlineData("layers[0].name", "conv1")]
        [InlineData("solver.lr", "0.5")]
        [InlineData("Mixed", "1")]
        [InlineData("mixed", "2")]
        public void Finds_values_by_dotted_key(string key, string expected)
        {
            Assert.True(Document.TryGetValue(ParamKeyPath.Parse(key), out var value));
            Assert.Equal(expected, value!.ToString());
        }

        [Theory]
        [InlineData("missing")]
        [InlineData("k1.k5")]
        [InlineData("k2.k3.k9")]
        [InlineData("layers.2.name")]
        [InlineData("layers.name")]
        [InlineData("k2[0]")]
        [InlineData("MIXED")]
        public void Reports_missing_keys_as_missing(string key)
        {
            Assert.False(Document.TryGetValue(ParamKeyPath.Parse(key), out _));
        }

        [Fact]
        public void A_json_null_is_a_present_value_not_a_missing_key()
        {
            Assert.True(Document.TryGetValue(ParamKeyPath.Parse("k2.k4"), out var value));
            Assert.Equal(JTokenType.Null, value!.Type);
        }

        [Theory]
        [InlineData("solver.rl", new[] { "Solver.LR" })]
        [InlineData("k2.k5", new[] { "k2.k3", "k2.k4" })]
        [InlineData("layers[1].nmae", new[] { "layers[1].name" })]
        [InlineData("leyers", new[] { "layers" })]
        public void Suggests_only_the_nearest_keys_in_document_order(string key, string[] expected)
        {
            Assert.Equal(expected, Document.ClosestKeys(ParamKeyPath.Parse(key)));
        }

        [Theory]
        [InlineData("momentum")]
        [InlineData("zz")]
        [InlineData("solver.learning_rate")]
        public void Suggests_nothing_when_no_key_is_close(string key)
        {
            Assert.Empty(Document.ClosestKeys(ParamKeyPath.Parse(key)));
        }

        [Fact]
        public void Suggests_at_most_the_count_asked_for()
        {
            var document = new ParamDocument("params.json", JToken.Parse(@"{ ""a1"": 1, ""a2"": 2, ""a3"": 3, ""a4"": 4 }"));
            Assert.Equal(new[] { "a1", "a2", "a3" }, document.ClosestKeys(ParamKeyPath.Parse("a5")));
            Assert.Equal(new[] { "a1" }, document.ClosestKeys(ParamKeyPath.Parse("a5"), count: 1));
        }

        [Fact]
        public void Lists_every_key_depth_first_for_completion()
        {
            var keys = Document.EnumerateKeys().ToList();
            Assert.Equal(new[]
            {
                "k1", "k2", "k2.k3", "k2.k4", "layers", "layers[0]", "layers[0].name", "layers[1]", "layers[1].name",
                "Mixed", "mixed", "Solver", "Solver.LR",
            }, keys);
        }
    }
}
