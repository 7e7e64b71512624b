using System.Linq;
using System.Management.Automation;
using AvaSdk.Http;
using AvaSdk.Logging;
using AvaSdk.Platform;
using AvaSdk.Storage;
using AvaSdk.PowerShell.Infrastructure;
using AvaSdk.Training;

namespace AvaSdk.PowerShell.Cmdlets
{
    [Cmdlet(VerbsCommon.Get, "AvaConfig")]
    [OutputType(typeof(ConfigSetting))]
    public sealed class GetAvaConfigCommand : AvaCmdlet, System.IDisposable
    {
        private readonly System.Threading.CancellationTokenSource stopping = new System.Threading.CancellationTokenSource();

        [Parameter(Position = 0)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[] Name { get; set; } = { "*" };

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Workspace { get; set; }

        protected override void EndProcessing()
        {
            var config = new PlatformConfig(ResolvePath(Workspace ?? AvaWorkspace.DefaultRoot()));
            var settings = config.Describe(out var problems);
            // A damaged file is reported, and every setting that does not depend on it is still shown.
            foreach (var problem in problems)
                WriteError(ToErrorRecord(problem));
            var patterns = Name.Select(n => new WildcardPattern(n, WildcardOptions.IgnoreCase)).ToList();
            foreach (var setting in settings.Where(s => patterns.Any(p => p.IsMatch(s.Name))))
                WriteObject(setting);
            // The resolved hosts may need the region query: only when asked for.
            if (problems.Count == 0 && new[] { "UploadHosts", "DownloadDomain" }.Any(n => patterns.Any(p => p.IsMatch(n))))
                foreach (var setting in ResolvedHosts(config).Where(s => patterns.Any(p => p.IsMatch(s.Name))))
                    WriteObject(setting);
        }

        protected override void StopProcessing() => stopping.Cancel();

        private System.Collections.Generic.IReadOnlyList<ConfigSetting> ResolvedHosts(PlatformConfig config)
        {
            try
            {
                var settings = KodoSettings.Resolve(config, null, null, null, null);
                return RunCore(() => settings.DescribeHostsAsync(stopping.Token).GetAwaiter().GetResult());
            }
            catch (Errors.AvaException ex)
            {
                WriteError(ToErrorRecord(ex));
                return System.Array.Empty<ConfigSetting>();
            }
        }
    
        public void Dispose() => stopping.Dispose();
    }
}
