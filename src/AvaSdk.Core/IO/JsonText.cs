using System.IO;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace AvaSdk.IO
{
    /// <summary>
    /// JSON read as it was written: every module reads files and replies through here. Dates stay the strings they were;
    /// Json.NET's default would turn them into DateTime values and write them back without a fraction's trailing zeros
    /// ("…41.730+00:00" as "…41.73+00:00"), and the platform compares the times of a model record with its instance's as text.
    /// </summary>
    public static class JsonText
    {
        /// <exception cref="JsonException">Not one JSON value.</exception>
        public static JToken Parse(string text)
        {
            using var reader = new JsonTextReader(new StringReader(text)) { DateParseHandling = DateParseHandling.None };
            var token = JToken.ReadFrom(reader, new JsonLoadSettings { CommentHandling = CommentHandling.Ignore });
            // One value and nothing after it but comments, as JToken.Parse requires.
            while (reader.Read())
            {
                if (reader.TokenType != JsonToken.Comment)
                    throw new JsonReaderException($"There is more after the JSON value, at position {reader.LinePosition} of line {reader.LineNumber}.");
            }
            return token;
        }

        /// <exception cref="JsonException">Not one JSON object.</exception>
        public static JObject ParseObject(string text) =>
            Parse(text) as JObject ?? throw new JsonReaderException("The JSON value is not an object.");
    }
}
