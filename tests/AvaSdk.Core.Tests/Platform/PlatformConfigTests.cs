using System;
using System.Linq;
using AvaSdk.Errors;
using AvaSdk.Platform;
using Xunit;

namespace AvaSdk.Core.Tests.Platform
{
    [Collection(EnvironmentCollection.Name)]
    public sealed class PlatformConfigTests : IDisposable
    {
        private static readonly string[] Variables =
            { "AVA_API_HOST", "AVA_METRICS_URL", "AVA_TRAINING_NAME", "JOB_NAME", "AVA_ACCESS_KEY", "AVA_SECRET_KEY", "AVA_BUCKET", "AVA_UP_HOST", "AVA_BUCKET_DOMAIN" };

        private readonly TempFolder workspace = new TempFolder();

        public PlatformConfigTests()
        {
            foreach (var name in Variables)
                Environment.SetEnvironmentVariable(name, null);
            workspace.Write("config/user", "{\"uid\":1380001,\"key\":\"file-access-key\",\"secret\":\"file-secret-key\",\"bucket\":\"jobs\"}");
            workspace.Write("config/worker", "{\"atnet_apiserver_host\":\"http://atnet-apiserver\",\"atnet_status_host\":\"http://status:9105\"}");
            workspace.Write("config/trainingspec", "{\"name\":\"cifar\",\"resource\":{\"gpus\":4}}");
        }

        [Fact]
        public void The_environment_wins_over_the_files()
        {
            var config = new PlatformConfig(workspace.Path);
            Assert.Equal(("http://atnet-apiserver", $"{workspace.Path}/config/worker:atnet_apiserver_host"), config.Find("ApiHost")!.Value);
            Environment.SetEnvironmentVariable("AVA_API_HOST", "http://127.0.0.1:9000");
            Environment.SetEnvironmentVariable("AVA_TRAINING_NAME", "other");
            Assert.Equal(("http://127.0.0.1:9000", "env:AVA_API_HOST"), config.Find("ApiHost")!.Value);
            Assert.Equal(new Uri("http://127.0.0.1:9000"), config.ApiHost);
            Assert.Equal("other", config.RequireTrainingName());
        }

        [Fact]
        public void Metrics_go_to_the_probe_path_of_the_status_host_unless_AVA_METRICS_URL_says_otherwise()
        {
            var config = new PlatformConfig(workspace.Path);
            Assert.Equal(new Uri("http://status:9105/v1/report/trainings/5a8f/metric"), config.MetricsUrl("5a8f"));
            Assert.Null(config.MetricsUrl(null));
            Environment.SetEnvironmentVariable("AVA_METRICS_URL", "http://influx:8086/write?db=ava");
            Assert.Equal(new Uri("http://influx:8086/write?db=ava"), config.MetricsUrl("5a8f"));
        }

        [Theory]
        [InlineData("atnet-training-5a8f83b0-x", "5a8f83b0")]
        [InlineData("a-b-c", "c")]
        [InlineData("a-b", null)]
        [InlineData(null, null)]
        public void The_job_id_is_the_third_field_of_JOB_NAME(string? jobName, string? expected)
        {
            Environment.SetEnvironmentVariable("JOB_NAME", jobName);
            Assert.Equal(expected, new PlatformConfig(workspace.Path).JobId);
        }

        [Fact]
        public void Describe_masks_secrets_and_says_where_each_value_came_from()
        {
            var settings = new PlatformConfig(workspace.Path).Describe(out var problems).ToDictionary(s => s.Name);
            Assert.Empty(problems);
            Assert.Equal("********", settings["SecretKey"].Value);
            Assert.Equal("file…", settings["AccessKey"].Value);
            Assert.Equal("http://status:9105/v1/report/trainings/<instance id>/metric", settings["MetricsUrl"].Value);
            Assert.Equal("derived from StatusHost", settings["MetricsUrl"].Source);
            Assert.Equal(("4", $"{workspace.Path}/config/trainingspec:resource.gpus"), (settings["Gpus"].Value, settings["Gpus"].Source));
            Assert.Equal("not set", settings["TrainSamples"].Source);
            Assert.DoesNotContain(settings.Values, s => (s.Value ?? string.Empty).Contains("file-secret-key"));
        }

        [Fact]
        public void A_damaged_file_fails_only_what_needs_it()
        {
            var path = workspace.Write("config/trainingspec", "{\"name\": ");
            var config = new PlatformConfig(workspace.Path);
            var settings = config.Describe(out var problems).ToDictionary(s => s.Name);
            var problem = Assert.Single(problems);
            Assert.Equal(("AvaConfigInvalid", AvaErrorKind.InvalidData), (problem.ErrorId, problem.Kind));
            Assert.Contains(path, problem.Message);
            Assert.Contains("line 1", problem.Message);
            Assert.Null(settings["TrainingName"].Value);
            Assert.Equal("jobs", settings["Bucket"].Value);
            Assert.Equal(new Uri("http://atnet-apiserver"), config.ApiHost);
            Assert.Equal("AvaConfigInvalid", Assert.Throws<AvaConfigException>(() => config.RequireTrainingName()).ErrorId);
        }

        [Fact]
        public void A_host_that_is_not_a_URL_is_a_clear_error()
        {
            workspace.Write("config/worker", "{\"atnet_apiserver_host\":\"ftp://nowhere\"}");
            var error = Assert.Throws<AvaConfigException>(() => new PlatformConfig(workspace.Path).ApiHost);
            Assert.Equal("AvaConfigInvalid", error.ErrorId);
            Assert.Contains("atnet_apiserver_host", error.Message);
        }

        [Fact]
        public void Samples_per_iteration_are_the_batch_size_times_the_GPUs()
        {
            var config = new PlatformConfig(workspace.Path);
            Assert.Equal(256, config.SamplesPerIteration(workspace.Write("params/default.json", "{\"solverOps\":{\"batchSize\":64}}")));
            Assert.Null(config.SamplesPerIteration(workspace.Write("params/other.json", "{\"lr\":0.1}")));
            workspace.Write("config/trainingspec", "{\"name\":\"cifar\"}");
            Assert.Equal(64, new PlatformConfig(workspace.Path).SamplesPerIteration(System.IO.Path.Combine(workspace.Path, "params/default.json")));
        }

        [Fact]
        public void The_epoch_length_is_the_training_set_over_the_samples_per_iteration_rounded_up()
        {
            var paramsPath = workspace.Write("params/default.json", "{\"solverOps\":{\"batchSize\":64}}");
            workspace.Write("config/trainingspec", "{\"resource\":{\"gpus\":2}}");
            Assert.Null(new PlatformConfig(workspace.Path).BatchOfEpoch(paramsPath));
            workspace.Write("config/trainsetinfo", "{\"stats\":{\"numOfSamples\":50000}}");
            var config = new PlatformConfig(workspace.Path);
            Assert.Equal(50000, config.TrainSamples);
            Assert.Equal(391, config.BatchOfEpoch(paramsPath));
        }

        [Fact]
        public void Local_mode_is_no_API_host_and_no_metrics_URL()
        {
            var local = new TempFolder();
            var config = new PlatformConfig(local.Path);
            Assert.Null(config.ApiHost);
            Assert.Null(config.MetricsUrl("x"));
            local.Dispose();
        }

        public void Dispose()
        {
            foreach (var name in Variables)
                Environment.SetEnvironmentVariable(name, null);
            workspace.Dispose();
        }
    }
}
