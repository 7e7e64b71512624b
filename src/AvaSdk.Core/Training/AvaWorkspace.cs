using System;
using System.IO;

namespace AvaSdk.Training
{
    /// <summary>The job's workspace folder and where the platform puts things in it.</summary>
    public sealed class AvaWorkspace
    {
        public const string EnvironmentVariable = "AVA_WORKSPACE";
        public const string PlatformDefault = "/workspace";

        public AvaWorkspace(string root)
        {
            Root = Path.GetFullPath(root);
        }

        public string Root { get; }

        public string ParamsPath => Path.Combine(Root, "params", "default.json");

        public string TrainSetPath => Path.Combine(Root, "data", "train");

        public string ValSetPath => Path.Combine(Root, "data", "val");

        public string TestSetPath => Path.Combine(Root, "data", "test");

        public string ModelPath => Path.Combine(Root, "model");

        public string RunPath(string instanceId) => Path.Combine(Root, "run", instanceId);

        /// <summary>Where the nodes of a job meet: <c>run/.jobs/&lt;job&gt;.json</c> names the job's instance (a name no instance id can take).</summary>
        public string JobFile(string jobFileName) => Path.Combine(Root, "run", ".jobs", jobFileName + ".json");

        /// <summary>The lock under which a job's instance is created or joined; never deleted, so it is never two locks.</summary>
        public string JobLock(string jobFileName) => Path.Combine(Root, "run", ".jobs", jobFileName + ".lock");

        /// <summary>Checks that the workspace folder <paramref name="root"/> exists, before anything is written into it.</summary>
        /// <exception cref="Errors.AvaException">AvaWorkspaceNotFound.</exception>
        public static void RequireExists(string root)
        {
            if (!Directory.Exists(root))
                throw new Errors.AvaException(Errors.AvaErrors.WorkspaceNotFound,
                    $"The workspace folder '{root}' does not exist. Create it, or name another workspace (${EnvironmentVariable}).", root);
        }

        /// <summary>The workspace named by <c>AVA_WORKSPACE</c>, else the platform's <c>/workspace</c>; not resolved to a full path.</summary>
        public static string DefaultRoot()
        {
            var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
            return string.IsNullOrWhiteSpace(fromEnvironment) ? PlatformDefault : fromEnvironment!;
        }
    }
}
