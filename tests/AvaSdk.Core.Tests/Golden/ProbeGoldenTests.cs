using AvaSdk.Training;
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Tasks;
using AvaSdk.Logging;
using AvaSdk.Parsing;
using AvaSdk.Platform;
using AvaSdk.Reporting;
using AvaSdk.Running;
using Newtonsoft.Json.Linq;
using Xunit;

namespace AvaSdk.Core.Tests.Golden
{
    /// <summary>
    /// Each real log of tests/golden/probe/fixtures.json runs through the whole path — a child process printing it, the
    /// framework's parser, the platform reporter posting to a local probe — and what the probe receives must be the
    /// golden file that make_golden.py wrote from SPEC.md alone.
    /// </summary>
    [Collection(EnvironmentCollection.Name)]
    public class ProbeGoldenTests
    {
        private const string InstanceId = "ava-golden";
        private static readonly DateTimeOffset LinesArriveAt = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

        public static IEnumerable<object[]> GoldenFixtures() =>
            JObject.Parse(File.ReadAllText(Path.Combine(GoldenFolder, "fixtures.json"))).Properties().Select(p => new object[] { p.Name });

        [SkippableTheory]
        [MemberData(nameof(GoldenFixtures))]
        public async Task The_probe_receives_the_golden_lines(string fixture)
        {
            var golden = Path.Combine(GoldenFolder, Path.ChangeExtension(fixture, ".lp"));
            var settings = (JObject)JObject.Parse(File.ReadAllText(Path.Combine(GoldenFolder, "fixtures.json")))[fixture]!;

            var received = await RunThroughTheProbeAsync(fixture, settings);

            var actualCopy = Path.Combine(AppContext.BaseDirectory, "golden-actual", Path.ChangeExtension(fixture, ".lp"));
            Directory.CreateDirectory(Path.GetDirectoryName(actualCopy)!);
            File.WriteAllText(actualCopy, string.Concat(received.Select(line => line + "\n")));
            Assert.True(File.Exists(golden),
                $"The golden file {golden} is missing: generate it with tests/golden/probe/make_golden.py (branch 'golden'). What the probe received is in {actualCopy}.");

            var expected = File.ReadAllText(golden).Split('\n');
            Assert.True(expected.Length > 0 && expected[^1].Length == 0, $"{golden} must end with a line break.");
            var differences = Differences(expected.Take(expected.Length - 1).ToList(), received);
            Assert.True(differences.Count == 0,
                $"{fixture}: the probe received {received.Count} lines, the golden file has {expected.Length - 1}; " +
                $"{differences.Count} differ (received lines are in {actualCopy}):\n" + string.Join("\n", differences.Take(10)));
        }

        private static async Task<List<string>> RunThroughTheProbeAsync(string fixture, JObject settings)
        {
            using var workspace = new TempFolder();
            workspace.Write("config/trainsetinfo", $"{{\"stats\":{{\"numOfSamples\":{(long)settings["samples"]!}}}}}");
            workspace.Write("config/trainingspec", $"{{\"name\":\"golden\",\"resource\":{{\"gpus\":{(int)settings["gpus"]!}}}}}");
            var paramsPath = workspace.Write("params/default.json", $"{{\"solverOps\":{{\"batchSize\":{(int)settings["batchSize"]!}}}}}");
            using var probe = new LocalProbe();
            workspace.Write("config/worker", $"{{\"atnet_status_host\":\"{probe.Url}\"}}");

            var savedUrl = Environment.GetEnvironmentVariable(LineProtocolClient.UrlVariable);
            Environment.SetEnvironmentVariable(LineProtocolClient.UrlVariable, null);
            try
            {
                var config = new PlatformConfig(workspace.Path);
                var framework = Enum.Parse<TrainingFramework>((string)settings["framework"]!);
                var runFolder = Path.Combine(workspace.Path, "run", InstanceId);
                using var reporter = MetricDelivery.ReporterFor(global::AvaSdk.Training.RunFolder.Of(runFolder), config, InstanceId, InstanceLog.Detached)!;
                reporter.PlatformProgress = true;
                reporter.SamplesPerIteration = config.SamplesPerIteration(paramsPath);
                reporter.TrainSamples = config.TrainSamples;
                var parser = LogParsers.For(framework, Array.Empty<MetricDefinition>(), config.BatchOfEpoch(paramsPath));
                var options = new TrainingRunOptions("cat", new[] { Tests.Fixtures.Path(fixture) }, workspace.Path, parser,
                    RunFolder.Of(runFolder), InstanceId)
                {
                    Clock = new FixedClock(LinesArriveAt),
                };
                options.Reporters.Add(reporter);
                using (var run = TrainingRun.Start(options, InstanceLog.Detached))
                {
                    while (await run.Output.WaitToReadAsync())
                        while (run.Output.TryRead(out _))
                        {
                        }
                    Assert.Equal(0, await run.Completion);
                }
                Assert.False(File.Exists(RunFolder.Of(runFolder).MetricSpool), "some points were not delivered to the local probe");
                Assert.All(probe.Paths, path => Assert.Equal($"/v1/report/trainings/{InstanceId}/metric", path));
                return probe.Bodies.SelectMany(body => body.Split('\n')).ToList();
            }
            finally
            {
                Environment.SetEnvironmentVariable(LineProtocolClient.UrlVariable, savedUrl);
            }
        }

        // Measurement, tags and timestamp compare as text; field values as numbers, since any decimal form of a double
        // is right.
        private static List<string> Differences(IReadOnlyList<string> expected, IReadOnlyList<string> received)
        {
            var differences = new List<string>();
            for (var i = 0; i < Math.Max(expected.Count, received.Count); i++)
            {
                var want = i < expected.Count ? expected[i] : "(none)";
                var got = i < received.Count ? received[i] : "(none)";
                if (!SamePoint(want, got))
                    differences.Add($"line {i + 1}:\n  golden:   {want}\n  received: {got}");
            }
            return differences;
        }

        private static bool SamePoint(string expected, string received)
        {
            var want = Split(expected);
            var got = Split(received);
            if (want == null || got == null)
                return expected == received;
            return want.Value.Key == got.Value.Key && want.Value.Time == got.Value.Time &&
                want.Value.Fields.Length == got.Value.Fields.Length &&
                want.Value.Fields.Zip(got.Value.Fields).All(pair => pair.First.Name == pair.Second.Name && SameNumber(pair.First.Value, pair.Second.Value));
        }

        private static bool SameNumber(string expected, string received) =>
            double.TryParse(expected, NumberStyles.Float, CultureInfo.InvariantCulture, out var want) &&
            double.TryParse(received, NumberStyles.Float, CultureInfo.InvariantCulture, out var got) && want == got;

        // "<measurement,tags> <field=value,...> <time>", spaces in the first part escaped with '\'.
        private static (string Key, (string Name, string Value)[] Fields, string Time)? Split(string line)
        {
            var parts = new List<string>();
            var part = new StringBuilder();
            for (var i = 0; i < line.Length; i++)
            {
                if (line[i] == '\\' && i + 1 < line.Length)
                {
                    part.Append(line[i]).Append(line[++i]);
                    continue;
                }
                if (line[i] == ' ')
                {
                    parts.Add(part.ToString());
                    part.Clear();
                    continue;
                }
                part.Append(line[i]);
            }
            parts.Add(part.ToString());
            if (parts.Count != 3)
                return null;
            var fields = parts[1].Split(',').Select(field => field.Split('=', 2)).ToList();
            if (fields.Any(field => field.Length != 2))
                return null;
            return (parts[0], fields.Select(field => (field[0], field[1])).ToArray(), parts[2]);
        }

        private static string GoldenFolder
        {
            get
            {
                var folder = new DirectoryInfo(AppContext.BaseDirectory);
                while (folder != null && !File.Exists(Path.Combine(folder.FullName, "AvaPs.sln")))
                    folder = folder.Parent;
                return Path.Combine(folder?.FullName ?? throw new InvalidOperationException("AvaPs.sln not found above " + AppContext.BaseDirectory),
                    "tests", "golden", "probe");
            }
        }

        private sealed class FixedClock : TimeProvider
        {
            private readonly DateTimeOffset now;

            public FixedClock(DateTimeOffset now)
            {
                this.now = now;
            }

            public override DateTimeOffset GetUtcNow() => now;
        }

        /// <summary>The AVA probe on a local port: records each post's path and body, in order, and answers code 0.</summary>
        private sealed class LocalProbe : IDisposable
        {
            private readonly HttpListener listener = new HttpListener();
            private readonly Task serving;

            public LocalProbe()
            {
                var port = FreePort();
                Url = $"http://127.0.0.1:{port}";
                listener.Prefixes.Add(Url + "/");
                listener.Start();
                serving = Task.Run(ServeAsync);
            }

            public string Url { get; }

            public List<string> Bodies { get; } = new List<string>();

            public List<string> Paths { get; } = new List<string>();

            public void Dispose()
            {
                listener.Stop();
                listener.Close();
                serving.ContinueWith(_ => { }, TaskScheduler.Default).Wait(TimeSpan.FromSeconds(5));
            }

            private async Task ServeAsync()
            {
                while (listener.IsListening)
                {
                    HttpListenerContext context;
                    try
                    {
                        context = await listener.GetContextAsync();
                    }
                    catch (Exception ex) when (ex is HttpListenerException || ex is ObjectDisposedException)
                    {
                        return;
                    }
                    using (var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8))
                    {
                        var body = await reader.ReadToEndAsync();
                        lock (Bodies)
                        {
                            Bodies.Add(body);
                            Paths.Add(context.Request.Url!.AbsolutePath);
                        }
                    }
                    var reply = Encoding.UTF8.GetBytes("{\"code\":0}");
                    context.Response.StatusCode = 200;
                    await context.Response.OutputStream.WriteAsync(reply);
                    context.Response.Close();
                }
            }

            private static int FreePort()
            {
                var socket = new TcpListener(IPAddress.Loopback, 0);
                socket.Start();
                var port = ((IPEndPoint)socket.LocalEndpoint).Port;
                socket.Stop();
                return port;
            }
        }
    }
}
