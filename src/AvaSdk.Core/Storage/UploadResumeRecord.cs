using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using AvaSdk.IO;
using Newtonsoft.Json;

namespace AvaSdk.Storage
{
    /// <summary>
    /// What a multipart upload has done so far, kept in a small JSON file next to the source (or in $AVA_RESUME_DIR):
    /// the uploadId and each finished part with its etag. Rewritten after every part, deleted on success, and only
    /// trusted for the same file (size and modification time), target, host and part size.
    /// </summary>
    public sealed class UploadResumeRecord
    {
        private const int FormatVersion = 1;

        [JsonProperty("v")] public int Version { get; set; } = FormatVersion;
        [JsonProperty("bucket")] public string Bucket { get; set; } = string.Empty;
        [JsonProperty("key")] public string Key { get; set; } = string.Empty;
        [JsonProperty("host")] public string Host { get; set; } = string.Empty;
        [JsonProperty("size")] public long Size { get; set; }
        [JsonProperty("mtime")] public long ModifiedTicks { get; set; }
        [JsonProperty("partSize")] public long PartSize { get; set; }
        [JsonProperty("uploadId")] public string UploadId { get; set; } = string.Empty;
        [JsonProperty("expireAt")] public long ExpireAt { get; set; }
        [JsonProperty("parts")] public List<DonePart> Parts { get; set; } = new List<DonePart>();

        /// <summary>Where the record of uploading <paramref name="source"/> to bucket:key through host lives.</summary>
        public static string PathFor(string source, string bucket, string key, Uri host, string? resumeFolder)
        {
            using var sha1 = SHA1.Create();
            var target = sha1.ComputeHash(Encoding.UTF8.GetBytes($"{bucket}\0{key}\0{host}"));
            var tag = string.Concat(target.Take(6).Select(b => b.ToString("x2")));
            var folder = string.IsNullOrEmpty(resumeFolder) ? Path.GetDirectoryName(Path.GetFullPath(source))! : resumeFolder!;
            return Path.Combine(folder, $".{Path.GetFileName(source)}.{tag}.avasdk-upload");
        }

        /// <summary>
        /// The lock file an upload of <paramref name="source"/> to bucket:key holds while it runs, whatever the host: two
        /// uploads sharing a resume record would each take the other's parts for their own.
        /// </summary>
        public static string LockPathFor(string source, string bucket, string key, string? resumeFolder)
        {
            var target = SHA1.HashData(Encoding.UTF8.GetBytes($"{bucket}\0{key}"));
            var tag = string.Concat(target.Take(6).Select(b => b.ToString("x2")));
            var folder = string.IsNullOrEmpty(resumeFolder) ? Path.GetDirectoryName(Path.GetFullPath(source))! : resumeFolder!;
            return Path.Combine(folder, $".{Path.GetFileName(source)}.{tag}.avasdk-upload.lock");
        }

        /// <summary>The record at <paramref name="path"/> if it describes this very upload and its uploadId has at least an hour left.</summary>
        public static UploadResumeRecord? TryLoad(string path, UploadResumeRecord expected, DateTimeOffset now)
        {
            if (!File.Exists(path))
                return null;
            UploadResumeRecord? record;
            try
            {
                record = JsonConvert.DeserializeObject<UploadResumeRecord>(File.ReadAllText(path));
            }
            catch (Exception ex) when (ex is JsonException || ex is IOException)
            {
                return null;
            }
            var usable = record != null && record.Version == FormatVersion && record.Bucket == expected.Bucket && record.Key == expected.Key &&
                record.Host == expected.Host && record.Size == expected.Size && record.ModifiedTicks == expected.ModifiedTicks &&
                record.PartSize == expected.PartSize && !string.IsNullOrEmpty(record.UploadId) && record.ExpireAt > now.AddHours(1).ToUnixTimeSeconds();
            return usable ? record : null;
        }

        public void Save(string path) => AtomicFile.WriteAllText(path, JsonConvert.SerializeObject(this));

        public sealed class DonePart
        {
            [JsonProperty("n")] public int Number { get; set; }
            [JsonProperty("etag")] public string Etag { get; set; } = string.Empty;
            [JsonProperty("size")] public long Size { get; set; }

            /// <summary>SHA-1 of each 4 MiB block of the part, so the object's hash can be checked without reading the part again.</summary>
            [JsonProperty("blocks")] public string BlockDigests { get; set; } = string.Empty;

            public IReadOnlyList<byte[]> Blocks()
            {
                var all = Convert.FromBase64String(BlockDigests);
                return Enumerable.Range(0, all.Length / 20).Select(i => all.Skip(i * 20).Take(20).ToArray()).ToList();
            }

            public static string Encode(IReadOnlyList<byte[]> blocks) => Convert.ToBase64String(blocks.SelectMany(b => b).ToArray());
        }
    }
}
