using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AvaSdk.Errors;
using AvaSdk.Http;
using AvaSdk.Platform;
using AvaSdk.Storage;

namespace AvaSdk.Training
{
    /// <summary>
    /// Sends a completed instance's logs (every file under its LogPath) to the job's bucket under
    /// <c>ava/default/trainings/&lt;training name&gt;/&lt;instance id&gt;/logs/</c>, each under its path relative to LogPath (the
    /// original SDK flattened them to their file names, so two files of one name overwrote each other). Opt-in, as in
    /// the original's 0.1.3. Never fails a completion: what cannot be sent is a warning, and the logs stay where they are.
    /// </summary>
    public static class RunLogUpload
    {
        public const string ProgressActivity = "Uploading the run's logs";

        /// <summary>The training name in the keys when the instance has none (local mode) and none is configured.</summary>
        public const string NoTrainingName = "local";

        /// <summary><c>ava/default/trainings/&lt;training name&gt;/&lt;instance id&gt;/logs/</c>, as the original SDK laid them out.</summary>
        public static string KeyPrefix(string? trainingName, string instanceId) => $"ava/default/trainings/{trainingName ?? NoTrainingName}/{instanceId}/logs/";

        /// <summary>
        /// The files under <paramref name="logPath"/> (recursively, in ordinal order; symbolic links are not followed) and the
        /// key of each: <paramref name="keyPrefix"/> and its path relative to <paramref name="logPath"/>, with '/' between folders.
        /// </summary>
        public static IReadOnlyList<KeyValuePair<string, string>> Keys(string logPath, string keyPrefix)
        {
            if (!Directory.Exists(logPath))
                return Array.Empty<KeyValuePair<string, string>>();
            var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint, IgnoreInaccessible = true };
            return Directory.EnumerateFiles(logPath, "*", options)
                .Select(file => new KeyValuePair<string, string>(file, keyPrefix + Path.GetRelativePath(logPath, file).Replace(Path.DirectorySeparatorChar, '/')))
                .OrderBy(pair => pair.Value, StringComparer.Ordinal)
                .ToList();
        }

        /// <summary>
        /// Uploads the instance's logs, with progress, replacing what an earlier upload stored. Call it once the log is final
        /// (after the completion closed it). Returns how many files were stored; a failure (no bucket or credentials, a
        /// damaged config, an upload that fails after its retries) ends the upload with a warning and is not thrown.
        /// </summary>
        /// <exception cref="OperationCanceledException">Ctrl+C; what was not sent stays in LogPath.</exception>
        public static int Upload(TrainInstance instance, IWorkObserver observer, CancellationToken cancellationToken)
        {
            var log = Logging.InstanceLog.Detached;
            IReadOnlyList<KeyValuePair<string, string>> files = Array.Empty<KeyValuePair<string, string>>();
            var stored = 0;
            string? bucket = null;
            try
            {
                var config = new PlatformConfig(instance.Workspace);
                var prefix = KeyPrefix(instance.TrainingName ?? config.Value("TrainingName"), instance.Id);
                files = Keys(instance.LogPath, prefix);
                if (File.Exists(instance.Folder.Curves))
                    files = files.Append(new KeyValuePair<string, string>(instance.Folder.Curves, prefix + Path.GetFileName(instance.Folder.Curves))).ToList();
                if (files.Count == 0)
                {
                    log.Information("Instance {Id:l} has no log files in {LogPath:l} to upload", instance.Id, instance.LogPath);
                    return 0;
                }
                var kodo = KodoSettings.Resolve(config, null, null, null, null);
                bucket = kodo.RequireBucket();
                using var http = new ServiceHttp(HttpServiceRules.Kodo, kodo.Http, log);
                // Resume records go to the run folder, never among the logs (where a later upload would take them for logs).
                var uploader = KodoUploader.From(kodo, http, log, "upload the run's logs", kodo.ResumeFolder ?? instance.RunPath);
                var total = files.Sum(f => new FileInfo(f.Key).Length);
                long sent = 0;
                foreach (var (path, key) in files)
                {
                    var request = new KodoUploadRequest(path, bucket, key) { Overwrite = true };
                    var upload = Task.Run(() => uploader.UploadAsync(request, n => Interlocked.Add(ref sent, n), cancellationToken), cancellationToken);
                    var done = stored;
                    ObservedWait.Wait(upload, () =>
                    {
                        var bytes = Math.Clamp(Interlocked.Read(ref sent), 0, total);
                        observer.Progress(ProgressActivity, $"{done} of {files.Count} file(s), {bytes / 1048576.0:0.0} of {total / 1048576.0:0.0} MiB to {bucket}/{prefix}",
                            total > 0 ? (int)(bytes * 100 / total) : -1);
                    }, cancellationToken);
                    stored++;
                }
                log.Information("Uploaded {Count} log file(s) of instance {Id:l} to {Bucket:l}/{Prefix:l}", stored, instance.Id, bucket, prefix);
            }
            catch (Exception ex) when (ex is AvaException || ex is IOException || ex is UnauthorizedAccessException)
            {
                var where = bucket == null ? string.Empty : $" to bucket '{bucket}'";
                observer.Warning($"The logs of instance '{instance.Id}' were not uploaded{where} ({stored} of {files.Count} file(s) sent): {ex.Message} " +
                    $"The instance is completed all the same, and its logs stay in '{instance.LogPath}'.");
            }
            finally
            {
                observer.ProgressCompleted(ProgressActivity);
            }
            return stored;
        }
    }
}
