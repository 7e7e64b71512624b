using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using AvaSdk.Errors;
using AvaSdk.Logging;
using AvaSdk.PowerShell.Infrastructure;
using AvaSdk.Storage;

namespace AvaSdk.PowerShell.Cmdlets
{
    [Cmdlet(VerbsCommunications.Receive, "AvaFile")]
    [OutputType(typeof(FileInfo))]
    public sealed class ReceiveAvaFileCommand : AvaCmdlet, IDisposable
    {
        private readonly HashSet<string> destinations = new HashSet<string>(StringComparer.Ordinal);
        private KodoSettings? settings;
        private KodoHttp? http;
        private FileDownloader? downloader;
        private TransferPump? pump;
        private string? destinationFolder;
        private string? destinationFile;

        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("Url")]
        [ValidateNotNullOrEmpty]
        public string[] Uri { get; set; } = new string[0];

        [Parameter(Position = 1)]
        [ValidateNotNullOrEmpty]
        public string? Destination { get; set; }

        [Parameter]
        [Credential]
        public PSCredential? Credential { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Domain { get; set; }

        [Parameter]
        [ValidateRange(0, 20)]
        public int MaxRetry { get; set; } = 5;

        [Parameter]
        [ValidateRange(1, 64)]
        public int ThrottleLimit { get; set; } = 4;

        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override void BeginProcessing()
        {
            try
            {
                settings = StorageSettings.Resolve(this, Credential, null, null, Domain);
            }
            catch (AvaException ex)
            {
                ThrowTerminatingError(ToErrorRecord(ex));
            }
            var destination = ResolvePath(Destination ?? SessionState.Path.CurrentFileSystemLocation.ProviderPath);
            var namesFolder = Destination == null || Directory.Exists(destination) || Destination.EndsWith("/", StringComparison.Ordinal) ||
                Destination.EndsWith("\\", StringComparison.Ordinal);
            if (namesFolder)
                destinationFolder = destination;
            else
                destinationFile = destination;
            http = new KodoHttp(MaxRetry, InstanceLog.Detached);
            downloader = new FileDownloader(http, settings!, InstanceLog.Detached);
            pump = new TransferPump(this, ThrottleLimit, 12, "Receive-AvaFile");
        }

        protected override void ProcessRecord()
        {
            foreach (var uri in Uri)
            {
                string target;
                try
                {
                    FileDownloader.Validate(uri);
                    target = Target(uri);
                }
                catch (AvaException ex)
                {
                    WriteError(ToErrorRecord(ex));
                    continue;
                }
                if (!destinations.Add(target))
                {
                    WriteError(ToErrorRecord(new AvaException("AvaDestinationConflict", AvaErrorKind.InvalidArgument, destinationFile != null
                        ? $"-Destination '{destinationFile}' is one file, but several URIs were given. Give a folder (it may end with '/') to receive several files."
                        : $"'{uri}' would be saved as '{target}', where another URI of this command is saved. Receive it separately with its own -Destination.", uri)));
                    continue;
                }
                if (File.Exists(target) && !Force)
                {
                    WriteError(ToErrorRecord(FileDownloader.DestinationExists(target)));
                    continue;
                }
                var source = uri;
                pump!.Start(uri, null, async (received, size, token) =>
                    await downloader!.DownloadAsync(source, target, Force, received, size, token).ConfigureAwait(false));
            }
        }

        protected override void EndProcessing() => pump?.Pump(untilDone: true);

        protected override void StopProcessing() => pump?.Stop();

        public void Dispose()
        {
            pump?.Dispose();
            http?.Dispose();
        }

        private string Target(string uri) => destinationFile ?? Path.Combine(destinationFolder!, FileDownloader.FileNameOf(uri));
    }
}
