using System;
using AvaSdk.Errors;
using AvaSdk.Platform;

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

        public static KodoSettings Resolve(string workspace, KodoCredentials? credentials, string? bucket, string? uploadHost, string? domain) =>
            Resolve(new PlatformConfig(workspace), credentials, bucket, uploadHost, domain);

        public static KodoSettings Resolve(PlatformConfig config, KodoCredentials? credentials, string? bucket, string? uploadHost, string? domain)
        {
            if (credentials == null && config.Value("AccessKey") is string accessKey && config.Value("SecretKey") is string secretKey)
                credentials = new KodoCredentials(accessKey, secretKey);
            bucket ??= config.Value("Bucket");
            var host = uploadHost ?? config.Value("UploadHost") ?? DefaultUploadHost;
            if (!Uri.TryCreate(host, UriKind.Absolute, out var hostUri) || (hostUri.Scheme != Uri.UriSchemeHttp && hostUri.Scheme != Uri.UriSchemeHttps))
                throw new AvaException("AvaUploadHostInvalid", AvaErrorKind.InvalidArgument,
                    $"The upload host '{host}' is not an http(s) URL. Give one such as {DefaultUploadHost} or http://127.0.0.1:9000.", host);
            return new KodoSettings(credentials, bucket, hostUri, domain ?? config.Value("BucketDomain"));
        }

        /// <exception cref="AvaException">AvaCredentialNotFound when no credentials were found anywhere.</exception>
        public KodoCredentials RequireCredentials(string forWhat) => Credentials ?? throw new AvaException("AvaCredentialNotFound", AvaErrorKind.ObjectNotFound,
            $"No Kodo credentials to {forWhat}. Pass -Credential (user name = access key, password = secret key), set ${AccessKeyVariable} and ${SecretKeyVariable}, or provide <workspace>/config/user.");

        public string RequireBucket() => Bucket ?? throw new AvaException("AvaBucketNotFound", AvaErrorKind.ObjectNotFound,
            $"No bucket to upload to. Pass -Bucket, set ${BucketVariable}, or provide 'bucket' in <workspace>/config/user.");
    }
}
