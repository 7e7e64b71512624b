using System;
using System.Collections.Generic;

namespace AvaSdk
{
    /// <summary>A model Publish-AvaModel packed, stored in Kodo and (with an AVA API host) recorded on the platform.</summary>
    public sealed class PublishedModel
    {
        internal PublishedModel(string name, string file, string bucket, string key, string hash, long size, IReadOnlyList<string> files, bool recorded,
            string? trainInstanceId, DateTimeOffset publishedAt)
        {
            Name = name;
            File = file;
            Bucket = bucket;
            Key = key;
            Hash = hash;
            Size = size;
            Files = files;
            Recorded = recorded;
            TrainInstanceId = trainInstanceId;
            PublishedAt = publishedAt;
        }

        /// <summary>The model's name on the platform.</summary>
        public string Name { get; }

        /// <summary>The platform's model type: always <c>custom</c> (snapshot models are <c>snapshot</c>).</summary>
        public string Type => "custom";

        /// <summary>The record's <c>file</c>: <c>qiniu://&lt;uid&gt;@z0/&lt;bucket&gt;/&lt;key&gt;</c> (without <c>&lt;uid&gt;@z0/</c> when no uid is configured).</summary>
        public string File { get; }

        public string Bucket { get; }

        /// <summary>Where the tar.gz is stored in <see cref="Bucket"/>.</summary>
        public string Key { get; }

        /// <summary>Kodo's hash of the stored archive, checked against the archive's own.</summary>
        public string Hash { get; }

        /// <summary>The archive's size in bytes.</summary>
        public long Size { get; }

        /// <summary>The archive's members, in order: each file under its file name.</summary>
        public IReadOnlyList<string> Files { get; }

        /// <summary>The record's <c>specVersion</c>.</summary>
        public string SpecVersion => "v1";

        /// <summary>True when the AVA platform took the record (POST /v1/models); false in local mode (no API host), where only the archive is stored.</summary>
        public bool Recorded { get; }

        /// <summary>The instance the model was published from; null without one.</summary>
        public string? TrainInstanceId { get; }

        /// <summary>When the archive was stored.</summary>
        public DateTimeOffset PublishedAt { get; }

        public override string ToString() => File;
    }
}
