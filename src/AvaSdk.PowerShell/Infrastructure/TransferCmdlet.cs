using System;
using System.Management.Automation;
using System.Net.Http;
using AvaSdk.Errors;
using AvaSdk.Http;
using AvaSdk.Logging;
using AvaSdk.Storage;

namespace AvaSdk.PowerShell.Infrastructure
{
    /// <summary>What Send-AvaFile and Receive-AvaFile share: credentials, retries, timeouts, parallelism, -Force, and the transfer pump.</summary>
    public abstract class TransferCmdlet : AvaCmdlet, IDisposable
    {
        private TransferPump? pump;
        private ServiceHttp? http;

        [Parameter]
        [Credential]
        public PSCredential? Credential { get; set; }

        [Parameter]
        [ValidateRange(0, 20)]
        public int MaxRetry { get; set; } = 5;

        /// <summary>Per attempt: seconds to connect, and seconds slower than 1 KiB/s; not a deadline for the whole transfer.</summary>
        [Parameter]
        [ValidateRange(1, 3600)]
        public int TimeoutSec { get; set; }

        [Parameter]
        [ValidateRange(1, 64)]
        public int ThrottleLimit { get; set; } = 4;

        [Parameter]
        public SwitchParameter Force { get; set; }

        internal TransferPump Pump => pump ?? throw new InvalidOperationException("The transfers have not been set up.");

        internal ServiceHttp Http => http ?? throw new InvalidOperationException("The transfers have not been set up.");

        /// <summary>Resolves the Kodo settings (a failure stops the command) and sets up the pump.</summary>
        internal KodoSettings BeginTransfers(int activityId, string activity, string? bucket, string? uploadHost, string? domain)
        {
            KodoSettings? settings = null;
            try
            {
                settings = StorageSettings.Resolve(this, Credential, bucket, uploadHost, domain);
            }
            catch (AvaException ex)
            {
                ThrowTerminatingError(ToErrorRecord(ex));
            }
            var bounds = settings!.Http.With(maxRetry: MaxRetry, timeout: TimeoutSec > 0 ? TimeSpan.FromSeconds(TimeoutSec) : (TimeSpan?)null);
            http = ServiceHttp.ForTransfers(bounds);
            pump = new TransferPump(this, ThrottleLimit, activityId, activity);
            return settings;
        }

        protected override void EndProcessing() => pump?.Pump(untilDone: true);

        protected override void StopProcessing() => pump?.Stop();

        public void Dispose()
        {
            pump?.Dispose();
            http?.Dispose();
        }
    }
}
