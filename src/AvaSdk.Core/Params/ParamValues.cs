using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace AvaSdk.Params
{
    /// <summary>
    /// Params values as plain .NET values, so that callers need no JSON library of their own (the cmdlets do not load
    /// Newtonsoft.Json: it stays in the module's own load context): null, <see cref="long"/> (or <see cref="BigInteger"/>),
    /// <see cref="double"/>, <see cref="bool"/>, <see cref="string"/>, <see cref="DateTime"/>, <c>object?[]</c> for arrays
    /// and <see cref="ParamObject"/> for objects.
    /// </summary>
    public static class ParamValues
    {
        public static object? ToPlain(JToken? token)
        {
            switch (token)
            {
                case null:
                    return null;
                case JObject obj:
                    return new ParamObject(obj.Properties().Select(p => new KeyValuePair<string, object?>(p.Name, ToPlain(p.Value))).ToList());
                case JArray array:
                    return array.Select(ToPlain).ToArray();
                case JValue value:
                    return value.Type switch
                    {
                        JTokenType.Integer => value.Value is BigInteger big ? (object)big : Convert.ToInt64(value.Value),
                        JTokenType.Float => Convert.ToDouble(value.Value),
                        JTokenType.Null => null,
                        JTokenType.Undefined => null,
                        _ => value.Value,
                    };
                default:
                    return token.ToString();
            }
        }

        /// <summary>The value as compact JSON text.</summary>
        public static string ToJson(JToken? token) => token?.ToString(Formatting.None) ?? "null";
    }

    /// <summary>A JSON object of a params file: its properties in file order.</summary>
    public sealed class ParamObject
    {
        public ParamObject(IReadOnlyList<KeyValuePair<string, object?>> properties)
        {
            Properties = properties;
        }

        public IReadOnlyList<KeyValuePair<string, object?>> Properties { get; }
    }
}
