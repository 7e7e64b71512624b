using System.Linq;
using System.Management.Automation;
using AvaSdk.Params;

namespace AvaSdk.PowerShell.Infrastructure
{
    /// <summary>Turns params values into what a PowerShell user expects: [long], [double], [bool], strings, PSCustomObject, object[].</summary>
    internal static class PSValueConverter
    {
        public static object? ToPSValue(object? plain)
        {
            switch (plain)
            {
                case ParamObject obj:
                    var result = new PSObject();
                    foreach (var property in obj.Properties)
                        result.Properties.Add(new PSNoteProperty(property.Key, ToPSValue(property.Value)));
                    return result;
                case object?[] array:
                    return array.Select(ToPSValue).ToArray();
                default:
                    return plain;
            }
        }
    }
}
