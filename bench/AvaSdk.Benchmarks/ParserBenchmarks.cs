using System;
using System.IO;
using System.Text;
using AvaSdk.Parsing;
using BenchmarkDotNet.Attributes;

namespace AvaSdk.Benchmarks
{
    /// <summary>
    /// Parser throughput on the real logs, against a baseline that only splits the same bytes into lines.
    /// Lines per second = the log's line count / the mean time of one operation.
    /// </summary>
    [MemoryDiagnoser]
    public class ParserBenchmarks
    {
        private byte[] bytes = Array.Empty<byte>();

        [Params("caffe/aieater-rocm_caffe_informations-cifar10.log", "mxnet/tornadomeet-resnet-50.log")]
        public string Log { get; set; } = string.Empty;

        [GlobalSetup]
        public void Load() => bytes = File.ReadAllBytes(SharedFixtures.Path(Log));

        [Benchmark(Baseline = true)]
        public long SplitLinesOnly()
        {
            long lines = 0;
            using var reader = new StreamReader(new MemoryStream(bytes), Encoding.UTF8);
            while (reader.ReadLine() != null)
                lines++;
            return lines;
        }

        [Benchmark]
        public long SplitAndParse()
        {
            var parser = Log.StartsWith("caffe", StringComparison.Ordinal) ? (ILogParser)new CaffeLogParser() : new MXNetLogParser();
            var output = new ParseOutput();
            long metrics = 0, lineNumber = 0;
            var now = DateTimeOffset.UtcNow;
            using var reader = new StreamReader(new MemoryStream(bytes), Encoding.UTF8);
            string? line;
            while ((line = reader.ReadLine()) != null)
            {
                output.Clear();
                parser.Parse(line, new LogLineContext(++lineNumber, now, "bench"), output);
                metrics += output.Metrics.Count;
            }
            return metrics;
        }
    }
}
