using System;
using AvaSdk.Errors;
using AvaSdk.Storage;
using Xunit;

namespace AvaSdk.Core.Tests.Storage
{
    [Collection(EnvironmentCollection.Name)]
    public sealed class KodoSettingsTests : IDisposable
    {
        private static readonly string[] Variables = { "AVA_ACCESS_KEY", "AVA_SECRET_KEY", "AVA_BUCKET", "AVA_UP_HOST", "AVA_BUCKET_DOMAIN", "AVA_UC_HOST" };
        private readonly TempFolder workspace = new TempFolder();

        public KodoSettingsTests()
        {
            foreach (var name in Variables)
                Environment.SetEnvironmentVariable(name, null);
        }

        [Fact]
        public void Parameters_win_over_the_environment_which_wins_over_config_user()
        {
            workspace.Write("config/user", "{\"uid\":1380,\"key\":\"file-ak\",\"secret\":\"file-sk\",\"bucket\":\"file-bucket\"}");
            var fromFile = KodoSettings.Resolve(workspace.Path, null, null, null, null);
            Assert.Equal(("file-ak", "file-bucket"), (fromFile.Credentials!.AccessKey, fromFile.Bucket));
            Assert.Null(fromFile.UploadHost);
            Assert.Equal(new Uri(KodoSettings.DefaultUcHost), fromFile.UcHost);

            Environment.SetEnvironmentVariable("AVA_ACCESS_KEY", "env-ak");
            Environment.SetEnvironmentVariable("AVA_SECRET_KEY", "env-sk");
            Environment.SetEnvironmentVariable("AVA_BUCKET", "env-bucket");
            Environment.SetEnvironmentVariable("AVA_UP_HOST", "http://127.0.0.1:9000");
            Environment.SetEnvironmentVariable("AVA_BUCKET_DOMAIN", "cdn.example.com");
            var fromEnvironment = KodoSettings.Resolve(workspace.Path, null, null, null, null);
            Assert.Equal(("env-ak", "env-bucket", "cdn.example.com"), (fromEnvironment.Credentials!.AccessKey, fromEnvironment.Bucket, fromEnvironment.Domain));
            Assert.Equal(new Uri("http://127.0.0.1:9000"), fromEnvironment.UploadHost);

            var given = KodoSettings.Resolve(workspace.Path, new KodoCredentials("param-ak", "param-sk"), "param-bucket", "https://up-z2.qiniup.com", "d.example.com");
            Assert.Equal(("param-ak", "param-bucket", "d.example.com"), (given.Credentials!.AccessKey, given.Bucket, given.Domain));
            Assert.Equal(new Uri("https://up-z2.qiniup.com"), given.UploadHost);
        }

        [Fact]
        public void Says_where_credentials_and_bucket_can_come_from_when_there_are_none()
        {
            var settings = KodoSettings.Resolve(workspace.Path, null, null, null, null);
            var credentials = Assert.Throws<AvaException>(() => settings.RequireCredentials("send files"));
            Assert.Equal("AvaCredentialNotFound", credentials.ErrorId);
            Assert.Contains("AVA_ACCESS_KEY", credentials.Message);
            Assert.Contains("config/user", credentials.Message);
            Assert.Equal("AvaBucketNotFound", Assert.Throws<AvaException>(() => settings.RequireBucket()).ErrorId);
        }

        [Fact]
        public void A_bad_user_file_or_host_is_a_clear_error()
        {
            var path = workspace.Write("config/user", "{ key: ");
            var invalid = Assert.Throws<AvaConfigException>(() => KodoSettings.Resolve(workspace.Path, null, null, null, null));
            Assert.Equal(("AvaConfigInvalid", AvaErrorKind.InvalidData), (invalid.ErrorId, invalid.Kind));
            Assert.Contains(path, invalid.Message);
            var host = Assert.Throws<AvaException>(() => KodoSettings.Resolve(workspace.Path, new KodoCredentials("a", "b"), "b", "ftp://x", null));
            Assert.Equal("AvaUploadHostInvalid", host.ErrorId);
        }

        [Fact]
        public void The_secret_key_never_shows_in_ToString()
        {
            Environment.SetEnvironmentVariable("AVA_ACCESS_KEY", "visible-ak");
            Environment.SetEnvironmentVariable("AVA_SECRET_KEY", "hidden-secret-value");
            var settings = KodoSettings.Resolve(workspace.Path, null, null, null, null);
            Assert.DoesNotContain("hidden-secret-value", settings.Credentials!.ToString());
        }

        public void Dispose()
        {
            foreach (var name in Variables)
                Environment.SetEnvironmentVariable(name, null);
            workspace.Dispose();
        }
    }
}
