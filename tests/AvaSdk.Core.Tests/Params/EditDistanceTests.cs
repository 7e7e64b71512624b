using AvaSdk.Params;
using Xunit;

namespace AvaSdk.Core.Tests.Params
{
    public class EditDistanceTests
    {
        [Theory]
        [InlineData("", "", 0)]
        [InlineData("", "abc", 3)]
        [InlineData("abc", "", 3)]
        [InlineData("solver.lr", "solver.lr", 0)]
        [InlineData("solver.rl", "solver.lr", 1)]
        [InlineData("solver.lr", "Solver.LR", 0)]
        [InlineData("kitten", "sitting", 3)]
        [InlineData("epochs", "epoch", 1)]
        [InlineData("ca", "abc", 3)]
        public void Counts_insertions_deletions_substitutions_and_neighbour_swaps(string a, string b, int expected)
        {
            Assert.Equal(expected, EditDistance.OptimalStringAlignment(a, b));
            Assert.Equal(expected, EditDistance.OptimalStringAlignment(b, a));
        }
    }
}
