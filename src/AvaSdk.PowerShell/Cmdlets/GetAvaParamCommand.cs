using System;
using System.Linq;
using System.Management.Automation;
using AvaSdk.Errors;
using AvaSdk.Params;
using AvaSdk.PowerShell.Infrastructure;
using AvaSdk.Training;

namespace AvaSdk.PowerShell.Cmdlets
{
    [Cmdlet(VerbsCommon.Get, "AvaParam")]
    [OutputType(typeof(string), typeof(long), typeof(double), typeof(bool), typeof(PSObject), typeof(object[]))]
    public sealed class GetAvaParamCommand : AvaCmdlet
    {
        [Parameter(Position = 0, ValueFromPipeline = true)]
        [ArgumentCompleter(typeof(ParamKeyCompleter))]
        public string? Key { get; set; }

        [Parameter]
        public object? Default { get; set; }

        [Parameter]
        public SwitchParameter Required { get; set; }

        [Parameter]
        [Alias("FilePath")]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        protected override string? Hint(AvaError error, object? target) =>
            error == AvaErrors.ParamFileInvalid ? "Fix the file, or point -Path at another one." : null;

        protected override void ProcessRecord()
        {
            var file = ResolvePath(Path ?? new AvaWorkspace(ResolvePath(AvaWorkspace.DefaultRoot())).ParamsPath);
            var key = ParseKey();
            var document = Read(file);

            if (document == null)
            {
                if (Required)
                    ThrowTerminatingError(ToErrorRecord(new AvaException(AvaErrors.ParamFileNotFound, $"The params file '{file}' was not found, so the required key '{Key}' has no value. Create the file, pass -Path, or set $env:{AvaWorkspace.EnvironmentVariable}.",
                        file)));
                else if (DefaultGiven)
                    WriteDefault($"The params file '{file}' was not found; returning the default.");
                else
                    WriteError(ToErrorRecord(new AvaException(AvaErrors.ParamFileNotFound, $"The params file '{file}' was not found" +
                        (key == null ? "." : $", so the key '{key}' has no value.") + $" Create the file, pass -Path, set $env:{AvaWorkspace.EnvironmentVariable}, or give -Default.",
                        file)));
                return;
            }

            if (key == null)
            {
                WriteObject(PSValueConverter.ToPSValue(document.PlainRoot));
                return;
            }

            if (document.TryGetPlainValue(key, out var value))
            {
                WriteVerbose($"Read '{key}' from '{file}'.");
                WriteObject(PSValueConverter.ToPSValue(value));
                return;
            }

            if (Required)
                ThrowTerminatingError(ToErrorRecord(new AvaException(AvaErrors.ParamNotFound, $"The required key '{key}' was not found in the params file '{file}'.{DidYouMean(document, key)} Add it to the file, or drop -Required and give -Default.",
                    key.Text)));
            else if (DefaultGiven)
                WriteDefault($"'{key}' is not in '{file}'; returning the default.");
            else
                WriteError(ToErrorRecord(new AvaException(AvaErrors.ParamNotFound, $"The key '{key}' was not found in the params file '{file}'.{DidYouMean(document, key)} Add it to the file, or give -Default.",
                    key.Text)));
        }

        // -Default $null is a default too, so whether it was given is asked of the binder, not of its value.
        private bool DefaultGiven => MyInvocation.BoundParameters.ContainsKey(nameof(Default));

        private void WriteDefault(string why)
        {
            WriteVerbose(why);
            WriteObject(Default);
        }

        private static string DidYouMean(ParamDocument document, ParamKeyPath key)
        {
            var closest = document.ClosestKeys(key);
            return closest.Count switch
            {
                0 => string.Empty,
                1 => $" Did you mean {closest[0]}?",
                _ => $" Did you mean {string.Join(", ", closest.Take(closest.Count - 1))} or {closest[closest.Count - 1]}?",
            };
        }

        private ParamKeyPath? ParseKey()
        {
            if (Key == null)
                return null;
            try
            {
                return ParamKeyPath.Parse(Key);
            }
            catch (FormatException ex)
            {
                ThrowTerminatingError(ToErrorRecord(new AvaException(AvaErrors.ParamKeyInvalid, ex.Message, Key, ex)));
                return null;
            }
        }

        private ParamDocument? Read(string file)
        {
            try
            {
                return RunCore(() => ParamFileReader.TryRead(file));
            }
            catch (AvaException ex)
            {
                ThrowTerminatingError(ToErrorRecord(ex));
            }
            return null;
        }
    }
}
