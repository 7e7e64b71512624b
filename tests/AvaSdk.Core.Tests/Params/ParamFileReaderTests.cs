using System;
using System.IO;
using AvaSdk.Params;
using Newtonsoft.Json.Linq;
using Xunit;

namespace AvaSdk.Core.Tests.Params
{
    public class ParamFileReaderTests
    {
        [Fact]
        public void A_missing_file_reads_as_null()
        {
            using var temp = new TempFolder();
            Assert.Null(ParamFileReader.TryRead(Path.Combine(temp.Path, "none.json")));
        }

        [Fact]
        public void Invalid_json_reports_the_file_line_and_position()
        {
            using var temp = new TempFolder();
            var file = temp.Write("p.json", "{\n  \"a\": 1,\n  \"b\": tru\n}");
            var error = Assert.Throws<ParamFileInvalidException>(() => ParamFileReader.TryRead(file));
            Assert.Equal(3, error.Line);
            Assert.True(error.Position > 0);
            Assert.Contains(file, error.Message);
            Assert.Contains("line 3", error.Message);
        }

        [Theory]
        [InlineData("")]
        [InlineData("{\"a\":1} {\"b\":2}")]
        [InlineData("{\"a\":")]
        [InlineData("{\"a\": ,}")]
        [InlineData("[1,,2]")]
        public void Empty_truncated_or_doubled_documents_are_invalid(string content)
        {
            using var temp = new TempFolder();
            var file = temp.Write("p.json", content);
            Assert.Throws<ParamFileInvalidException>(() => ParamFileReader.TryRead(file));
        }

        [Fact]
        public void Date_like_strings_stay_strings()
        {
            using var temp = new TempFolder();
            var file = temp.Write("p.json", "{\"start\": \"2018-02-23T11:00:00.481+08:00\"}");
            var document = ParamFileReader.TryRead(file)!;
            Assert.True(document.TryGetValue(ParamKeyPath.Parse("start"), out var value));
            Assert.Equal(JTokenType.String, value!.Type);
            Assert.Equal("2018-02-23T11:00:00.481+08:00", (string?)value);
        }

        [Fact]
        public void An_unchanged_file_is_parsed_once_and_a_changed_file_is_read_again()
        {
            using var temp = new TempFolder();
            var file = temp.Write("p.json", "{\"lr\": 0.1}");
            var first = ParamFileReader.TryRead(file);
            Assert.Same(first, ParamFileReader.TryRead(file));

            File.WriteAllText(file, "{\"lr\": 0.25}");
            File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddSeconds(5));
            var second = ParamFileReader.TryRead(file)!;
            Assert.NotSame(first, second);
            Assert.True(second.TryGetValue(ParamKeyPath.Parse("lr"), out var lr));
            Assert.Equal(0.25, (double)lr!);
        }

        [Fact]
        public void A_file_that_disappears_reads_as_null_again()
        {
            using var temp = new TempFolder();
            var file = temp.Write("p.json", "{}");
            Assert.NotNull(ParamFileReader.TryRead(file));
            File.Delete(file);
            Assert.Null(ParamFileReader.TryRead(file));
        }
    }
}
