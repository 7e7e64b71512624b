using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using AvaSdk.Errors;
using AvaSdk.Training;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using Xunit;

namespace AvaSdk.Core.Tests.Training
{
    public class TrainInstanceStoreTests
    {
        private static readonly DateTimeOffset T0 = new DateTimeOffset(2026, 11, 25, 8, 0, 0, TimeSpan.FromHours(8));

        private static JObject ReadJson(string path)
        {
            using var reader = new JsonTextReader(File.OpenText(path)) { DateParseHandling = DateParseHandling.None };
            return JObject.Load(reader);
        }

        [Fact]
        public void Start_lays_out_the_run_folder_and_writes_a_running_status()
        {
            using var temp = new TempFolder();
            var instance = TrainInstanceStore.Start(temp.Path, "job-1", T0);

            Assert.Equal(Path.Combine(temp.Path, "run", "job-1"), instance.RunPath);
            Assert.Equal(Path.Combine(temp.Path, "run", "job-1", "output"), instance.SnapshotPath);
            Assert.Equal(Path.Combine(temp.Path, "run", "job-1", "logs"), instance.LogPath);
            Assert.Equal(Path.Combine(temp.Path, "data", "train"), instance.TrainSetPath);
            Assert.Equal(Path.Combine(temp.Path, "params", "default.json"), instance.ParamsPath);
            Assert.True(Directory.Exists(instance.SnapshotPath));
            Assert.True(Directory.Exists(instance.LogPath));

            var status = ReadJson(instance.StatusPath);
            Assert.Equal("job-1", (string?)status["id"]);
            Assert.Equal("running", (string?)status["status"]);
            Assert.Equal("2026-11-25T08:00:00.000+08:00", (string?)status["startTime"]);
            Assert.Equal(JTokenType.Null, status["endTime"]!.Type);
            Assert.Equal(JTokenType.Null, status["errorMessage"]!.Type);
            TrainInstanceStore.Complete(instance, null, T0);
        }

        [Fact]
        public void Complete_without_a_message_is_done_and_with_one_is_failed()
        {
            using var temp = new TempFolder();
            var done = TrainInstanceStore.Start(temp.Path, "ok", T0);
            var failed = TrainInstanceStore.Start(temp.Path, "bad", T0);

            TrainInstanceStore.Complete(done, "", T0.AddMinutes(5));
            TrainInstanceStore.Complete(failed, "CUDA out of memory", T0.AddMinutes(1));

            Assert.Equal(TrainInstanceStatus.Done, done.Status);
            Assert.Equal(T0.AddMinutes(5), done.EndTime);
            Assert.Null(done.ErrorMessage);
            var failedStatus = ReadJson(failed.StatusPath);
            Assert.Equal("failed", (string?)failedStatus["status"]);
            Assert.Equal("CUDA out of memory", (string?)failedStatus["errorMessage"]);
            Assert.Equal("2026-11-25T08:01:00.000+08:00", (string?)failedStatus["endTime"]);
        }

        [Fact]
        public void Completing_twice_is_an_error_and_leaves_the_first_completion()
        {
            using var temp = new TempFolder();
            var instance = TrainInstanceStore.Start(temp.Path, "once", T0);
            TrainInstanceStore.Complete(instance, null, T0.AddMinutes(1));

            var error = Assert.Throws<AvaException>(() => TrainInstanceStore.Complete(instance, "late", T0.AddMinutes(2)));
            Assert.Equal("AvaTrainInstanceCompleted", error.ErrorId);
            Assert.Equal(AvaErrorKind.InvalidOperation, error.Kind);
            var record = TrainInstanceStore.ReadStatus(instance.StatusPath);
            Assert.Equal(TrainInstanceStatus.Done, record.Status);
            Assert.Equal(T0.AddMinutes(1), record.EndTime);
        }

        [Fact]
        public void An_instance_completed_by_another_process_cannot_be_completed_again()
        {
            using var temp = new TempFolder();
            var mine = TrainInstanceStore.Start(temp.Path, "shared", T0);
            var theirs = TrainInstanceStore.Start(temp.Path, "shared", T0);
            TrainInstanceStore.Complete(theirs, "killed", T0.AddMinutes(1));

            var error = Assert.Throws<AvaException>(() => TrainInstanceStore.Complete(mine, null, T0.AddMinutes(2)));
            Assert.Contains("already failed", error.Message);
            mine.CloseLog();
        }

        [Fact]
        public void Resuming_an_id_keeps_its_files_and_start_time_and_runs_again()
        {
            using var temp = new TempFolder();
            var first = TrainInstanceStore.Start(temp.Path, "resume-me", T0);
            var snapshot = Path.Combine(first.SnapshotPath, "iter_1000.caffemodel");
            File.WriteAllText(snapshot, "weights");
            TrainInstanceStore.Complete(first, "preempted", T0.AddHours(1));

            var resumed = TrainInstanceStore.Start(temp.Path, "resume-me", T0.AddHours(2));

            Assert.Equal(TrainInstanceStatus.Running, resumed.Status);
            Assert.Equal(T0, resumed.StartTime);
            Assert.Null(resumed.EndTime);
            Assert.Equal("weights", File.ReadAllText(snapshot));
            Assert.Equal("running", (string?)ReadJson(resumed.StatusPath)["status"]);
            TrainInstanceStore.Complete(resumed, null, T0.AddHours(3));
        }

        [Theory]
        [InlineData("../escape")]
        [InlineData("..")]
        [InlineData("a b")]
        public void Unsafe_ids_are_rejected_before_anything_is_written(string id)
        {
            using var temp = new TempFolder();
            var error = Assert.Throws<AvaException>(() => TrainInstanceStore.Start(temp.Path, id, T0));
            Assert.Equal("AvaTrainInstanceIdInvalid", error.ErrorId);
            Assert.Empty(Directory.EnumerateFileSystemEntries(temp.Path));
        }

        [Fact]
        public void A_missing_workspace_is_an_error_naming_it()
        {
            using var temp = new TempFolder();
            var missing = Path.Combine(temp.Path, "nope");
            var error = Assert.Throws<AvaException>(() => TrainInstanceStore.Start(missing, "x", T0));
            Assert.Equal("AvaWorkspaceNotFound", error.ErrorId);
            Assert.Contains(missing, error.Message);
            Assert.False(Directory.Exists(missing));
        }

        [Fact]
        public void A_damaged_status_file_is_reported_not_overwritten()
        {
            using var temp = new TempFolder();
            var path = temp.Write(Path.Combine("run", "x", "status.json"), "{\"status\": \"runn");
            var error = Assert.Throws<AvaException>(() => TrainInstanceStore.Start(temp.Path, "x", T0));
            Assert.Equal("AvaTrainInstanceStatusInvalid", error.ErrorId);
            Assert.Contains(path, error.Message);
            Assert.Equal("{\"status\": \"runn", File.ReadAllText(path));
        }

        [Fact]
        public void The_instance_log_records_start_and_completion_and_is_flushed_at_completion()
        {
            using var temp = new TempFolder();
            var instance = TrainInstanceStore.Start(temp.Path, "logged", T0);
            TrainInstanceStore.Complete(instance, "diverged", T0.AddSeconds(90));

            var log = File.ReadAllText(Path.Combine(instance.LogPath, "ava.log"));
            Assert.Contains("Started training instance logged", log);
            Assert.Contains("Training instance logged failed after 00:01:30: diverged", log);
        }

        [Fact]
        public async Task Several_writers_share_one_log_file_without_losing_lines()
        {
            using var temp = new TempFolder();
            var a = TrainInstanceStore.Start(temp.Path, "multi", T0);
            var b = TrainInstanceStore.Start(temp.Path, "multi", T0);
            await Task.WhenAll(
                Task.Run(() => { for (var i = 0; i < 500; i++) a.Log.Information("writer a line {I}", i); }),
                Task.Run(() => { for (var i = 0; i < 500; i++) b.Log.Information("writer b line {I}", i); }));
            a.CloseLog();
            b.CloseLog();

            var lines = File.ReadAllLines(Path.Combine(a.LogPath, "ava.log"));
            Assert.Equal(500, lines.Count(l => l.Contains("writer a line")));
            Assert.Equal(500, lines.Count(l => l.Contains("writer b line")));
        }
    
        [Fact]
        public void A_detected_framework_is_recorded_in_status_json_listed_and_kept_through_completion_and_resumption()
        {
            using var temp = new TempFolder();
            var instance = TrainInstanceStore.Start(temp.Path, "auto", T0);
            Assert.False(ReadJson(instance.StatusPath).ContainsKey("framework"));
            Assert.Null(Assert.Single(TrainInstanceStore.List(temp.Path, out _)).Framework);

            TrainInstanceStore.RecordFramework(instance, TrainingFramework.Caffe);
            Assert.Equal("caffe", (string?)ReadJson(instance.StatusPath)["framework"]);
            Assert.Equal(TrainingFramework.Caffe, Assert.Single(TrainInstanceStore.List(temp.Path, out _)).Framework);

            TrainInstanceStore.Complete(instance, null, T0.AddMinutes(1));
            Assert.Equal(TrainingFramework.Caffe, Assert.Single(TrainInstanceStore.List(temp.Path, out _)).Framework);
            var resumed = TrainInstanceStore.Start(temp.Path, "auto", T0.AddMinutes(2));
            Assert.Equal(TrainingFramework.Caffe, resumed.Framework);
            TrainInstanceStore.Complete(resumed, null, T0.AddMinutes(3));
        }

        [Fact]
        public void In_a_job_of_several_nodes_each_node_records_its_detected_framework_in_its_node_record()
        {
            using var temp = new TempFolder();
            TrainingFramework? Listed(int rank) => Assert.Single(TrainInstanceStore.List(temp.Path, out _)).Nodes.Single(n => n.Rank == rank).Framework;
            var node0 = TrainInstanceStore.Start(temp.Path, "job", T0, JobNode.Resolve(name => name == JobNode.RankVariable ? "0" : name == JobNode.SizeVariable ? "2" : null));
            var node1 = TrainInstanceStore.Start(temp.Path, "job", T0, JobNode.Resolve(name => name == JobNode.RankVariable ? "1" : name == JobNode.SizeVariable ? "2" : null));

            TrainInstanceStore.RecordFramework(node1, TrainingFramework.MXNet);
            Assert.Equal(TrainingFramework.MXNet, Listed(1));
            Assert.Null(Listed(0));
            // Node 1 leaves status.json to node 0.
            Assert.Null(Assert.Single(TrainInstanceStore.List(temp.Path, out _)).Framework);

            TrainInstanceStore.RecordFramework(node0, TrainingFramework.MXNet);
            Assert.Equal(TrainingFramework.MXNet, Listed(0));
            Assert.Equal(TrainingFramework.MXNet, Assert.Single(TrainInstanceStore.List(temp.Path, out _)).Framework);
            TrainInstanceStore.MarkNodeEnd(node1, null, T0.AddMinutes(1));
            Assert.Equal(TrainingFramework.MXNet, Listed(1));
            node0.CloseLog();
            node1.CloseLog();
        }
}
}
