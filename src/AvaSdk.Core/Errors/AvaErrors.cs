using System.Collections.Generic;
using System.Linq;
using System.Reflection;

namespace AvaSdk.Errors
{
    /// <summary>One error a user can meet: its stable id, its kind (the ErrorCategory), and what it means.</summary>
    public sealed class AvaError
    {
        internal AvaError(string id, AvaErrorKind kind, string meaning)
        {
            Id = id;
            Kind = kind;
            Meaning = meaning;
        }

        public string Id { get; }

        public AvaErrorKind Kind { get; }

        public string Meaning { get; }

        public override string ToString() => Id;
    }

    /// <summary>
    /// Every error the module raises, in one place: code raises them as <c>new AvaException(AvaErrors.X, message)</c>, and
    /// the help's error sections are built from this list (src/AvaSdk.HelpBuilder), so an id, its category and its
    /// meaning cannot differ between the code and the help.
    /// </summary>
    public static class AvaErrors
    {
        // Parameters
        public static readonly AvaError ParamNotFound = new AvaError("AvaParamNotFound", AvaErrorKind.ObjectNotFound, "the key is not in the params file and no -Default was given: a non-terminating error naming the closest keys, terminating with -Required (before 0.3.0, $null without an error)");
        public static readonly AvaError ParamFileNotFound = new AvaError("AvaParamFileNotFound", AvaErrorKind.ObjectNotFound, "the params file does not exist and no -Default was given: a non-terminating error, terminating with -Required (before 0.3.0, a warning)");
        public static readonly AvaError ParamFileInvalid = new AvaError("AvaParamFileInvalid", AvaErrorKind.InvalidData, "the params file is not valid JSON (the message gives the line and position), or not UTF-8 text (the byte offset); UTF-16 and UTF-32 files with a byte order mark are read");
        public static readonly AvaError ParamFileTooLarge = new AvaError("AvaParamFileTooLarge", AvaErrorKind.InvalidData, "the params file is over 16 MiB, so it is not read");
        public static readonly AvaError ParamFileUnreadable = new AvaError("AvaParamFileUnreadable", AvaErrorKind.ReadError, "the params file exists but cannot be read");
        public static readonly AvaError ParamKeyInvalid = new AvaError("AvaParamKeyInvalid", AvaErrorKind.InvalidArgument, "the key is not a dotted path such as solver.lr or layers[0].name");

        // Settings
        public static readonly AvaError ConfigInvalid = new AvaError("AvaConfigInvalid", AvaErrorKind.InvalidData, "a setting cannot be used: an environment variable or a platform config file value that is not what it must be");
        public static readonly AvaError ConfigMissing = new AvaError("AvaConfigMissing", AvaErrorKind.ObjectNotFound, "a setting the platform needs (the training name, the API host) is not set, or an upload has neither a bucket nor credentials (the message names every missing one)");
        public static readonly AvaError CredentialNotFound = new AvaError("AvaCredentialNotFound", AvaErrorKind.ObjectNotFound, "no Kodo or AVA credentials were given or found");
        public static readonly AvaError BucketNotFound = new AvaError("AvaBucketNotFound", AvaErrorKind.ObjectNotFound, "no bucket was given or found, or Kodo does not know it");
        public static readonly AvaError UploadHostInvalid = new AvaError("AvaUploadHostInvalid", AvaErrorKind.InvalidArgument, "the upload host is not an http(s) URL");
        public static readonly AvaError RegionUnknown = new AvaError("AvaRegionUnknown", AvaErrorKind.ConnectionError, "the bucket's region (its upload hosts and domains) could not be found");

        // Instances
        public static readonly AvaError WorkspaceNotFound = new AvaError("AvaWorkspaceNotFound", AvaErrorKind.ObjectNotFound, "the workspace folder does not exist");
        public static readonly AvaError WorkspaceTooNew = new AvaError("AvaWorkspaceTooNew", AvaErrorKind.InvalidData, "the run folder was written by a newer AvaSdk; nothing is changed");
        public static readonly AvaError TrainInstanceIdInvalid = new AvaError("AvaTrainInstanceIdInvalid", AvaErrorKind.InvalidArgument, "the instance id has characters or a length an id cannot have");
        public static readonly AvaError TrainInstanceNotFound = new AvaError("AvaTrainInstanceNotFound", AvaErrorKind.ObjectNotFound, "no instance was given and this session created none");
        public static readonly AvaError TrainInstanceNull = new AvaError("AvaTrainInstanceNull", AvaErrorKind.InvalidArgument, "-TrainInstance is $null, usually after a failed New-AvaTrainInstance");
        public static readonly AvaError TrainInstanceCompleted = new AvaError("AvaTrainInstanceCompleted", AvaErrorKind.InvalidOperation, "the instance is already done or failed");
        public static readonly AvaError TrainInstanceStatusInvalid = new AvaError("AvaTrainInstanceStatusInvalid", AvaErrorKind.InvalidData, "the instance's status.json is damaged");
        public static readonly AvaError ScriptError = new AvaError("AvaScriptError", AvaErrorKind.NotSpecified, "the training script logged an error with Write-AvaLog -Level Error (not a terminating error)");
        public static readonly AvaError NodeInvalid = new AvaError("AvaNodeInvalid", AvaErrorKind.InvalidArgument, "the node's rank or the job's size (-Node, AVA_NODE, a launcher's variables) is not a whole number, or the rank is not below the size");
        public static readonly AvaError NodeNotWorker = new AvaError("AvaNodeNotWorker", AvaErrorKind.InvalidOperation, "a DMLC server or scheduler process has no part in the training instance; only workers start one");
        public static readonly AvaError JobKeyMissing = new AvaError("AvaJobKeyMissing", AvaErrorKind.InvalidOperation, "a job of several nodes names no job (JOB_NAME, MASTER_ADDR and MASTER_PORT, …) for its nodes to share an instance through, and no instance id was given");
        public static readonly AvaError JobWaitTimedOut = new AvaError("AvaJobWaitTimedOut", AvaErrorKind.OperationTimeout, "the node waited longer than AVA_NODE_WAIT_SEC for the node creating the job's instance");
        public static readonly AvaError NodesUnfinished = new AvaError("AvaNodesUnfinished", AvaErrorKind.InvalidResult, "at completion, a node of the job had failed or had not recorded its end in time; the instance is marked failed");
        public static readonly AvaError TrainInstanceBusy = new AvaError("AvaTrainInstanceBusy", AvaErrorKind.ResourceBusy, "another live process (or another run in this one) owns the instance");

        // Platform
        public static readonly AvaError PlatformUnreachable = new AvaError("AvaPlatformUnreachable", AvaErrorKind.ConnectionError, "the AVA API, the probe or the metrics endpoint could not be reached after the retries (or in the time given); what was to be sent is kept for the next command");
        public static readonly AvaError PlatformRequestFailed = new AvaError("AvaPlatformRequestFailed", AvaErrorKind.InvalidOperation, "the AVA API refused the request");
        public static readonly AvaError PlatformReplyInvalid = new AvaError("AvaPlatformReplyInvalid", AvaErrorKind.InvalidData, "the AVA API answered something that is not what its protocol says");
        public static readonly AvaError PlatformInstanceUncertain = new AvaError("AvaPlatformInstanceUncertain", AvaErrorKind.ConnectionError, "the create may have reached the platform without its answer reaching us; an instance may exist, so it is not repeated");

        // Training
        public static readonly AvaError TrainingNotStarted = new AvaError("AvaTrainingNotStarted", AvaErrorKind.ObjectNotFound, "the training program was not found or could not be started");
        public static readonly AvaError TrainingFailed = new AvaError("AvaTrainingFailed", AvaErrorKind.InvalidResult, "the training process exited with a non-zero code; the message quotes the end of its log");
        public static readonly AvaError TrainingTerminated = new AvaError("AvaTrainingTerminated", AvaErrorKind.OperationStopped, "pwsh received SIGTERM while training; the instance is marked failed");
        public static readonly AvaError WorkingDirectoryNotFound = new AvaError("AvaWorkingDirectoryNotFound", AvaErrorKind.ObjectNotFound, "-WorkingDirectory does not exist");
        public static readonly AvaError NoMetricsRecognised = new AvaError("AvaNoMetricsRecognised", AvaErrorKind.InvalidData, "a warning: the run's whole log yielded no metric in any of the formats tried (the frameworks' own, JSON lines, the metric definitions)");
        public static readonly AvaError MetricDefinitionInvalid = new AvaError("AvaMetricDefinitionInvalid", AvaErrorKind.InvalidArgument, "a -MetricDefinition has no name or no valid regex with one capture");
        public static readonly AvaError OtherFileNotFound = new AvaError("AvaOtherFileNotFound", AvaErrorKind.ObjectNotFound, "a file given with -OtherFiles does not exist; the training did not start");
        public static readonly AvaError MetricRecordInvalid = new AvaError("AvaMetricRecordInvalid", AvaErrorKind.InvalidData, "a record of a metrics file is not a metric (damaged, or over 1 MiB) and is skipped: one non-terminating error per file, naming its line and how many there are");
        public static readonly AvaError MetricsFileUnreadable = new AvaError("AvaMetricsFileUnreadable", AvaErrorKind.ReadError, "a recorded metrics file exists but cannot be read (permissions, an I/O error)");
        public static readonly AvaError LogLineTooLong = new AvaError("AvaLogLineTooLong", AvaErrorKind.InvalidData, "a line of the training log is longer than 1 MiB: it is kept in training.log, in pieces as it arrives (the other stream's lines may come between them), counted but not parsed; a warning, once a run");
        public static readonly AvaError DiskFull = new AvaError("AvaDiskFull", AvaErrorKind.WriteError, "metrics.jsonl could not be written (a full disk): the metrics after its last whole record were neither recorded nor sent (a training went on)");
        public static readonly AvaError TrainingLogStopped = new AvaError("AvaTrainingLogStopped", AvaErrorKind.WriteError, "a warning: training.log was stopped (free space fell below the reserve kept for the run's records, or a write failed); the trainer's output after it was parsed and its metrics recorded, but not kept");
        public static readonly AvaError LogLinesDropped = new AvaError("AvaLogLinesDropped", AvaErrorKind.WriteError, "a warning, once a run: lines that came after training.log was stopped, while the queue in memory was full, were neither kept nor parsed; it counts them");
        public static readonly AvaError SecretNotMasked = new AvaError("AvaSecretNotMasked", AvaErrorKind.SecurityError, "a warning: a configured secret (AVA_SECRET_KEY, config/user's secret) is shorter than 8 characters, so the trainer's output is not masked for it");
        public static readonly AvaError SnapshotEpochUnknown = new AvaError("AvaSnapshotEpochUnknown", AvaErrorKind.InvalidOperation, "a snapshot has no epoch, so it is not a model (give -BatchOfEpoch)");
        public static readonly AvaError SnapshotFileNotFound = new AvaError("AvaSnapshotFileNotFound", AvaErrorKind.ObjectNotFound, "a file a snapshot line names does not exist");
        public static readonly AvaError SnapshotArchiveInvalid = new AvaError("AvaSnapshotArchiveInvalid", AvaErrorKind.InvalidArgument, "two files of one model would have the same name in its archive");
        public static readonly AvaError SnapshotArchiveMissing = new AvaError("AvaSnapshotArchiveMissing", AvaErrorKind.ObjectNotFound, "a model archive owed in the outbox was deleted by hand");

        // Transfers
        public static readonly AvaError FileNotFound = new AvaError("AvaFileNotFound", AvaErrorKind.ObjectNotFound, "a file to send does not exist");
        public static readonly AvaError PathIsFolder = new AvaError("AvaPathIsFolder", AvaErrorKind.InvalidArgument, "a path to send is a folder");
        public static readonly AvaError KeyConflict = new AvaError("AvaKeyConflict", AvaErrorKind.InvalidArgument, "-Key names one object for several files");
        public static readonly AvaError ObjectExists = new AvaError("AvaObjectExists", AvaErrorKind.ResourceExists, "the key already holds an object (use -Force to replace it)");
        public static readonly AvaError StorageAccessDenied = new AvaError("AvaStorageAccessDenied", AvaErrorKind.PermissionDenied, "Kodo refused the credentials or the signature");
        public static readonly AvaError UploadFailed = new AvaError("AvaUploadFailed", AvaErrorKind.ConnectionError, "the upload failed after its retries (ConnectionError), or Kodo refused it (InvalidOperation)");
        public static readonly AvaError UploadBusy = new AvaError("AvaUploadBusy", AvaErrorKind.ResourceBusy, "another upload of the same file to the same key is running");
        public static readonly AvaError UriInvalid = new AvaError("AvaUriInvalid", AvaErrorKind.InvalidArgument, "not an http(s) URL nor qiniu://<bucket>/<key>");
        public static readonly AvaError DomainNotFound = new AvaError("AvaDomainNotFound", AvaErrorKind.ObjectNotFound, "a qiniu:// URL needs its bucket's download domain, and none is known");
        public static readonly AvaError RemoteFileNotFound = new AvaError("AvaRemoteFileNotFound", AvaErrorKind.ObjectNotFound, "the server has no such file");
        public static readonly AvaError DownloadFailed = new AvaError("AvaDownloadFailed", AvaErrorKind.ConnectionError, "the download failed after its retries (ConnectionError), or the server refused it (InvalidOperation)");
        public static readonly AvaError DownloadCorrupt = new AvaError("AvaDownloadCorrupt", AvaErrorKind.InvalidData, "the bytes received do not match the size or hash the server gave");
        public static readonly AvaError DownloadBusy = new AvaError("AvaDownloadBusy", AvaErrorKind.ResourceBusy, "another download of the same source into the same file is running");
        public static readonly AvaError DownloadNameUnsafe = new AvaError("AvaDownloadNameUnsafe", AvaErrorKind.SecurityError, "the name taken from the URL or key would leave -Destination; nothing is written");
        public static readonly AvaError DownloadRedirectRefused = new AvaError("AvaDownloadRedirectRefused", AvaErrorKind.SecurityError, "a signed request was redirected to another host");
        public static readonly AvaError DestinationRequired = new AvaError("AvaDestinationRequired", AvaErrorKind.InvalidArgument, "the URL names no file, so -Destination must");
        public static readonly AvaError DestinationConflict = new AvaError("AvaDestinationConflict", AvaErrorKind.InvalidArgument, "several URLs would land in one file");
        public static readonly AvaError DestinationExists = new AvaError("AvaDestinationExists", AvaErrorKind.ResourceExists, "the destination file exists (use -Force to replace it)");
        public static readonly AvaError TransferFailed = new AvaError("AvaTransferFailed", AvaErrorKind.InvalidOperation, "a transfer failed in a way AvaSdk does not know; the message says what happened");

        // Models
        public static readonly AvaError ModelNameInvalid = new AvaError("AvaModelNameInvalid", AvaErrorKind.InvalidArgument, "the model name is empty, '.' or '..', or holds a slash, a backslash or a control character");
        // Charts
        public static readonly AvaError ChartEmpty = new AvaError("AvaChartEmpty", AvaErrorKind.InvalidArgument, "no metric came from the pipeline, so there is nothing to draw; no file is written");
        public static readonly AvaError ChartFormatUnknown = new AvaError("AvaChartFormatUnknown", AvaErrorKind.InvalidArgument, "the file's extension is not .png, .svg, .html or .htm and -Format was not given");
        public static readonly AvaError ChartTooSmall = new AvaError("AvaChartTooSmall", AvaErrorKind.InvalidArgument, "-Height leaves a panel less than 120 pixels (one panel per metric name)");
        public static readonly AvaError ChartWriteFailed = new AvaError("AvaChartWriteFailed", AvaErrorKind.WriteError, "the chart file could not be written: a missing folder, no permission, a full disk");
        public static readonly AvaError ChartFailed = new AvaError("AvaChartFailed", AvaErrorKind.NotSpecified, "the drawing library failed on these metrics, a fault of AvaSdk's (please report it with the metrics); no file is written");
        public static readonly AvaError ChartRendererUnavailable = new AvaError("AvaChartRendererUnavailable", AvaErrorKind.NotSpecified, "SkiaSharp's native library, which draws the charts, does not load on this platform");

        /// <summary>Every error, in the order above.</summary>
        public static IReadOnlyList<AvaError> All { get; } = typeof(AvaErrors).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.FieldType == typeof(AvaError)).Select(f => (AvaError)f.GetValue(null)!).ToList();

        /// <summary>The catalogue entry of <paramref name="id"/>; null for an id that is not one.</summary>
        public static AvaError? Find(string id) => All.FirstOrDefault(e => e.Id == id);
    }
}
