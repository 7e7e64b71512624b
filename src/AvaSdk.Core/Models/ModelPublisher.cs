using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AvaSdk.Errors;
using AvaSdk.Http;
using AvaSdk.Platform;
using AvaSdk.Snapshots;
using AvaSdk.Storage;
using AvaSdk.Training;
using Newtonsoft.Json.Linq;
using Serilog;

namespace AvaSdk.Models
{
    /// <summary>
    /// What a publication will do, decided before anything is written or sent (so -WhatIf can show it): the files, the
    /// model's name, the bucket and key of its archive, and the record the platform gets.
    /// </summary>
    public sealed class ModelPublication
    {
        internal ModelPublication(IReadOnlyList<string> files, string name, string bucket, string key, string file, TrainInstance? instance,
            PlatformConfig config, KodoSettings kodo)
        {
            Files = files;
            Name = name;
            Bucket = bucket;
            Key = key;
            File = file;
            TrainInstance = instance;
            Config = config;
            Kodo = kodo;
        }

        /// <summary>Full paths of the files the archive holds, each under its file name.</summary>
        public IReadOnlyList<string> Files { get; }

        public string Name { get; }

        public string Bucket { get; }

        public string Key { get; }

        /// <summary>The record's file URL, <c>qiniu://&lt;uid&gt;@z0/&lt;bucket&gt;/&lt;key&gt;</c>.</summary>
        public string File { get; }

        /// <summary>True when an AVA API host is configured, so the model will be recorded on the platform.</summary>
        public bool WillRecord => Config.ApiHost != null;

        public TrainInstance? TrainInstance { get; }

        internal PlatformConfig Config { get; }

        internal KodoSettings Kodo { get; }

        /// <summary>The body of <c>POST /v1/models</c>, as the original's upload_custom_model sent it.</summary>
        internal JObject Record() => new JObject
        {
            ["name"] = Name,
            ["type"] = "custom",
            ["file"] = File,
            ["params"] = new JObject(),
            ["specVersion"] = "v1",
        };
    }

    /// <summary>
    /// Publishes a trained model as the original SDK's upload_custom_model did, without its bugs: the files are packed
    /// into a tar.gz by the snapshot models' own archive code (each file a regular entry under its file name), built in a
    /// folder of its own (the run folder's, never the snapshot folder, or the system's temp folder without an instance)
    /// and deleted whatever happens; the archive goes to Kodo (insert-only: an existing object with other content is
    /// never replaced), then, with an AVA API host, the model is recorded (<c>POST /v1/models</c>, type custom).
    /// </summary>
    public static class ModelPublisher
    {
        /// <summary>Where archives go when no key is given: the platform's model folders, as snapshot models.</summary>
        public const string DefaultKeyPrefix = SnapshotModels.DefaultKeyPrefix;

        /// <summary>The instance id in the default key of a model published without an instance (as snapshot models).</summary>
        public const string NoInstanceId = "local";

        public const string ProgressActivity = "Publishing model";

        /// <summary>
        /// <c>ava/default/models/&lt;name&gt;/custom/&lt;instance id or local&gt;-&lt;UTC time yyyyMMddTHHmmssZ&gt;/model.tar.gz</c>: the
        /// platform's model folder of the name, a publication of its own each time (Kodo keeps every version).
        /// </summary>
        public static string DefaultKey(string name, string? trainInstanceId, DateTimeOffset now) =>
            $"{DefaultKeyPrefix}{name}/custom/{trainInstanceId ?? NoInstanceId}-{now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}/{SnapshotModels.ArchiveName}";

        /// <summary>A name the platform and a key can both hold: not empty, '.' or '..', without a slash, a backslash or a control character.</summary>
        /// <exception cref="AvaException">AvaModelNameInvalid.</exception>
        public static void RequireValidName(string name)
        {
            if (string.IsNullOrWhiteSpace(name) || name == "." || name == ".." || name.Any(c => c == '/' || c == '\\' || char.IsControl(c)))
                throw new AvaException(AvaErrors.ModelNameInvalid, $"'{Printable(name)}' cannot be a model's name: a name is not empty, '.' or '..', and holds no slash, backslash or control character " +
                    "(it names the model on the AVA platform and a folder of its key).", name);
        }

        /// <summary>
        /// Checks the request and decides the bucket, key and record, writing and sending nothing.
        /// </summary>
        /// <param name="files">Full paths; each must be a file, no two with the same name.</param>
        /// <param name="key">Null for <see cref="DefaultKey"/>.</param>
        /// <param name="workspace">Where the configuration comes from (config/user, config/worker), with the environment.</param>
        /// <exception cref="AvaException">AvaModelNameInvalid, AvaFileNotFound, AvaPathIsFolder, AvaSnapshotArchiveInvalid (two
        /// files of one name), AvaBucketNotFound, AvaConfigInvalid.</exception>
        public static ModelPublication Plan(IReadOnlyList<string> files, string name, string? key, TrainInstance? instance, string workspace, DateTimeOffset now)
        {
            RequireValidName(name);
            if (files.Count == 0)
                throw new AvaException(AvaErrors.FileNotFound, $"No file to pack into model '{name}': none was given.", name);
            foreach (var path in files)
            {
                if (Directory.Exists(path))
                    throw new AvaException(AvaErrors.PathIsFolder, $"'{path}' is a folder; a model archive holds files, each under its file name. Give the files in it instead.", path);
                if (!System.IO.File.Exists(path))
                    throw new AvaException(AvaErrors.FileNotFound, $"The file '{path}' does not exist, so model '{name}' was not published.", path);
            }
            SnapshotArchive.RequireDistinctNames(files, name);
            var config = new PlatformConfig(workspace);
            var kodo = KodoSettings.Resolve(config, null, null, null, null);
            var bucket = kodo.RequireBucket();
            key ??= DefaultKey(name, instance?.Id, now);
            var uid = config.Value("Uid");
            var file = uid == null ? $"qiniu://{bucket}/{key}" : $"qiniu://{uid}@z0/{bucket}/{key}";
            return new ModelPublication(files.ToList(), name, bucket, key, file, instance, config, kodo);
        }

        /// <summary>
        /// Packs, uploads (showing progress through <paramref name="observer"/>, on the calling thread) and records the model.
        /// In local mode (no API host) the archive is stored, a warning says the model is not recorded, and the returned
        /// model's Recorded is false. Cancelling stops the upload; nothing is recorded and the archive is deleted.
        /// </summary>
        /// <exception cref="AvaException">AvaCredentialNotFound; the upload's errors (AvaObjectExists, AvaUploadFailed,
        /// AvaStorageAccessDenied …); AvaPlatformUnreachable or AvaPlatformRequestFailed when the archive is stored but the
        /// platform did not take the record (the message names where the archive is).</exception>
        public static PublishedModel Publish(ModelPublication plan, IWorkObserver observer, CancellationToken cancellationToken)
        {
            var instance = plan.TrainInstance;
            var log = instance != null && !ReferenceEquals(instance.Log, Serilog.Core.Logger.None) ? instance.Log : Logging.InstanceLog.Detached;
            // Both before a byte is packed: missing credentials or a damaged config stop the publication at once.
            var credentials = plan.Kodo.RequireCredentials("publish the model");
            using var api = AvaApiClient.Configured(plan.Config);
            var folder = WorkFolder(instance);
            try
            {
                var archive = Path.Combine(folder, SnapshotModels.ArchiveName);
                SnapshotArchive.Create(plan.Files, archive);
                var size = new FileInfo(archive).Length;
                log.Information("Packed {Count} file(s) into {Archive:l} ({Size} bytes) for model {Name:l}", plan.Files.Count, archive, size, plan.Name);
                var stored = Upload(plan, archive, size, credentials, log, observer, cancellationToken);
                var publishedAt = DateTimeOffset.Now;
                var members = plan.Files.Select(Path.GetFileName).ToList();
                if (api == null)
                {
                    observer.Warning($"No AVA API host is configured (local mode), so model '{plan.Name}' is stored as {plan.File} but not recorded on the AVA platform.");
                    return new PublishedModel(plan.Name, plan.File, plan.Bucket, plan.Key, stored.Hash, size, members!, recorded: false, instance?.Id, publishedAt);
                }
                try
                {
                    api.CreateModelAsync(plan.Record(), cancellationToken).GetAwaiter().GetResult();
                }
                catch (AvaException ex)
                {
                    throw new AvaException(ex.Error, ex.Kind, $"The archive of model '{plan.Name}' is stored as {plan.File}, but the AVA platform did not record the model: {ex.Message}", plan.Key, ex);
                }
                log.Information("Recorded model {Name:l} ({File:l}) on the AVA platform", plan.Name, plan.File);
                return new PublishedModel(plan.Name, plan.File, plan.Bucket, plan.Key, stored.Hash, size, members!, recorded: true, instance?.Id, publishedAt);
            }
            finally
            {
                TryDelete(folder);
            }
        }

        private static StoredObject Upload(ModelPublication plan, string archive, long size, KodoCredentials credentials, ILogger log, IWorkObserver observer, CancellationToken cancellationToken)
        {
            using var http = new ServiceHttp(HttpServiceRules.Kodo, plan.Kodo.Http, log);
            // No resume folder of the user's: an archive is packed afresh each time, so its records can only be left over;
            // beside the archive, they go with its folder.
            var uploader = new KodoUploader(credentials, plan.Kodo.UpHosts(http, log), http, log, resumeFolder: null);
            var request = new KodoUploadRequest(archive, plan.Bucket, plan.Key);
            long sent = 0;
            var upload = Task.Run(() => uploader.UploadAsync(request, n => Interlocked.Add(ref sent, n), cancellationToken), cancellationToken);
            var activity = $"{ProgressActivity} '{plan.Name}'";
            try
            {
                return ObservedWait.Wait(upload, () =>
                {
                    var done = Math.Clamp(Interlocked.Read(ref sent), 0, size);
                    observer.Progress(activity, $"{done / 1048576.0:0.0} of {size / 1048576.0:0.0} MiB to {plan.Bucket}/{plan.Key}", size > 0 ? (int)(done * 100 / size) : -1);
                }, cancellationToken);
            }
            finally
            {
                observer.ProgressCompleted(activity);
            }
        }

        // A folder of this publication's own, for the archive and anything the upload keeps beside it: in the run folder
        // (the workspace's disk, which has room for models) when there is an instance, never in its snapshot folder.
        private static string WorkFolder(TrainInstance? instance)
        {
            var parent = instance != null && Directory.Exists(instance.RunPath) ? instance.RunPath : Path.GetTempPath();
            var folder = Path.Combine(parent, $".publish-{Environment.ProcessId}-{Guid.NewGuid():N}");
            Directory.CreateDirectory(folder);
            return folder;
        }

        private static void TryDelete(string folder)
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                // A temporary folder left behind costs disk, not correctness.
            }
        }

        private static string Printable(string text) => new string(text.Select(c => char.IsControl(c) ? '?' : c).ToArray());
    }
}
