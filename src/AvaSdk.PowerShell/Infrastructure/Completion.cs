using System;
using System.Collections;
using System.IO;
using System.Linq;
using System.Management.Automation;
using AvaSdk.Training;

namespace AvaSdk.PowerShell.Infrastructure
{
    /// <summary>What the argument completers share: the word typed, paths as the command would resolve them, quoting.</summary>
    internal static class Completion
    {
        /// <summary>The word being completed, without the quotes the user may have opened.</summary>
        public static string Typed(string? wordToComplete) => (wordToComplete ?? string.Empty).Trim('\'', '"');

        /// <summary>The workspace the command would read: its -Workspace as typed so far, else $env:AVA_WORKSPACE or the platform's.</summary>
        public static string Workspace(IDictionary fakeBoundParameters) =>
            FullPath(fakeBoundParameters.Contains("Workspace") && fakeBoundParameters["Workspace"] is string given ? given : AvaWorkspace.DefaultRoot());

        /// <summary>The instances of the workspace the command would read; none when it cannot be read.</summary>
        public static System.Collections.Generic.IReadOnlyList<TrainInstance> Instances(IDictionary fakeBoundParameters)
        {
            try
            {
                return TrainInstanceStore.List(Workspace(fakeBoundParameters), out _);
            }
            catch (Exception)
            {
                // Completion never fails loudly: a missing workspace simply offers nothing.
                return Array.Empty<TrainInstance>();
            }
        }

        // Completers run inside the engine's pipeline, so the location is asked for with a nested command.
        public static string FullPath(string path)
        {
            using var shell = System.Management.Automation.PowerShell.Create(RunspaceMode.CurrentRunspace);
            var location = shell.AddCommand("Get-Location").AddParameter("PSProvider", "FileSystem").Invoke<PathInfo>().FirstOrDefault();
            return location == null ? Path.GetFullPath(path) : Path.GetFullPath(Path.Combine(location.ProviderPath, path));
        }

        /// <summary>The text to insert: quoted when PowerShell would otherwise read it as more than one word.</summary>
        public static string Quote(string text) =>
            text.Any(c => char.IsWhiteSpace(c) || "'\"`$;,(){}@#&|<>".IndexOf(c) >= 0) ? "'" + text.Replace("'", "''") + "'" : text;
    }
}
