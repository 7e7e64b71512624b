namespace AvaSdk
{
    /// <summary>An object stored in Kodo by Send-AvaFile.</summary>
    public sealed class StoredObject
    {
        public StoredObject(string bucket, string key, string hash, long size, string path)
        {
            Bucket = bucket;
            Key = key;
            Hash = hash;
            Size = size;
            Path = path;
        }

        public string Bucket { get; }

        public string Key { get; }

        /// <summary>Kodo's hash of the object (qetag, or etagV2 for parts that are not 4 MiB), checked against our own.</summary>
        public string Hash { get; }

        public long Size { get; }

        /// <summary>The local file that was sent.</summary>
        public string Path { get; }

        public override string ToString() => $"qiniu://{Bucket}/{Key}";
    }
}
