using System;
using System.Linq;
using AvaSdk.Training;
using Xunit;

namespace AvaSdk.Core.Tests.Training
{
    public class TrainInstanceIdTests
    {
        [Theory]
        [InlineData("a")]
        [InlineData("5a8f83b058a9b60001ca3129")]
        [InlineData("run.2_final-B")]
        [InlineData("a..b")]
        public void Accepts_safe_folder_names(string id) => Assert.Null(TrainInstanceId.Validate(id));

        [Theory]
        [InlineData("", "empty")]
        [InlineData(".", "starts with '.'")]
        [InlineData("..", "starts with '.'")]
        [InlineData(".jobs", "starts with '.'")]
        [InlineData("a/b", "'/'")]
        [InlineData("a\\b", "'\\'")]
        [InlineData("a b", "' '")]
        [InlineData("日本", "'日'")]
        public void Rejects_ids_that_are_not_safe_folder_names(string id, string reason)
        {
            Assert.Contains(reason, TrainInstanceId.Validate(id));
        }

        [Fact]
        public void Rejects_ids_over_128_characters()
        {
            Assert.Null(TrainInstanceId.Validate(new string('x', 128)));
            Assert.Contains("129 characters", TrainInstanceId.Validate(new string('x', 129)));
        }

        [Fact]
        public void New_ids_are_valid_unique_and_sort_by_creation_time()
        {
            var start = new DateTimeOffset(2026, 11, 25, 5, 49, 11, 123, TimeSpan.FromHours(8));
            var ids = Enumerable.Range(0, 200).Select(i => TrainInstanceId.NewId(start.AddMilliseconds(i * 7))).ToList();
            Assert.All(ids, id => Assert.Null(TrainInstanceId.Validate(id)));
            Assert.Equal(ids.Count, ids.Distinct().Count());
            Assert.Equal(ids, ids.OrderBy(id => id, StringComparer.Ordinal));
            Assert.StartsWith("20261124-214911-123-", ids[0]);
        }
    }
}
