using System.Linq;
using AvaSdk.TestServer;
using Xunit;

namespace AvaSdk.TestServer.AvaTests
{
    public class LineProtocolTests
    {
        private static LinePoint One(string line) => Assert.Single(LineProtocol.Parse(line));

        // ava-original §4, "Test-verified encodings".
        [Fact]
        public void ReadsAQuotedStringField()
        {
            var p = One("test-metric,tagk1=tagv1 field1=\"str1\"");
            Assert.Equal("test-metric", p.Measurement);
            Assert.Equal(("tagk1", "tagv1"), (p.Tags[0].Key, p.Tags[0].Value));
            var field = Assert.Single(p.Fields);
            Assert.Equal("field1", field.Key);
            Assert.Equal(FieldKind.String, field.Value.Kind);
            Assert.Equal("str1", field.Value.Value);
            Assert.Null(p.Timestamp);
        }

        [Fact]
        public void ReadsAnEscapedCommaInATagValueAndAnIntegerWithoutSuffix()
        {
            var p = One(@"test-metric,tagk1=tagv\,1 field1=123");
            Assert.Equal("tagv,1", p.Tags[0].Value);
            Assert.Equal(FieldKind.Integer, p.Fields[0].Value.Kind);
            Assert.Equal(123L, p.Fields[0].Value.Value);
            Assert.False(p.Fields[0].Value.IntegerSuffix);
        }

        [Fact]
        public void ReadsEscapedEqualsAndSpacesInKeysAndABoolean()
        {
            var p = One(@"test-metric,tagk\=1=tagv\,1 field\ 1=true");
            Assert.Equal("tagk=1", p.Tags[0].Key);
            Assert.Equal("tagv,1", p.Tags[0].Value);
            Assert.Equal("field 1", p.Fields[0].Key);
            Assert.Equal(FieldKind.Boolean, p.Fields[0].Value.Kind);
            Assert.Equal(true, p.Fields[0].Value.Value);
        }

        [Fact]
        public void ReadsTheFullyEscapedExample()
        {
            var p = One(@"m\,=\ etric,tagk\,\=\ 1=tagv\,\=\ \""1 field\ 1=1.0");
            Assert.Equal("m,= etric", p.Measurement);
            Assert.Equal("tagk,= 1", p.Tags[0].Key);
            // InfluxDB escapes only , space and = in tags: the backslash before the quote stays.
            Assert.Equal(@"tagv,= \""1", p.Tags[0].Value);
            Assert.Equal("field 1", p.Fields[0].Key);
            Assert.Equal(FieldKind.Float, p.Fields[0].Value.Kind);
            Assert.Equal(1.0, p.Fields[0].Value.Value);
        }

        [Fact]
        public void ReadsTheExampleRealLine()
        {
            var p = One("ava_metric_training_loss,job_type=training,id=5a8f83b058a9b60001ca3129,epoch=0,batch=400 value=0.0306422 1498186063000000000");
            Assert.Equal("ava_metric_training_loss", p.Measurement);
            Assert.Equal(new[] { "job_type", "id", "epoch", "batch" }, p.Tags.Select(t => t.Key));
            Assert.Equal(new[] { "training", "5a8f83b058a9b60001ca3129", "0", "400" }, p.Tags.Select(t => t.Value));
            Assert.Equal(0.0306422, p.Fields[0].Value.Value);
            Assert.Equal(1498186063000000000L, p.Timestamp);
        }

        [Theory]
        [InlineData("1e-05", 1e-05)]
        [InlineData("0.00596843", 0.00596843)]
        [InlineData("-2.5E+3", -2500.0)]
        [InlineData(".5", 0.5)]
        [InlineData("5.", 5.0)]
        public void ReadsFloats(string text, double value)
        {
            var f = One("m v=" + text).Fields[0].Value;
            Assert.Equal(FieldKind.Float, f.Kind);
            Assert.Equal(value, f.Value);
            Assert.Equal(text, f.Raw);
        }

        [Fact]
        public void ReadsSuffixedIntegersBooleansStringsAndTimestamps()
        {
            var p = One("ava_metric_training_sample_num,batch=100,id=x count=12800i,neg=-3i,ok=F,s=\"a b,c=d \\\"q\\\" \\\\ \\n\" -1");
            Assert.Equal(12800L, p.Fields[0].Value.Value);
            Assert.True(p.Fields[0].Value.IntegerSuffix);
            Assert.Equal(-3L, p.Fields[1].Value.Value);
            Assert.Equal(false, p.Fields[2].Value.Value);
            Assert.Equal("a b,c=d \"q\" \\ \\n", p.Fields[3].Value.Value);
            Assert.Equal(-1L, p.Timestamp);
        }

        [Fact]
        public void ReadsManyLinesSkippingBlankLinesAndComments()
        {
            var points = LineProtocol.Parse("a v=1 1\n\n# a comment\nb v=2 2\n");
            Assert.Equal(new[] { "a", "b" }, points.Select(p => p.Measurement));
            Assert.Equal(new[] { 1, 4 }, points.Select(p => p.Line));
            Assert.Equal("b v=2 2", points[1].Raw);
            Assert.Empty(LineProtocol.Parse(""));
        }

        [Theory]
        [InlineData("m")]
        [InlineData("m ")]
        [InlineData("m,t=v")]
        [InlineData("m,t=v ")]
        [InlineData("m f=")]
        [InlineData("m f")]
        [InlineData("m =1")]
        [InlineData(",t=v f=1")]
        [InlineData("m,t= f=1")]
        [InlineData("m,=v f=1")]
        [InlineData("m,t f=1")]
        [InlineData("m,t=v=w f=1")]
        [InlineData("m,t=a,t=b f=1")]
        [InlineData("m f=1,f=2")]
        [InlineData("m f=1,")]
        [InlineData("m f=1, g=2")]
        [InlineData("m f=1 abc")]
        [InlineData("m f=1 1.5")]
        [InlineData("m f=1 12 13")]
        [InlineData("m f=1 ")]
        [InlineData("m f=1  12")]
        [InlineData("m  f=1")]
        [InlineData(" m f=1")]
        [InlineData("m f=1\r")]
        [InlineData("m f=\"abc")]
        [InlineData("m f=\"a\"b")]
        [InlineData("m f=1.2.3")]
        [InlineData("m f=+1")]
        [InlineData("m f=NaN")]
        [InlineData("m f=inf")]
        [InlineData("m f=1u")]
        [InlineData("m f=12i3")]
        [InlineData("m f=1.5i")]
        [InlineData("m f=99999999999999999999i")]
        [InlineData("m f=1e")]
        [InlineData("m f=tru")]
        [InlineData("m f=1 99999999999999999999")]
        [InlineData(@"m\ f=1")]
        [InlineData(@"m f=1\")]
        public void RefusesMalformedLines(string line)
        {
            var e = Assert.Throws<LineProtocolException>(() => LineProtocol.Parse(line));
            Assert.Equal(1, e.Line);
            Assert.StartsWith("line 1: ", e.Message);
        }

        [Fact]
        public void NamesTheBadLine()
        {
            var e = Assert.Throws<LineProtocolException>(() => LineProtocol.Parse("m f=1\nm f=2\nm,t=v value="));
            Assert.Equal(3, e.Line);
            Assert.Equal("line 3: field 'value' has no value", e.Message);
        }
    }
}
