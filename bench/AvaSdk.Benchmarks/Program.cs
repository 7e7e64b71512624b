using System;
using System.IO;
using System.Linq;
using BenchmarkDotNet.Running;

namespace AvaSdk.Benchmarks
{
    public static class Program
    {
        public static void Main(string[] args)
        {
            foreach (var log in new[] { "caffe/aieater-rocm_caffe_informations-cifar10.log", "mxnet/tornadomeet-resnet-50.log" })
                Console.WriteLine($"{log}: {File.ReadLines(SharedFixtures.Path(log)).Count()} lines");
            BenchmarkRunner.Run<ParserBenchmarks>(args: args);
        }
    }

    internal static class SharedFixtures
    {
        // BenchmarkDotNet runs the benchmarks in a child process from a generated folder, so the repository is found from the source tree.
        public static string Path(string relative)
        {
            var root = Environment.GetEnvironmentVariable("AVASDK_FIXTURES");
            if (string.IsNullOrEmpty(root))
                throw new InvalidOperationException("Set AVASDK_FIXTURES to the shared/fixtures folder (build.ps1 Benchmark does).");
            return System.IO.Path.Combine(root, relative);
        }
    }
}
