using System;
using System.IO;
using AvaSdk.Training;
using Xunit;

namespace AvaSdk.Core.Tests.Training
{
    /// <summary>Where the workspace is, without depending on whether this machine has a /workspace.</summary>
    [Collection(EnvironmentCollection.Name)]
    public sealed class AvaWorkspaceTests : IDisposable
    {
        private readonly string? saved = Environment.GetEnvironmentVariable(AvaWorkspace.EnvironmentVariable);

        public void Dispose() => Environment.SetEnvironmentVariable(AvaWorkspace.EnvironmentVariable, saved);

        [Theory]
        [InlineData(null)]
        [InlineData("")]
        [InlineData("  ")]
        public void Is_the_platforms_workspace_when_AVA_WORKSPACE_is_not_set(string? value)
        {
            Environment.SetEnvironmentVariable(AvaWorkspace.EnvironmentVariable, value);
            Assert.Equal("/workspace", AvaWorkspace.DefaultRoot());
            Assert.Equal(Path.Combine(Path.GetFullPath("/workspace"), "params", "default.json"), new AvaWorkspace(AvaWorkspace.DefaultRoot()).ParamsPath);
        }

        [Fact]
        public void Is_AVA_WORKSPACE_when_it_is_set()
        {
            Environment.SetEnvironmentVariable(AvaWorkspace.EnvironmentVariable, "/tmp/job");
            Assert.Equal("/tmp/job", AvaWorkspace.DefaultRoot());
        }
    }
}
