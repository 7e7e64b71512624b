namespace AvaSdk.Snapshots
{
    /// <summary>How the AVA platform names a snapshot model and where its archive lies in the bucket.</summary>
    public static class SnapshotModels
    {
        /// <summary>Where the archives go when the user names no prefix, as the platform lays out models.</summary>
        public const string DefaultKeyPrefix = "ava/default/models/";

        /// <summary>The file the platform's evaluation jobs download and extract.</summary>
        public const string ArchiveName = "model.tar.gz";

        public static string Name(string trainInstanceId, int epoch) => $"{trainInstanceId}-snapshot-model:epoch_{epoch}";

        /// <summary><c>&lt;prefix&gt;/&lt;model name&gt;/snapshots/model.tar.gz</c>; a prefix without a trailing slash gets one.</summary>
        public static string ArchiveKey(string? keyPrefix, string trainInstanceId, int epoch) =>
            $"{(keyPrefix ?? DefaultKeyPrefix).TrimEnd('/')}/{Name(trainInstanceId, epoch)}/snapshots/{ArchiveName}";
    }
}
