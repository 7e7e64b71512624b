using System.Linq;
using System.Management.Automation;
using AvaSdk.Platform;
using AvaSdk.PowerShell.Infrastructure;
using AvaSdk.Training;

namespace AvaSdk.PowerShell.Cmdlets
{
    [Cmdlet(VerbsCommon.Get, "AvaConfig")]
    [OutputType(typeof(ConfigSetting))]
    public sealed class GetAvaConfigCommand : AvaCmdlet
    {
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
        }
    }
}
