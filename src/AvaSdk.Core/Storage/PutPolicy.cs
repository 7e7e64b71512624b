using System;
using System.Globalization;
using System.Text;
using Newtonsoft.Json;

namespace AvaSdk.Storage
{
    /// <summary>The upload policy an upload token grants: which bucket (and key), until when, and whether it may overwrite.</summary>
    public sealed class PutPolicy
    {
        public PutPolicy(string bucket, string? key, DateTimeOffset deadline, bool insertOnly)
        {
            Scope = key == null ? bucket : bucket + ":" + key;
            Deadline = deadline;
            InsertOnly = insertOnly;
        }

        public string Scope { get; }

        public DateTimeOffset Deadline { get; }

        public bool InsertOnly { get; }

        /// <summary>Compact JSON, as the SDKs emit it.</summary>
        public string ToJson()
        {
            var json = new StringBuilder("{\"scope\":").Append(JsonConvert.ToString(Scope));
            json.Append(",\"deadline\":").Append(Deadline.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
            if (InsertOnly)
                json.Append(",\"insertOnly\":1");
            return json.Append('}').ToString();
        }
    }
}
