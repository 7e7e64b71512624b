using System;
using System.IO;
using AvaSdk.Errors;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace AvaSdk.Storage
{
    /// <summary>
    /// Where credentials, bucket and hosts come from: what the caller gives, else the environment
    /// (AVA_ACCESS_KEY, AVA_SECRET_KEY, AVA_BUCKET, AVA_UP_HOST, AVA_BUCKET_DOMAIN), else the platform's
    /// <c>&lt;workspace&gt;/config/user</c> file (<c>key</c>, <c>secret</c>, <c>bucket</c>).
    /// </summary>
    public sealed class KodoSettings
    {
        public const string AccessKeyVariable = "AVA_ACCESS_KEY";
        public const string SecretKeyVariable = "AVA_SECRET_KEY";
        public const string BucketVariable = "AVA_BUCKET";
        public const string UploadHostVariable = "AVA_UP_HOST";
        public const string DomainVariable = "AVA_BUCKET_DOMAIN";
        public const string ResumeFolderVariable = "AVA_RESUME_DIR";

        /// <summary>Kodo's z0 (East China) upload host.</summary>
        public const string DefaultUploadHost = "https://upload.qiniup.com";

        private KodoSettings(KodoCredentials? credentials, string? bucket, Uri uploadHost, string? domain)
        {
            Credentials = credentials;
            Bucket = bucket;
            UploadHost = uploadHost;
            Domain = domain;
        }

        public KodoCredentials? Credentials { get; }

        public string? Bucket { get; }

        public Uri UploadHost { get; }

        public string? Domain { get; }

        public static KodoSettings Resolve(string workspace, KodoCredentials? credentials, string? bucket, string? uploadHost, string? domain)
        {
            var userFile = Path.Combine(workspace, "config", "user");
            JObject? user = null;
            JObject User() => user ??= ReadUserFile(userFile);

            if (credentials == null)
            {
                var accessKey = Environment.GetEnvironmentVariable(AccessKeyVariable);
                var secretKey = Environment.GetEnvironmentVariable(SecretKeyVariable);
                if (!string.IsNullOrEmpty(accessKey) && !string.IsNullOrEmpty(secretKey))
                    credentials = new KodoCredentials(accessKey!, secretKey!);
                else if (User()["key"] is JValue key && User()["secret"] is JValue secret && !string.IsNullOrEmpty((string?)key) && !string.IsNullOrEmpty((string?)secret))
                    credentials = new KodoCredentials((string)key!, (string)secret!);
            }
            bucket ??= NonEmpty(Environment.GetEnvironmentVariable(BucketVariable)) ?? NonEmpty((string?)User()["bucket"]);
            var host = uploadHost ?? NonEmpty(Environment.GetEnvironmentVariable(UploadHostVariable)) ?? DefaultUploadHost;
            if (!Uri.TryCreate(host, UriKind.Absolute, out var hostUri) || (hostUri.Scheme != Uri.UriSchemeHttp && hostUri.Scheme != Uri.UriSchemeHttps))
                throw new AvaException("AvaUploadHostInvalid", AvaErrorKind.InvalidArgument,
                    $"The upload host '{host}' is not an http(s) URL. Give one such as {DefaultUploadHost} or http://127.0.0.1:9000.", host);
            return new KodoSettings(credentials, bucket, hostUri, domain ?? NonEmpty(Environment.GetEnvironmentVariable(DomainVariable)));
        }

        /// <exception cref="AvaException">AvaCredentialNotFound when no credentials were found anywhere.</exception>
        public KodoCredentials RequireCredentials(string forWhat) => Credentials ?? throw new AvaException("AvaCredentialNotFound", AvaErrorKind.ObjectNotFound,
            $"No Kodo credentials to {forWhat}. Pass -Credential (user name = access key, password = secret key), set ${AccessKeyVariable} and ${SecretKeyVariable}, or provide <workspace>/config/user.");

        public string RequireBucket() => Bucket ?? throw new AvaException("AvaBucketNotFound", AvaErrorKind.ObjectNotFound,
            $"No bucket to upload to. Pass -Bucket, set ${BucketVariable}, or provide 'bucket' in <workspace>/config/user.");

        private static JObject ReadUserFile(string path)
        {
            if (!File.Exists(path))
                return new JObject();
            try
            {
                return JObject.Parse(File.ReadAllText(path));
            }
            catch (JsonException ex)
            {
                throw new AvaException("AvaConfigInvalid", AvaErrorKind.InvalidData, $"The platform's user file '{path}' is not valid JSON: {ex.Message}", path, ex);
            }
        }

        private static string? NonEmpty(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;
    }
}
