using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using AvaSdk.Errors;
using AvaSdk.Logging;
using AvaSdk.Parsing;
using AvaSdk.Running;
using AvaSdk.Training;
using Xunit;

namespace AvaSdk.Core.Tests.Running
{
    /// <summary>What the processor reads back from training.log, where the two pumps' writes meet.</summary>
    public class TrainingRunLineTests
    {
        private static async Task<(List<Metric> Metrics, List<TrainingOutput> Warnings, IReadOnlyList<string> Tail, byte[] Log)> RunAsync(string script, TrainingFramework framework)
        {
            using var folder = new TempFolder();
            var runFolder = RunFolder.Of(Path.Combine(folder.Path, "run"));
            var options = new TrainingRunOptions("sh", new[] { "-c", script }, folder.Path,
                LogParsers.For(framework, Array.Empty<MetricDefinition>(), null), runFolder, "lines");
            var metrics = new List<Metric>();
            var warnings = new List<TrainingOutput>();
            using var run = TrainingRun.Start(options, InstanceLog.Detached);
            while (await run.Output.WaitToReadAsync())
            {
                while (run.Output.TryRead(out var item))
                {
                    if (item.Kind == TrainingOutputKind.Metric)
                        metrics.Add(item.Metric!);
                    else if (item.Kind == TrainingOutputKind.Warning)
                        warnings.Add(item);
                }
            }
            Assert.Equal(0, await run.Completion);
            return (metrics, warnings, run.Tail, File.ReadAllBytes(runFolder.TrainingLog));
        }

        [Fact]
        public async Task Numbers_each_progress_bar_update_as_a_line()
        {
            var (metrics, _, _, log) = await RunAsync(@"printf '\r{""loss"": 1}\r{""loss"": 2}\b\b\b{""loss"": 3}\r\n'", TrainingFramework.Generic);
            Assert.Equal(new[] { 1.0, 2.0, 3.0 }, metrics.Select(m => m.Value));
            Assert.Equal(new[] { 2L, 3L, 4L }, metrics.Select(m => m.Line));
            Assert.Equal("\r{\"loss\": 1}\r{\"loss\": 2}\b\b\b{\"loss\": 3}\r\n", System.Text.Encoding.UTF8.GetString(log));
        }

        [Fact]
        public async Task Takes_a_carriage_return_and_line_feed_cut_between_two_writes_as_one_line_break_and_the_other_streams_empty_line_between_as_a_line()
        {
            var (metrics, _, _, _) = await RunAsync(
                "printf 'Iteration 1, loss = 1\\r'; sleep 0.5; printf '\\n' >&2; sleep 0.5; printf '\\nIteration 2, loss = 2\\n'", TrainingFramework.Caffe);
            Assert.Equal(new[] { (1L, 1L), (2L, 3L) }, metrics.Select(m => (m.Iteration!.Value, m.Line)));
        }

        [Fact]
        public async Task Parses_the_other_streams_line_between_the_pieces_of_an_over_long_line_and_counts_that_line_once()
        {
            var (metrics, warnings, tail, log) = await RunAsync(
                "head -c 1200000 /dev/zero | tr '\\0' x; sleep 1; echo 'Iteration 5, loss = 0.25' >&2; sleep 1; echo 'tail of the long line'; echo 'Iteration 6, loss = 0.125'",
                TrainingFramework.Caffe);
            Assert.Equal(new[] { (5L, 1L), (6L, 3L) }, metrics.Select(m => (m.Iteration!.Value, m.Line)));
            var warning = Assert.Single(warnings);
            Assert.Same(AvaErrors.LogLineTooLong, warning.Error);
            Assert.Equal(1200000 + 25 + 22 + 26, log.Length);
            Assert.Contains(tail, line => line.Contains("1200022 bytes"));
        }
    }
}
