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
    [Cmdlet(VerbsCommunications.Send, "AvaFile", SupportsShouldProcess = true, DefaultParameterSetName = PathSet)]
    [OutputType(typeof(StoredObject))]
    public sealed class SendAvaFileCommand : TransferCmdlet
    {
        private const string PathSet = "Path";
        private const string LiteralPathSet = "LiteralPath";

        private readonly HashSet<string> keysSent = new HashSet<string>(StringComparer.Ordinal);
        private KodoSettings? settings;

        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = PathSet)]
        [ValidateNotNullOrEmpty]
        [SupportsWildcards]
        public string[] Path { get; set; } = new string[0];

        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = LiteralPathSet)]
        [Alias("PSPath", "FullName", "LP")]
        [ValidateNotNullOrEmpty]
        public string[] LiteralPath { get; set; } = new string[0];

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Key { get; set; }

        [Parameter]
        [ValidateNotNull]
        public string KeyPrefix { get; set; } = string.Empty;

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Bucket { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? UploadHost { get; set; }

        [Parameter]
        [ValidateRange(KodoUploader.MinPartSize, KodoUploader.MaxPartSize)]
        public long PartSize { get; set; } = KodoUploader.DefaultPartSize;

        protected override void BeginProcessing()
        {
            settings = BeginTransfers(11, "Send-AvaFile", Bucket, UploadHost, null);
            try
            {
                settings.RequireUpload("send files to Kodo");
            }
            catch (AvaException ex)
            {
                ThrowTerminatingError(ToErrorRecord(ex));
            }
        }

        protected override string? Hint(AvaError error, object? target) =>
            error == AvaErrors.ObjectExists ? "Use -Force to overwrite it, or another -Key." :
            error == AvaErrors.BucketNotFound ? "Check -Bucket." :
            error == AvaErrors.ConfigMissing ? "Or pass -Bucket and -Credential (user name = access key, password = secret key)." :
            error == AvaErrors.CredentialNotFound ? Hints.PassCredential : null;

        protected override void ProcessRecord()
        {
            foreach (var file in ResolveFiles())
            {
                var key = Key ?? KeyPrefix + System.IO.Path.GetFileName(file);
                if (!keysSent.Add(key))
                {
                    WriteError(ToErrorRecord(new AvaException(AvaErrors.KeyConflict, $"'{file}' would be stored as '{key}', a key this command already sends another file to. Use -KeyPrefix with distinct file names, or send the files one by one with -Key.", file)));
                    continue;
                }
                var size = new FileInfo(file).Length;
                if (!ShouldProcess($"{file} ({size} bytes)", $"Send to qiniu://{settings!.Bucket}/{key}"))
                    continue;
                KodoUploader uploader;
                try
                {
                    uploader = Uploader();
                }
                catch (AvaException ex)
                {
                    ThrowTerminatingError(ToErrorRecord(ex));
                    return;
                }
                var request = new KodoUploadRequest(file, settings.Bucket!, key) { Overwrite = Force, PartSize = PartSize, Parallelism = ThrottleLimit };
                Pump.Start(file, size, async (sent, _, token) => await uploader.UploadAsync(request, sent, token).ConfigureAwait(false));
            }
        }

        private KodoUploader Uploader()
        {
            return KodoUploader.For(settings!, Http);
        }

        private IEnumerable<string> ResolveFiles()
        {
            var literal = ParameterSetName == LiteralPathSet;
            var files = new List<string>();
            foreach (var given in literal ? LiteralPath : Path)
            {
                IEnumerable<string> paths;
                try
                {
                    paths = literal
                        ? new[] { SessionState.Path.GetUnresolvedProviderPathFromPSPath(given) }
                        : GetResolvedProviderPathFromPSPath(given, out _);
                }
                catch (ItemNotFoundException)
                {
                    paths = new[] { ResolvePath(given) };
                }
                foreach (var path in paths)
                {
                    if (Directory.Exists(path))
                        WriteError(ToErrorRecord(new AvaException(AvaErrors.PathIsFolder, $"'{path}' is a folder. Send its files instead: Get-ChildItem '{path}' -File -Recurse | Send-AvaFile -KeyPrefix '{System.IO.Path.GetFileName(System.IO.Path.TrimEndingDirectorySeparator(path))}/'", path)));
                    else if (!File.Exists(path))
                        WriteError(ToErrorRecord(new AvaException(AvaErrors.FileNotFound, $"The file '{path}' does not exist.", path)));
                    else
                        files.Add(path);
                }
            }
            if (Key != null && files.Count + keysSent.Count > 1)
                ThrowTerminatingError(ToErrorRecord(new AvaException(AvaErrors.KeyConflict, $"-Key '{Key}' names one object, but several files were given. Use -KeyPrefix to send several files.", Key)));
            return files;
        }
    }
}
