using System;
using AvaSdk.Errors;
using AvaSdk.Platform;

namespace AvaSdk.Storage
{
    /// <summary>
    /// Where credentials, bucket and hosts come from: what the caller gives, else the environment
    /// (AVA_ACCESS_KEY, AVA_SECRET_KEY, AVA_BUCKET, AVA_UP_HOST, AVA_BUCKET_DOMAIN, AVA_UC_HOST), else the platform's
    /// <c>&lt;workspace&gt;/config/user</c> file (<c>key</c>, <c>secret</c>, <c>bucket</c>). Hosts nobody named come from the
    /// bucket's region query, as the Qiniu SDKs do.
    /// </summary>
    public sealed class KodoSettings
    {
        public const string AccessKeyVariable = "AVA_ACCESS_KEY";
        public const string SecretKeyVariable = "AVA_SECRET_KEY";
        public const string BucketVariable = "AVA_BUCKET";
        public const string UploadHostVariable = "AVA_UP_HOST";
        public const string DomainVariable = "AVA_BUCKET_DOMAIN";
        public const string ResumeFolderVariable = "AVA_RESUME_DIR";

        public const string UcHostVariable = "AVA_UC_HOST";

        /// <summary>The host that answers region queries (kodo-protocol.md §7.1); its backups follow it.</summary>
        public const string DefaultUcHost = "https://uc.qiniuapi.com";

        private KodoSettings(KodoCredentials? credentials, string? bucket, Uri? uploadHost, string? domain, Uri ucHost, Http.HttpSettings http, string? resumeFolder, string userFile)
        {
            UserFile = userFile;
            ResumeFolder = resumeFolder;
            Credentials = credentials;
            Bucket = bucket;
            UploadHost = uploadHost;
            Domain = domain;
            UcHost = ucHost;
            Http = http;
        }

        public KodoCredentials? Credentials { get; }

        /// <summary>The platform's config/user file of the workspace, where credentials and bucket may come from.</summary>
        public string UserFile { get; }

        public string? Bucket { get; }

        /// <summary>The upload host the user named; null when the region query decides.</summary>
        public Uri? UploadHost { get; }

        public string? Domain { get; }

        public Uri UcHost { get; }

        /// <summary>Where upload resume records go (AVA_RESUME_DIR); null: beside each file.</summary>
        public string? ResumeFolder { get; }

        /// <summary>The bounds every Kodo request keeps (AVA_HTTP_TIMEOUT_SEC, AVA_RETRY_AFTER_MAX_SEC).</summary>
        public Http.HttpSettings Http { get; }

        public static KodoSettings Resolve(string workspace, KodoCredentials? credentials, string? bucket, string? uploadHost, string? domain) =>
            Resolve(new PlatformConfig(workspace), credentials, bucket, uploadHost, domain);

        public static KodoSettings Resolve(PlatformConfig config, KodoCredentials? credentials, string? bucket, string? uploadHost, string? domain)
        {
            if (credentials == null && config.Value("AccessKey") is string accessKey && config.Value("SecretKey") is string secretKey)
                credentials = new KodoCredentials(accessKey, secretKey);
            bucket ??= config.Value("Bucket");
            var host = uploadHost ?? config.Value("UploadHost");
            var uc = config.Value("UcHost") ?? DefaultUcHost;
            return new KodoSettings(credentials, bucket, host == null ? null : HttpUri(host, "upload host", AvaErrors.UploadHostInvalid), domain ?? config.Value("BucketDomain"),
                HttpUri(uc, $"region query host (${UcHostVariable})", AvaErrors.ConfigInvalid), config.HttpSettings(), config.Value("ResumeFolder"), config.FilePath("user"));
        }

        /// <summary>Where uploads go: the named host, else the bucket's region (which needs the access key).</summary>
        public KodoUpHosts UpHosts(Http.ServiceHttp http, Serilog.ILogger log) =>
            UploadHost != null ? KodoUpHosts.Fixed(UploadHost) : KodoUpHosts.FromRegion(Regions(http, log), RequireCredentials("find the bucket's region").AccessKey);

        public KodoRegionResolver Regions(Http.ServiceHttp http, Serilog.ILogger log) => new KodoRegionResolver(http, UcHost, KodoRegionResolver.DefaultCacheFile, log);

        /// <summary>
        /// The hosts transfers will use and where they come from, for Get-AvaConfig: named ones as they are, the rest from the
        /// bucket's region (the cached answer, else a query). A failed query is shown, not thrown.
        /// </summary>
        public async System.Threading.Tasks.Task<System.Collections.Generic.IReadOnlyList<ConfigSetting>> DescribeHostsAsync(System.Threading.CancellationToken cancellationToken)
        {
            var log = Logging.InstanceLog.Detached;
            // One try: Get-AvaConfig shows a region query that fails rather than waiting out retries.
            using var http = new AvaSdk.Http.ServiceHttp(AvaSdk.Http.HttpServiceRules.Kodo, Http.With(maxRetry: 1), log);
            const string UpDescription = "where uploads go, in order of preference";
            const string DownDescription = "the domain qiniu:// URLs are downloaded from";
            KodoRegion? region = null;
            string? problem = null;
            if ((UploadHost == null || Domain == null) && Credentials != null && Bucket != null)
            {
                try
                {
                    region = await Regions(http, log).ResolveAsync(Credentials.AccessKey, Bucket, refresh: false, cancellationToken).ConfigureAwait(false);
                }
                catch (AvaException ex)
                {
                    problem = ex.Message;
                }
            }
            var unresolved = problem != null ? $"unresolved: {problem}" : "unresolved: needs an access key and a bucket for the region query";
            return new[]
            {
                UploadHost != null ? new ConfigSetting("UploadHosts", UploadHost.ToString(), "UploadHost", UpDescription)
                    : region != null ? new ConfigSetting("UploadHosts", string.Join(", ", region.UpHosts), region.Source, UpDescription)
                    : new ConfigSetting("UploadHosts", null, unresolved, UpDescription),
                Domain != null ? new ConfigSetting("DownloadDomain", Domain, "BucketDomain", DownDescription)
                    : region?.SourceDomains.Count > 0 ? new ConfigSetting("DownloadDomain", region.SourceDomains[0].GetLeftPart(UriPartial.Authority), region.Source + " (io_src)", DownDescription)
                    : new ConfigSetting("DownloadDomain", null, region != null ? "the region answered no io_src domain" : unresolved, DownDescription),
            };
        }

        private static Uri HttpUri(string text, string what, AvaError error) =>
            Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
                ? uri
                : throw (error == AvaErrors.ConfigInvalid
                    ? new AvaConfigException($"The {what} '{text}' is not an http(s) URL. Give one such as https://uc.qiniuapi.com.", text)
                    : new AvaException(error, $"The {what} '{text}' is not an http(s) URL. Give one such as https://upload.qiniup.com or http://127.0.0.1:9000.", text));

        /// <exception cref="AvaException">AvaCredentialNotFound when no credentials were found anywhere.</exception>
        public KodoCredentials RequireCredentials(string forWhat) => Credentials ?? throw new AvaException(AvaErrors.CredentialNotFound, $"No Kodo credentials to {forWhat}: {NoCredentials}.");

        public string RequireBucket() => Bucket ?? throw new AvaException(AvaErrors.BucketNotFound, $"No bucket to upload to: {NoBucket}.");

        /// <summary>The bucket and the credentials an upload needs, checked together so that one try names all that is missing.</summary>
        /// <exception cref="AvaException">AvaBucketNotFound or AvaCredentialNotFound when one is missing; AvaConfigMissing, naming both, when both are.</exception>
        public (string Bucket, KodoCredentials Credentials) RequireUpload(string forWhat)
        {
            if (Bucket == null && Credentials == null)
                throw new AvaException(AvaErrors.ConfigMissing, $"Cannot {forWhat}: no bucket ({NoBucket}), and no Kodo credentials ({NoCredentials}).", UserFile);
            return (RequireBucket(), RequireCredentials(forWhat));
        }

        private string NoBucket => $"none was given, and neither ${BucketVariable} nor 'bucket' in '{UserFile}' names one";

        private string NoCredentials => $"none were given, and neither ${AccessKeyVariable} with ${SecretKeyVariable} nor '{UserFile}' has them";
    }
}
