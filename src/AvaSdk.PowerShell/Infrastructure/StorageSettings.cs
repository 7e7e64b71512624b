using System.Management.Automation;
using AvaSdk.Storage;
using AvaSdk.Training;

namespace AvaSdk.PowerShell.Infrastructure
{
    /// <summary>Kodo settings for a transfer cmdlet: its parameters first, then the environment and the workspace's config/user.</summary>
    internal static class StorageSettings
    {
        public static KodoSettings Resolve(AvaCmdlet cmdlet, PSCredential? credential, string? bucket, string? uploadHost, string? domain)
        {
            var credentials = credential == null ? null : new KodoCredentials(credential.UserName, credential.GetNetworkCredential().Password);
            var workspace = cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(AvaWorkspace.DefaultRoot());
            return KodoSettings.Resolve(workspace, credentials, bucket, uploadHost, domain);
        }
    }
}
