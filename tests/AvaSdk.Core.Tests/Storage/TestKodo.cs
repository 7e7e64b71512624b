using System;
using System.Diagnostics;
using System.IO;
using System.Net.Http;
using System.Text.Json;
using System.Threading.Tasks;
using AvaSdk.Storage;
using Xunit;

namespace AvaSdk.Core.Tests.Storage
{
    /// <summary>tests/AvaSdk.TestServer in its own process, shared by the tests of a class.</summary>
    public sealed class TestKodo : IDisposable
    {
        public const string AccessKey = "xunit-ak";
        public const string SecretKey = "xunit-sk-secret";

        private readonly Process process;
        private readonly TempFolder data = new TempFolder();
        private readonly HttpClient control = new HttpClient();

        public TestKodo()
        {
            // tests/AvaSdk.Core.Tests/bin/<Configuration>/net10.0 → tests/AvaSdk.TestServer/bin/<Configuration>/net10.0
            var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var server = Path.Combine(output.Parent!.Parent!.Parent!.Parent!.FullName, "AvaSdk.TestServer", "bin", output.Parent.Name, output.Name, "AvaSdk.TestServer.dll");
            var start = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var argument in new[] { server, "--access-key", AccessKey, "--secret-key", SecretKey, "--data", data.Path })
                start.ArgumentList.Add(argument);
            process = Process.Start(start)!;
            var line = process.StandardOutput.ReadLine() ?? string.Empty;
            if (!line.StartsWith("Listening on ", StringComparison.Ordinal))
                throw new InvalidOperationException($"The test Kodo server did not start ({server}): '{line}'");
            Url = new Uri(line.Substring("Listening on ".Length).Trim());
        }

        public Uri Url { get; }

        public KodoCredentials Credentials { get; } = new KodoCredentials(AccessKey, SecretKey);

        /// <summary>
        /// Forgets faults and counts, once the server has finished every request it took (at most 30 s): a request a
        /// cancelled client left behind, still in an injected delay, would otherwise be counted after the reset.
        /// </summary>
        public async Task Reset()
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while ((await Stats()).GetProperty("inFlight").GetInt32() > 0 && DateTime.UtcNow < deadline)
                await Task.Delay(20);
            (await control.PostAsync(new Uri(Url, "/_control/reset"), null)).EnsureSuccessStatusCode();
        }

        public async Task Fail(string kind, string query) => (await control.PostAsync(new Uri(Url, $"/_control/{kind}?{query}"), null)).EnsureSuccessStatusCode();

        public async Task<JsonElement> Stats() => JsonDocument.Parse(await control.GetStringAsync(new Uri(Url, "/_control/stats"))).RootElement;

        public async Task<int> Requests(string route) =>
            (await Stats()).GetProperty("requests").TryGetProperty(route, out var count) ? count.GetInt32() : 0;

        public async Task<string?> StoredHash(string bucket, string key)
        {
            var response = await control.GetAsync(new Uri(Url, $"/_control/object?bucket={bucket}&key={Uri.EscapeDataString(key)}"));
            return response.IsSuccessStatusCode ? JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("hash").GetString() : null;
        }

        public void Dispose()
        {
            process.StandardInput.Close();
            if (!process.WaitForExit(10000))
                process.Kill(true);
            process.Dispose();
            control.Dispose();
            data.Dispose();
        }
    }
}
