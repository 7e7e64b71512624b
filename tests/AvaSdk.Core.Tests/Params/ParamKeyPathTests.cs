using System;
using System.Linq;
using AvaSdk.Params;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace AvaSdk.Core.Tests.Params
{
    public class ParamKeyPathTests
    {
        [Theory]
        [InlineData("lr", "lr")]
        [InlineData("k2.k3", "k2|k3")]
        [InlineData("layers.0.name", "layers|0|name")]
        [InlineData("layers[0].name", "layers|[0]|name")]
        [InlineData("grid[1][2]", "grid|[1]|[2]")]
        [InlineData("a.b[10].c", "a|b|[10]|c")]
        public void Parses_dotted_and_indexed_keys(string key, string expected)
        {
            var segments = ParamKeyPath.Parse(key).Segments.Select(s => s.ToString());
            Assert.Equal(expected, string.Join("|", segments));
        }

        [Theory]
        [InlineData("")]
        [InlineData("  ")]
        [InlineData("a..b")]
        [InlineData(".a")]
        [InlineData("a.")]
        [InlineData("a[x]")]
        [InlineData("a[-1]")]
        [InlineData("a[1")]
        [InlineData("a[1]b")]
        public void Rejects_malformed_keys_with_a_message_naming_the_key(string key)
        {
            var error = Assert.Throws<FormatException>(() => ParamKeyPath.Parse(key));
            Assert.Contains(key.Trim().Length == 0 ? "empty" : $"'{key}'", error.Message);
        }

        [Property]
        public Property Formatting_then_parsing_gives_back_the_same_segments()
        {
            var name = Gen.Elements("lr", "solver", "k2", "layers", "name", "batch_size", "x-y")
                .Select(ParamKeySegment.Named);
            var index = Gen.Choose(0, 1000).Select(ParamKeySegment.Indexed);
            var path = Gen.OneOf(name, index).ArrayOf().Where(s => s.Length > 0 && s[0].Name != null);
            return Prop.ForAll(path.ToArbitrary(), segments =>
            {
                var parsed = ParamKeyPath.Parse(ParamKeyPath.Format(segments)).Segments;
                return parsed.Select(s => s.ToString()).SequenceEqual(segments.Select(s => s.ToString()));
            });
        }
    }
}
