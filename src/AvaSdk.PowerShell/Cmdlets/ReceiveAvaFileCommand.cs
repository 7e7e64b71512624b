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
    public sealed class ReceiveAvaFileCommand : TransferCmdlet
    {
        private readonly HashSet<string> destinations = new HashSet<string>(StringComparer.Ordinal);
        private FileDownloader? downloader;
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
        [ValidateNotNullOrEmpty]
        public string? Domain { get; set; }

        protected override void BeginProcessing()
        {
            var settings = BeginTransfers(12, "Receive-AvaFile", null, null, Domain);
            var destination = ResolvePath(Destination ?? SessionState.Path.CurrentFileSystemLocation.ProviderPath);
            var namesFolder = Destination == null || Directory.Exists(destination) || Destination.EndsWith("/", StringComparison.Ordinal) ||
                Destination.EndsWith("\\", StringComparison.Ordinal);
            if (namesFolder)
                destinationFolder = destination;
            else
                destinationFile = destination;
            downloader = FileDownloader.For(settings, Http);
        }

        protected override string? Hint(AvaError error, object? target) =>
            error == AvaErrors.DestinationExists ? "Use -Force to overwrite it, or choose another -Destination." :
            error == AvaErrors.DestinationRequired ? "Pass -Destination with a file name." :
            error == AvaErrors.DownloadNameUnsafe ? "Pass an explicit file path as -Destination to save it under a name you choose." :
            error == AvaErrors.DomainNotFound ? "Pass -Domain, or -Credential so the region can be asked." :
            error == AvaErrors.StorageAccessDenied || error == AvaErrors.CredentialNotFound ? Hints.PassCredential : null;

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
                    WriteError(ToErrorRecord(new AvaException(AvaErrors.DestinationConflict, destinationFile != null
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
                Pump.Start(uri, null, async (received, size, token) =>
                    await downloader!.DownloadAsync(source, target, Force, received, size, token).ConfigureAwait(false));
            }
        }

        private string Target(string uri) => destinationFile ?? Path.Combine(destinationFolder!, DownloadName.Of(uri));
    }
}
