using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using AvaSdk.Errors;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace AvaSdk.Platform
{
    /// <summary>
    /// The job's configuration: environment variables first, then the platform's files under
    /// <c>&lt;workspace&gt;/config/</c> (user, worker, trainingspec, trainsetinfo, valsetinfo, testsetinfo). Files are
    /// read on first use, so a damaged file only fails what needs a value from it.
    /// </summary>
    public sealed class PlatformConfig
    {
        public const string ApiHostVariable = "AVA_API_HOST";
        public const string DeliveryWaitVariable = "AVA_DELIVERY_WAIT_SEC";
        public const string TrainingNameVariable = "AVA_TRAINING_NAME";
        public const string JobNameVariable = "JOB_NAME";
        public const string MetricsPathFormat = "/v1/report/trainings/{0}/metric";

        private static readonly Definition[] Definitions =
        {
            new Definition("ApiHost", ApiHostVariable, "worker", "atnet_apiserver_host", Secrecy.None, "the AVA API; unset means local mode"),
            new Definition("StatusHost", null, "worker", "atnet_status_host", Secrecy.None, "the AVA probe that receives metrics"),
            new Definition("MetricsUrl", Reporting.LineProtocolClient.UrlVariable, null, null, Secrecy.None, "where Invoke-AvaTraining posts metrics (line protocol)"),
            new Definition("TrainingName", TrainingNameVariable, "trainingspec", "name", Secrecy.None, "the training the instances belong to"),
            new Definition("JobName", JobNameVariable, null, null, Secrecy.None, "the platform's job name; its third '-' field is the job id"),
            new Definition("Uid", null, "user", "uid", Secrecy.None, "the Qiniu account id, used in qiniu://<uid>@z0/... model URLs"),
            new Definition("AccessKey", "AVA_ACCESS_KEY", "user", "key", Secrecy.Partial, "Kodo and API access key"),
            new Definition("SecretKey", "AVA_SECRET_KEY", "user", "secret", Secrecy.Full, "Kodo and API secret key"),
            new Definition("Bucket", "AVA_BUCKET", "user", "bucket", Secrecy.None, "the Kodo bucket for uploads and snapshots"),
            new Definition("UploadHost", "AVA_UP_HOST", null, null, Secrecy.None, "the Kodo upload host; unset means the bucket's region decides"),
            new Definition("UcHost", "AVA_UC_HOST", null, null, Secrecy.None, "the Kodo host that answers the region query for a bucket"),
            new Definition("BucketDomain", "AVA_BUCKET_DOMAIN", null, null, Secrecy.None, "the download domain of qiniu:// URLs"),
            new Definition("ResumeFolder", Storage.KodoSettings.ResumeFolderVariable, null, null, Secrecy.None, "where upload resume records are kept; unset means beside each file"),
            new Definition("TrainInstanceId", Training.TrainInstanceId.EnvironmentVariable, null, null, Secrecy.None, "the id a new instance takes when none is given"),
            new Definition("HttpTimeoutSec", "AVA_HTTP_TIMEOUT_SEC", null, null, Secrecy.None, "seconds an HTTP attempt may go slower than 1 KiB/s (connecting, waiting for an answer, a trickle)"),
            new Definition("NodeWaitSec", "AVA_NODE_WAIT_SEC", null, null, Secrecy.None, "seconds a node waits for the job's instance to be created, and node 0 for every node's end"),
            new Definition("DeliveryWaitSec", DeliveryWaitVariable, null, null, Secrecy.None, "seconds Complete-AvaTrainInstance gives the metrics endpoint; what it has not taken by then stays owed"),
            new Definition("RetryAfterMaxSec", "AVA_RETRY_AFTER_MAX_SEC", null, null, Secrecy.None, "the longest Retry-After honoured; a server asking for more is treated as down"),
            new Definition("Gpus", null, "trainingspec", "resource.gpus", Secrecy.None, "GPUs given to the training"),
            new Definition("TrainSamples", null, "trainsetinfo", "stats.numOfSamples", Secrecy.None, "samples in the training set"),
            new Definition("TrainClasses", null, "trainsetinfo", "stats.numOfClasses", Secrecy.None, "classes in the training set"),
            new Definition("ValSamples", null, "valsetinfo", "stats.numOfSamples", Secrecy.None, "samples in the validation set"),
            new Definition("ValClasses", null, "valsetinfo", "stats.numOfClasses", Secrecy.None, "classes in the validation set"),
            new Definition("TestSamples", null, "testsetinfo", "stats.numOfSamples", Secrecy.None, "samples in the test set"),
            new Definition("TestClasses", null, "testsetinfo", "stats.numOfClasses", Secrecy.None, "classes in the test set"),
        };

        private readonly Dictionary<string, ConfigFile> files = new Dictionary<string, ConfigFile>(StringComparer.Ordinal);

        public PlatformConfig(string workspace)
        {
            Workspace = workspace;
        }

        public string Workspace { get; }

        public string FilePath(string name) => Path.Combine(Workspace, "config", name);

        /// <summary>The raw value of a setting (secrets unmasked) and its source; null when nowhere set.</summary>
        /// <exception cref="AvaException">AvaConfigInvalid when the file that would hold it is damaged.</exception>
        public (string Value, string Source)? Find(string name)
        {
            var definition = Definitions.FirstOrDefault(d => d.Name == name) ?? throw new ArgumentException($"No setting '{name}'.", nameof(name));
            if (definition.Variable != null && Environment.GetEnvironmentVariable(definition.Variable) is string env && !string.IsNullOrWhiteSpace(env))
                return (env.Trim(), "env:" + definition.Variable);
            if (definition.File != null && Read(definition.File).Value(definition.Key!) is string fromFile)
                return (fromFile, $"{FilePath(definition.File)}:{definition.Key}");
            return null;
        }

        public string? Value(string name) => Find(name)?.Value;

        /// <summary>True for an environment variable that holds a secret setting (AVA_SECRET_KEY).</summary>
        public static bool IsSecretVariable(string name) => Definitions.Any(d => d.Secrecy == Secrecy.Full && d.Variable == name);

        /// <summary>
        /// Every value of the secret settings from every source (the environment's and the file's, whichever wins), for
        /// what must never show them. A damaged file holds none that can be read.
        /// </summary>
        public IReadOnlyList<string> Secrets()
        {
            var secrets = new List<string>();
            foreach (var definition in Definitions.Where(d => d.Secrecy == Secrecy.Full))
            {
                if (definition.Variable != null && Environment.GetEnvironmentVariable(definition.Variable) is string env && !string.IsNullOrWhiteSpace(env))
                    secrets.Add(env.Trim());
                try
                {
                    if (definition.File != null && Read(definition.File).Value(definition.Key!) is string fromFile)
                        secrets.Add(fromFile);
                }
                catch (AvaException)
                {
                    // Its damage is reported where a setting of it is needed.
                }
            }
            return secrets;
        }

        /// <summary>The AVA API host, or null in local mode.</summary>
        public Uri? ApiHost => HttpUrl("ApiHost");

        /// <summary>Where metrics of <paramref name="instanceId"/> go: AVA_METRICS_URL, else the probe's path on the status host.</summary>
        public Uri? MetricsUrl(string? instanceId)
        {
            if (HttpUrl("MetricsUrl") is Uri explicitUrl)
                return explicitUrl;
            if (HttpUrl("StatusHost") is not Uri status || instanceId == null)
                return null;
            // The status host may carry its own path (a gateway prefix); the probe's path goes after it.
            return new Uri(status.GetLeftPart(UriPartial.Path).TrimEnd('/') + string.Format(CultureInfo.InvariantCulture, MetricsPathFormat, Uri.EscapeDataString(instanceId)));
        }

        /// <summary>The job id: the third '-'-separated field of JOB_NAME, or null.</summary>
        public string? JobId
        {
            get
            {
                var fields = (Value("JobName") ?? string.Empty).Split('-');
                return fields.Length >= 3 && fields[2].Length > 0 ? fields[2] : null;
            }
        }

        /// <summary>
        /// Samples per iteration for the platform's sample_num points: the params' <c>solverOps.batchSize</c>, times the
        /// GPUs when there are any (as the original SDK counted); null when the params do not say.
        /// </summary>
        /// <exception cref="AvaException">AvaParamFileInvalid or AvaParamFileUnreadable: the params file is damaged.</exception>
        public long? SamplesPerIteration(string paramsPath)
        {
            var document = Params.ParamFileReader.TryRead(paramsPath);
            if (document == null || !document.TryGetValue(Params.ParamKeyPath.Parse("solverOps.batchSize"), out var batch) ||
                batch is not JValue { Type: JTokenType.Integer } batchValue)
                return null;
            return (long)batchValue * (PositiveCount("Gpus") ?? 1);
        }

        /// <summary>Samples in the training set (trainsetinfo <c>stats.numOfSamples</c>); null when not known.</summary>
        public long? TrainSamples => PositiveCount("TrainSamples");

        /// <summary>
        /// Iterations per epoch when the platform says enough to count them: ceil(<see cref="TrainSamples"/> /
        /// <see cref="SamplesPerIteration"/>); null otherwise.
        /// </summary>
        public int? BatchOfEpoch(string paramsPath)
        {
            if (TrainSamples is not long samples || SamplesPerIteration(paramsPath) is not long perIteration || perIteration <= 0)
                return null;
            var iterations = (samples + perIteration - 1) / perIteration;
            return iterations <= int.MaxValue ? (int)iterations : null;
        }

        // A count the platform's files may hold; a damaged file only costs what is derived from it.
        private long? PositiveCount(string name)
        {
            string? text;
            try
            {
                text = Value(name);
            }
            catch (AvaException)
            {
                return null;
            }
            return long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var count) && count > 0 ? count : null;
        }

        public string RequireTrainingName() => Value("TrainingName") ?? throw new AvaException(AvaErrors.ConfigMissing, $"The AVA API is configured, but no training name is: set ${TrainingNameVariable}, or 'name' in '{FilePath("trainingspec")}'.", "TrainingName");

        /// <summary>The whole trainingspec file (empty when absent): the platform's models refer to it.</summary>
        /// <summary>The HTTP bounds every AvaSdk request keeps: AVA_HTTP_TIMEOUT_SEC and AVA_RETRY_AFTER_MAX_SEC, else the defaults.</summary>
        /// <exception cref="AvaException">AvaConfigInvalid when one of them is not a positive whole number of seconds.</exception>
        public Http.HttpSettings HttpSettings() => new Http.HttpSettings
        {
            Timeout = TimeSpan.FromSeconds(Seconds("HttpTimeoutSec") ?? Http.HttpSettings.DefaultTimeoutSeconds),
            MaxRetryAfter = TimeSpan.FromSeconds(Seconds("RetryAfterMaxSec") ?? Http.HttpSettings.DefaultMaxRetryAfterSeconds),
        };

        public const int DefaultNodeWaitSeconds = 600;

        /// <summary>How long a node of a multi-node job waits for the others (AVA_NODE_WAIT_SEC, else 10 minutes).</summary>
        /// <exception cref="AvaConfigException">Not a positive whole number of seconds.</exception>
        public TimeSpan NodeWait => TimeSpan.FromSeconds(Seconds("NodeWaitSec") ?? DefaultNodeWaitSeconds);

        public const int DefaultDeliveryWaitSeconds = 60;

        /// <summary>How long completing an instance may spend sending owed metrics (AVA_DELIVERY_WAIT_SEC, else a minute).</summary>
        /// <exception cref="AvaConfigException">Not a positive whole number of seconds.</exception>
        public TimeSpan DeliveryWait => TimeSpan.FromSeconds(Seconds("DeliveryWaitSec") ?? DefaultDeliveryWaitSeconds);

        private int? Seconds(string name)
        {
            if (Find(name) is not { } found)
                return null;
            return int.TryParse(found.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds > 0
                ? seconds
                : throw new AvaConfigException($"{name} '{found.Value}' from {found.Source} is not a positive whole number of seconds. Correct it or clear it.", found.Source);
        }

        // The node and the job, as the launcher's variables tell them (see Training.JobNode).
        private static IEnumerable<ConfigSetting> NodeSettings(List<AvaException> problems)
        {
            Training.JobNode node;
            try
            {
                node = Training.JobNode.Resolve(Environment.GetEnvironmentVariable);
            }
            catch (AvaException ex)
            {
                problems.Add(ex);
                return new[] { new ConfigSetting("Node", null, $"{ex.Target} (invalid)", "this process's rank in the job") };
            }
            return new[]
            {
                node.RankFromLog
                    ? new ConfigSetting("Node", null, node.Source, "this process's rank in the job: a DMLC worker takes a free slot, and its metrics the node its log names (Node[n])")
                    : new ConfigSetting("Node", node.Rank.ToString(CultureInfo.InvariantCulture), node.Source, "this process's rank in the job" + (node.IsWorker ? string.Empty : $" (a DMLC {node.Role}: it reports nothing)")),
                new ConfigSetting("NodeCount", node.Size.ToString(CultureInfo.InvariantCulture), node.Source, "how many nodes the job has"),
                new ConfigSetting("JobKey", node.JobKey, node.JobKeySource ?? "not set", "what the nodes of a job share to meet in run/.jobs/"),
            };
        }

        public JObject TrainingSpec() => (JObject)(Read("trainingspec").Json?.DeepClone() ?? new JObject());

        /// <summary>
        /// Every setting, secrets masked, for Get-AvaConfig. A damaged file does not stop the listing: its settings show
        /// as not readable and its error is returned alongside.
        /// </summary>
        public IReadOnlyList<ConfigSetting> Describe(out IReadOnlyList<AvaException> problems)
        {
            var found = new List<AvaException>();
            var settings = new List<ConfigSetting>
            {
                new ConfigSetting("Workspace", Workspace, Environment.GetEnvironmentVariable(Training.AvaWorkspace.EnvironmentVariable) is string w && w.Length > 0
                    ? "env:" + Training.AvaWorkspace.EnvironmentVariable : "default", "the job's workspace folder"),
            };
            foreach (var definition in Definitions)
            {
                (string Value, string Source)? value;
                try
                {
                    value = Find(definition.Name);
                }
                catch (AvaException ex)
                {
                    if (!found.Any(p => Equals(p.Target, ex.Target)))
                        found.Add(ex);
                    settings.Add(new ConfigSetting(definition.Name, null, $"{ex.Target} (unreadable)", definition.Description));
                    continue;
                }
                if (value != null)
                    settings.Add(new ConfigSetting(definition.Name, Mask(value.Value.Value, definition.Secrecy), value.Value.Source, definition.Description));
                else
                    settings.Add(Unset(definition));
                if (definition.Name == "JobName")
                {
                    settings.Add(new ConfigSetting("JobId", JobId, JobId == null ? "not set" : "derived from JobName", "the job id: the third '-' field of JOB_NAME"));
                    settings.AddRange(NodeSettings(found));
                }
            }
            settings.Insert(1, ModeSetting(settings));
            problems = found;
            return settings;
        }

        // What a newcomer asks first: does this job talk to the platform?
        private static ConfigSetting ModeSetting(List<ConfigSetting> settings)
        {
            string? Of(string name) => settings.First(s => s.Name == name).Value;
            var mode = Of("ApiHost") != null ? "platform" : Of("MetricsUrl") != null ? "local, metrics sent to MetricsUrl" : "local";
            return new ConfigSetting("Mode", mode, "derived from ApiHost and MetricsUrl", "platform when an API host is set; local keeps everything in the workspace");
        }

        private ConfigSetting Unset(Definition definition)
        {
            switch (definition.Name)
            {
                case "MetricsUrl" when Find("StatusHost") is { } status:
                    return new ConfigSetting(definition.Name, status.Value.TrimEnd('/') + string.Format(CultureInfo.InvariantCulture, MetricsPathFormat, "<instance id>"), "derived from StatusHost", definition.Description);
                case "UploadHost":
                    return new ConfigSetting(definition.Name, null, "not set: the region query decides (see UploadHosts)", definition.Description);
                case "UcHost":
                    return new ConfigSetting(definition.Name, Storage.KodoSettings.DefaultUcHost, "default", definition.Description);
                case "HttpTimeoutSec":
                    return new ConfigSetting(definition.Name, Http.HttpSettings.DefaultTimeoutSeconds.ToString(CultureInfo.InvariantCulture), "default", definition.Description);
                case "DeliveryWaitSec":
                    return new ConfigSetting(definition.Name, DefaultDeliveryWaitSeconds.ToString(CultureInfo.InvariantCulture), "default", definition.Description);
                case "RetryAfterMaxSec":
                    return new ConfigSetting(definition.Name, Http.HttpSettings.DefaultMaxRetryAfterSeconds.ToString(CultureInfo.InvariantCulture), "default", definition.Description);
                default:
                    return new ConfigSetting(definition.Name, null, "not set", definition.Description);
            }
        }

        private Uri? HttpUrl(string name)
        {
            if (Find(name) is not { } found)
                return null;
            var text = found.Value.Contains("://") ? found.Value : "http://" + found.Value;
            if (Uri.TryCreate(text, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps))
                return url;
            throw new AvaConfigException($"{name} '{found.Value}' from {found.Source} is not an http(s) URL. Correct it, or override it with an environment variable.", found.Source);
        }

        private static string Mask(string value, Secrecy secrecy) => secrecy switch
        {
            Secrecy.Full => "********",
            Secrecy.Partial => value.Substring(0, Math.Min(4, value.Length)) + "…",
            _ => value,
        };

        private ConfigFile Read(string name)
        {
            lock (files)
            {
                if (!files.TryGetValue(name, out var file))
                    files[name] = file = ConfigFile.Load(FilePath(name));
                return file;
            }
        }

        private enum Secrecy
        {
            None,
            Partial,
            Full,
        }

        private sealed class Definition
        {
            public Definition(string name, string? variable, string? file, string? key, Secrecy secrecy, string description)
            {
                Name = name;
                Variable = variable;
                File = file;
                Key = key;
                Secrecy = secrecy;
                Description = description;
            }

            public string Name { get; }
            public string? Variable { get; }
            public string? File { get; }
            public string? Key { get; }
            public Secrecy Secrecy { get; }
            public string Description { get; }
        }

        private sealed class ConfigFile
        {
            private readonly string path;
            private readonly AvaException? error;

            private ConfigFile(string path, JObject? json, AvaException? error)
            {
                this.path = path;
                Json = json;
                this.error = error;
            }

            public JObject? Json { get; }

            public static ConfigFile Load(string path)
            {
                if (!File.Exists(path))
                    return new ConfigFile(path, null, null);
                try
                {
                    var token = IO.JsonText.Parse(File.ReadAllText(path));
                    return token is JObject json
                        ? new ConfigFile(path, json, null)
                        : new ConfigFile(path, null, Invalid(path, $"it holds a JSON {token.Type.ToString().ToLowerInvariant()}, not an object"));
                }
                catch (JsonReaderException ex)
                {
                    return new ConfigFile(path, null, Invalid(path, $"invalid JSON at line {ex.LineNumber}, position {ex.LinePosition}"));
                }
                catch (IOException ex)
                {
                    return new ConfigFile(path, null, Invalid(path, ex.Message));
                }
            }

            /// <summary>A scalar at a dotted key, as text; null when absent or JSON null.</summary>
            public string? Value(string key)
            {
                if (error != null)
                    throw error;
                JToken? token = Json;
                foreach (var part in key.Split('.'))
                    token = (token as JObject)?[part];
                return token switch
                {
                    null => null,
                    JValue { Type: JTokenType.Null } => null,
                    JValue value => Convert.ToString(value.Value, CultureInfo.InvariantCulture),
                    _ => throw Invalid(path, $"'{key}' is a JSON {token.Type.ToString().ToLowerInvariant()}, not a single value"),
                };
            }

            private static AvaException Invalid(string path, string why) => new AvaConfigException(
                $"The platform config file '{path}' cannot be used: {why}. Fix the file, or set the values it would give through environment variables.", path);
        }
    }
}
