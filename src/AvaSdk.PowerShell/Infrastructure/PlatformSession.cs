using System;
using System.Threading;
using AvaSdk.Errors;
using AvaSdk.Logging;
using AvaSdk.Platform;
using AvaSdk.Storage;

namespace AvaSdk.PowerShell.Infrastructure
{
    /// <summary>What the instance cmdlets share for platform mode: the API client, and sending completions still owed to it.</summary>
    internal static class PlatformSession
    {
        /// <summary>An API client when the workspace configures an AVA API host; null in local mode.</summary>
        /// <exception cref="AvaException">AvaConfigInvalid for a damaged config file, AvaCredentialNotFound without credentials.</exception>
        public static AvaApiClient? Api(PlatformConfig config)
        {
            if (config.ApiHost is not Uri host)
                return null;
            var credentials = KodoSettings.Resolve(config, null, null, null, null).RequireCredentials("talk to the AVA API");
            return new AvaApiClient(host, credentials, InstanceLog.Detached, config.HttpSettings());
        }

        /// <summary>
        /// Sends the completions the platform has not taken yet. Failing here never fails the command at hand: it is
        /// a warning, and the completions stay pending for the next command.
        /// </summary>
        public static void SendPending(AvaCmdlet cmdlet, PlatformConfig config, AvaApiClient api, CancellationToken cancellationToken)
        {
            try
            {
                cmdlet.RunCoreInternal(() => PlatformReports.SendPendingAsync(config.Workspace, api, InstanceLog.Detached, cancellationToken).GetAwaiter().GetResult());
            }
            catch (AvaException ex)
            {
                cmdlet.WriteWarning($"Completions owed to the AVA platform are still not sent: {ex.Message} They stay in status.json; the next AvaSdk command in '{config.Workspace}', or Complete-AvaTrainInstance -Retry, sends them.");
            }
        }
    }
}
