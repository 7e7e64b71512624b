using System;
using System.IO;
using System.Net.Http;
using AvaSdk.Errors;
using AvaSdk.Http;

namespace AvaSdk.Storage
{
    /// <summary>Turns what went wrong on the wire into an error a user can act on: what, where, the server's words, the request id.</summary>
    internal static class TransferErrors
    {
        public static AvaException Upload(Exception failure, string path, string bucket, string key)
        {
            var where = $"'{path}' to bucket '{bucket}' as '{key}'";
            return failure switch
            {
                ServiceHttpException { Status: 614 } => new AvaException(AvaErrors.ObjectExists, $"Could not send {where}: an object with that key already exists with other content{RequestId(failure)}.", key, failure),
                ServiceHttpException { Status: 631 } => new AvaException(AvaErrors.BucketNotFound, $"Could not send {where}: Kodo has no such bucket{RequestId(failure)}. Check the bucket's name (${KodoSettings.BucketVariable}, or 'bucket' in the workspace's config/user file, when it came from there).", bucket, failure),
                ServiceHttpException { Status: 401 } or ServiceHttpException { Status: 403 } => new AvaException(AvaErrors.StorageAccessDenied, $"Kodo refused to store {where}: {Describe(failure)}. Check the access key, the secret key and that the bucket belongs to them.", key, failure),
                _ => new AvaException(AvaErrors.UploadFailed, IsNetwork(failure) ? AvaErrorKind.ConnectionError : AvaErrorKind.InvalidOperation,
                    $"Could not send {where}: {Describe(failure)}.", path, failure),
            };
        }

        public static AvaException Download(Exception failure, string uri)
        {
            var shown = RedactToken(uri);
            return failure switch
            {
                ServiceHttpException { Status: 404 } or ServiceHttpException { Status: 612 } => new AvaException(AvaErrors.RemoteFileNotFound, $"Could not download '{shown}': the server has no such file ({Describe(failure)}).", shown, failure),
                ServiceHttpException { Status: 401 } or ServiceHttpException { Status: 403 } => new AvaException(AvaErrors.StorageAccessDenied, $"Could not download '{shown}': access denied ({Describe(failure)}). A private bucket needs credentials (${KodoSettings.AccessKeyVariable} and ${KodoSettings.SecretKeyVariable}, or key and secret in the workspace's config/user file).", shown, failure),
                _ => new AvaException(AvaErrors.DownloadFailed, IsNetwork(failure) ? AvaErrorKind.ConnectionError : AvaErrorKind.InvalidOperation,
                    $"Could not download '{shown}': {Describe(failure)}.", shown, failure),
            };
        }

        /// <summary>A signed download URL carries a token; it never goes into a message.</summary>
        public static string RedactToken(string url)
        {
            var at = url.IndexOf("token=", StringComparison.Ordinal);
            return at < 0 ? url : url.Substring(0, at) + "token=***";
        }

        private static bool IsNetwork(Exception failure) =>
            failure is HttpRequestException || failure is IOException || (failure is TransientHttpException transient && transient.Status == 0);

        private static string Describe(Exception failure) => failure switch
        {
            ServiceHttpException http => http.Message,
            _ => failure.GetBaseException().Message.TrimEnd('.'),
        };

        private static string RequestId(Exception failure) =>
            failure is ServiceHttpException { RequestId: string id } ? $" (request id {id})" : string.Empty;
    }
}
