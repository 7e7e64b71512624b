using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using SharpCompress.Compressors;
using SharpCompress.Compressors.Deflate;
using SharpCompress.Readers;
using SharpCompress.Readers.Tar;

namespace AvaSdk.TestServer
{
    /// <summary>
    /// Checks a <c>POST /v1/models</c> body as the platform uses it (ava-original §7, §2 upload_custom_model), written
    /// from the documents alone. A snapshot record has exactly <c>name</c> = <c>&lt;instanceId&gt;-snapshot-model:epoch_&lt;n&gt;</c>,
    /// <c>type</c>, <c>file</c> = <c>qiniu://&lt;uid&gt;@z0/&lt;bucket&gt;/&lt;key&gt;</c>, <c>params</c> = {}, <c>trainingRef</c> and
    /// <c>specVersion</c> = "v1"; the key is <c>ava/default/models/&lt;name&gt;/snapshots/model.tar.gz</c> (any key ending in
    /// <c>/model.tar.gz</c> is accepted and reported as custom); the object must be stored and be a gzip-compressed tar,
    /// read with SharpCompress. A custom record needs <c>name</c>, <c>file</c> and <c>specVersion</c>.
    /// </summary>
    public sealed class ModelRecordChecker
    {
        private static readonly Regex QiniuUrl = new Regex(@"^qiniu://(?<uid>[^@/]+)@(?<zone>[^/]+)/(?<bucket>[^/]+)/(?<key>.+)$", RegexOptions.CultureInvariant);
        private static readonly Regex SnapshotName = new Regex(@"^(?<id>.+)-snapshot-model:epoch_(?<epoch>0|[1-9][0-9]*)$", RegexOptions.CultureInvariant);
        private static readonly Regex Rfc3339 = new Regex(@"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$", RegexOptions.CultureInvariant);
        private static readonly string[] SnapshotKeys = { "name", "type", "file", "params", "trainingRef", "specVersion" };

        private readonly Func<string, JsonObject?> instanceSpec;
        private readonly Func<string, string, Stream?> openObject;

        /// <param name="instanceSpec">The body an instance was created with (status, params, startTime), by id; null if unknown.</param>
        /// <param name="openObject">A stored object's bytes by bucket and key; null if there is none.</param>
        public ModelRecordChecker(Func<string, JsonObject?> instanceSpec, Func<string, string, Stream?> openObject)
        {
            this.instanceSpec = instanceSpec;
            this.openObject = openObject;
        }

        public ModelCheck Check(string body)
        {
            JsonObject record;
            try
            {
                record = JsonNode.Parse(body) as JsonObject ?? throw new ModelRecordException("the body is not a JSON object");
            }
            catch (JsonException e)
            {
                return ModelCheck.Rejected($"the body is not JSON: {e.Message}");
            }
            catch (ModelRecordException e)
            {
                return ModelCheck.Rejected(e.Message);
            }
            try
            {
                var type = String(record, "type");
                return type switch
                {
                    "snapshot" => Snapshot(record),
                    "custom" => Custom(record),
                    _ => throw new ModelRecordException($"type '{type}' is neither 'snapshot' nor 'custom'"),
                };
            }
            catch (ModelRecordException e)
            {
                return ModelCheck.Rejected(e.Message);
            }
        }

        private ModelCheck Snapshot(JsonObject record)
        {
            var missing = SnapshotKeys.Where(k => !record.ContainsKey(k)).ToList();
            if (missing.Count > 0)
                throw new ModelRecordException($"missing {string.Join(", ", missing)}");
            var extra = record.Select(p => p.Key).Where(k => !SnapshotKeys.Contains(k)).ToList();
            if (extra.Count > 0)
                throw new ModelRecordException($"unexpected key(s) {string.Join(", ", extra)}: a snapshot record has exactly {string.Join(", ", SnapshotKeys)}");
            SpecVersion(record);
            var name = String(record, "name");
            var match = SnapshotName.Match(name);
            if (!match.Success)
                throw new ModelRecordException($"name '{name}' is not '<instanceId>-snapshot-model:epoch_<epoch>'");
            var instanceId = match.Groups["id"].Value;
            var epoch = long.Parse(match.Groups["epoch"].Value, CultureInfo.InvariantCulture);
            if (record["params"] is not JsonObject parameters || parameters.Count != 0)
                throw new ModelRecordException("params must be an empty object {}");

            if (record["trainingRef"] is not JsonObject reference)
                throw new ModelRecordException("trainingRef must be an object");
            var referenced = String(reference, "instanceID", "trainingRef.instanceID");
            if (referenced != instanceId)
                throw new ModelRecordException($"trainingRef.instanceID '{referenced}' is not the instance '{instanceId}' the name names");
            var spec = instanceSpec(instanceId) ?? throw new ModelRecordException($"instance '{instanceId}' was never created on this platform");
            foreach (var (key, value) in spec)
            {
                if (!reference.ContainsKey(key))
                    throw new ModelRecordException($"trainingRef lacks the instance's spec key '{key}'");
                if ((key == "params" || key == "startTime") && !JsonNode.DeepEquals(reference[key], value))
                    throw new ModelRecordException($"trainingRef.{key} is not the instance's {key}");
            }
            if (reference["metric"] is not JsonObject metric)
                throw new ModelRecordException("trainingRef.metric must be an object {epoch, batch}");
            var metricExtra = metric.Select(p => p.Key).Where(k => k != "epoch" && k != "batch").ToList();
            if (metricExtra.Count > 0)
                throw new ModelRecordException($"trainingRef.metric has unexpected key(s) {string.Join(", ", metricExtra)}");
            var metricEpoch = Integer(metric, "epoch", "trainingRef.metric.epoch");
            var batch = Integer(metric, "batch", "trainingRef.metric.batch");
            if (metricEpoch != epoch)
                throw new ModelRecordException($"trainingRef.metric.epoch {metricEpoch} is not the epoch {epoch} of the name");
            if (batch < 0)
                throw new ModelRecordException($"trainingRef.metric.batch {batch} is negative");
            var uploaded = String(reference, "modelUploadTime", "trainingRef.modelUploadTime");
            if (!Rfc3339.IsMatch(uploaded) || !DateTimeOffset.TryParse(uploaded, CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
                throw new ModelRecordException($"trainingRef.modelUploadTime '{uploaded}' is not an RFC 3339 time");

            var file = File(record);
            var expectedKey = $"ava/default/models/{name}/snapshots/model.tar.gz";
            if (file.Key != expectedKey && !file.Key.EndsWith("/model.tar.gz", StringComparison.Ordinal))
                throw new ModelRecordException($"file key '{file.Key}' is not '{expectedKey}' (nor any key ending in '/model.tar.gz')");
            var members = Archive(file.Bucket, file.Key, required: true)!;
            return new ModelCheck(true, null, "snapshot", name, file.Uid, file.Bucket, file.Key, file.Key == expectedKey, instanceId, epoch, batch, members);
        }

        private ModelCheck Custom(JsonObject record)
        {
            var missing = new[] { "name", "file", "specVersion" }.Where(k => !record.ContainsKey(k)).ToList();
            if (missing.Count > 0)
                throw new ModelRecordException($"missing {string.Join(", ", missing)}");
            SpecVersion(record);
            var name = String(record, "name");
            if (name.Length == 0)
                throw new ModelRecordException("name is empty");
            if (record.ContainsKey("params") && record["params"] is not JsonObject)
                throw new ModelRecordException("params must be an object");
            var file = File(record);
            var members = Archive(file.Bucket, file.Key, required: false);
            return new ModelCheck(true, null, "custom", name, file.Uid, file.Bucket, file.Key, false, null, null, null, members);
        }

        private static void SpecVersion(JsonObject record)
        {
            var version = String(record, "specVersion");
            if (version != "v1")
                throw new ModelRecordException($"specVersion '{version}' is not 'v1'");
        }

        private (string Uid, string Bucket, string Key) File(JsonObject record)
        {
            var file = String(record, "file");
            var match = QiniuUrl.Match(file);
            if (!match.Success)
                throw new ModelRecordException($"file '{file}' is not 'qiniu://<uid>@z0/<bucket>/<key>'");
            if (match.Groups["zone"].Value != "z0")
                throw new ModelRecordException($"file '{file}' names zone '{match.Groups["zone"].Value}', not 'z0'");
            return (match.Groups["uid"].Value, match.Groups["bucket"].Value, match.Groups["key"].Value);
        }

        // The members of the stored object read as tar.gz; null when it is not one and one is not required.
        private IReadOnlyList<ArchiveMember>? Archive(string bucket, string key, bool required)
        {
            using var stream = openObject(bucket, key) ?? throw new ModelRecordException($"file names {bucket}/{key}, which is not stored in Kodo");
            try
            {
                return ArchiveReader.ReadTarGz(stream);
            }
            catch (InvalidDataException e) when (!required)
            {
                _ = e;
                return null;
            }
            catch (InvalidDataException e)
            {
                throw new ModelRecordException($"file {bucket}/{key} is not a gzip-compressed tar: {e.Message}");
            }
        }

        private static string String(JsonObject o, string key, string? path = null)
        {
            var node = o[key];
            if (node is JsonValue v && v.GetValueKind() == JsonValueKind.String)
                return v.GetValue<string>();
            throw new ModelRecordException($"{path ?? key} must be a string");
        }

        private static long Integer(JsonObject o, string key, string path)
        {
            if (o[key] is JsonValue v && v.GetValueKind() == JsonValueKind.Number && long.TryParse(v.ToJsonString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n))
                return n;
            throw new ModelRecordException($"{path} must be an integer");
        }
    }

    /// <summary>Reads a gzip-compressed tar with SharpCompress, entry by entry, checking each entry's bytes against its size.</summary>
    public static class ArchiveReader
    {
        /// <exception cref="InvalidDataException">Not gzip, not a tar inside, no members, or a member shorter than its header says.</exception>
        public static IReadOnlyList<ArchiveMember> ReadTarGz(Stream stream)
        {
            var magic = new byte[2];
            var got = stream.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
            if (got < 2 || magic[0] != 0x1f || magic[1] != 0x8b)
                throw new InvalidDataException("it does not start with the gzip magic bytes 1f 8b");
            if (stream.CanSeek)
                stream.Position = 0;
            else
                stream = new ConcatenatedStream(magic, stream);
            var members = new List<ArchiveMember>();
            try
            {
                // Decompressed whole first, so that the gzip trailer (CRC-32 and length) is checked over every byte,
                // then read as a tar; a temporary file keeps large snapshots out of memory.
                using var tar = new FileStream(Path.GetTempFileName(), FileMode.Open, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.DeleteOnClose);
                using (var gzip = new GZipStream(stream, CompressionMode.Decompress))
                    gzip.CopyTo(tar);
                tar.Position = 0;
                using var reader = TarReader.OpenReader(tar, new ReaderOptions { LeaveStreamOpen = true });
                while (reader.MoveToNextEntry())
                {
                    var entry = reader.Entry;
                    long length = 0;
                    if (!entry.IsDirectory)
                    {
                        using var content = reader.OpenEntryStream();
                        var buffer = new byte[81920];
                        int read;
                        while ((read = content.Read(buffer, 0, buffer.Length)) > 0)
                            length += read;
                        if (length != entry.Size)
                            throw new InvalidDataException($"member '{entry.Key}' holds {length} bytes but its header says {entry.Size}");
                    }
                    members.Add(new ArchiveMember(entry.Key ?? string.Empty, entry.Size, entry.IsDirectory));
                }
            }
            catch (InvalidDataException)
            {
                throw;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                throw new InvalidDataException(e.Message, e);
            }
            if (members.Count == 0)
                throw new InvalidDataException("the tar holds no members");
            return members;
        }

        private sealed class ConcatenatedStream : Stream
        {
            private readonly byte[] head;
            private readonly Stream tail;
            private int headAt;

            public ConcatenatedStream(byte[] head, Stream tail)
            {
                this.head = head;
                this.tail = tail;
            }

            public override bool CanRead => true;
            public override bool CanSeek => false;
            public override bool CanWrite => false;
            public override long Length => throw new NotSupportedException();
            public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
            public override void Flush() { }
            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
            public override void SetLength(long value) => throw new NotSupportedException();
            public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

            public override int Read(byte[] buffer, int offset, int count)
            {
                if (headAt < head.Length)
                {
                    var n = Math.Min(count, head.Length - headAt);
                    Array.Copy(head, headAt, buffer, offset, n);
                    headAt += n;
                    return n;
                }
                return tail.Read(buffer, offset, count);
            }
        }
    }

    public sealed record ArchiveMember(string Name, long Size, bool IsDirectory);

    /// <summary>The verdict on one model record, and what the checker learnt from it.</summary>
    public sealed record ModelCheck(bool Ok, string? Error, string? Type, string? Name, string? Uid, string? Bucket, string? Key, bool DefaultKey,
        string? InstanceId, long? Epoch, long? Batch, IReadOnlyList<ArchiveMember>? Members)
    {
        public static ModelCheck Rejected(string error) => new ModelCheck(false, error, null, null, null, null, null, false, null, null, null, null);
    }

    public sealed class ModelRecordException : Exception
    {
        public ModelRecordException(string message)
            : base(message)
        {
        }
    }
}
