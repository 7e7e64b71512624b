using Xunit;

namespace AvaSdk.Core.Tests
{
    /// <summary>Tests that set AVA_* environment variables: the process has one environment, so they never run in parallel.</summary>
    [CollectionDefinition(Name, DisableParallelization = true)]
    public sealed class EnvironmentCollection
    {
        public const string Name = "Environment variables";
    }
}
