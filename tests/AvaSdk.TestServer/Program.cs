using System;
using System.Linq;
using AvaSdk.TestServer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// Usage: AvaSdk.TestServer --access-key AK --secret-key SK --data DIR [--port N]
// Prints "Listening on http://127.0.0.1:<port>" once ready; stops when its standard input closes or on Ctrl+C.
string Arg(string name, string? fallback = null)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? args[at + 1] : fallback ?? throw new ArgumentException($"{name} is required.");
}

var kodo = new FakeKodo(Arg("--access-key"), Arg("--secret-key"), Arg("--data"));
var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
// Kodo takes form uploads of any size; ASP.NET's default caps a multipart body at 128 MB.
builder.Services.Configure<Microsoft.AspNetCore.Http.Features.FormOptions>(options => options.MultipartBodyLengthLimit = long.MaxValue);
builder.WebHost.ConfigureKestrel(options =>
{
    options.Listen(System.Net.IPAddress.Loopback, int.Parse(Arg("--port", "0")));
    options.Limits.MaxRequestBodySize = null;
});
var app = builder.Build();
kodo.Map(app);
new FakeAva(Arg("--access-key"), Arg("--secret-key")) { Kodo = kodo }.Map(app);
await app.StartAsync();
var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
Console.WriteLine($"Listening on {address}");
Console.Out.Flush();
var stdinClosed = System.Threading.Tasks.Task.Run(() => { while (Console.In.Read() >= 0) { } });
await System.Threading.Tasks.Task.WhenAny(stdinClosed, app.WaitForShutdownAsync());
await app.StopAsync();
