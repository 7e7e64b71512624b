using System.Linq;
using System.Management.Automation;
using System.Numerics;
using Newtonsoft.Json.Linq;

namespace AvaSdk.PowerShell.Infrastructure
{
    /// <summary>Turns JSON into the values a PowerShell user expects: [long], [double], [bool], strings, PSCustomObject, object[].</summary>
    internal static class PSValueConverter
    {
        public static object? ToPSValue(JToken? token)
        {
            switch (token)
            {
                case null:
                    return null;
                case JObject obj:
                    var result = new PSObject();
                    foreach (var property in obj.Properties())
                        result.Properties.Add(new PSNoteProperty(property.Name, ToPSValue(property.Value)));
                    return result;
                case JArray array:
                    return array.Select(ToPSValue).ToArray();
                case JValue value:
                    return value.Type switch
                    {
                        JTokenType.Integer => value.Value is BigInteger big ? (object)big : System.Convert.ToInt64(value.Value),
                        JTokenType.Float => System.Convert.ToDouble(value.Value),
                        JTokenType.Null => null,
                        JTokenType.Undefined => null,
                        _ => value.Value,
                    };
                default:
                    return token.ToString();
            }
        }
    }
}
