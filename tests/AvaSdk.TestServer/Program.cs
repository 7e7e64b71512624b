using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using AvaSdk.TestServer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// Usage: AvaSdk.TestServer --access-key AK --secret-key SK --data DIR [--port N] [--extra-ports N] [--addresses A,B]
// Prints "Listening on http://127.0.0.1:<port>" once ready (the main host), then one "Also listening on http://<host:port>"
// line per extra listener: --extra-ports N (default 4) more loopback ports, and one listener on a free port for each
// address of --addresses (e.g. 127.0.0.2,127.0.0.3). GET /_control/hosts lists them too. Stops when its standard
// input closes or on Ctrl+C.
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
var listeners = new List<ListenOptions>();
builder.WebHost.ConfigureKestrel(options =>
{
    options.Listen(IPAddress.Loopback, int.Parse(Arg("--port", "0")), l => listeners.Add(l));
    for (var i = 0; i < int.Parse(Arg("--extra-ports", "4")); i++)
        options.Listen(IPAddress.Loopback, 0, l => listeners.Add(l));
    foreach (var address in Arg("--addresses", "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        options.Listen(IPAddress.Parse(address), 0, l => listeners.Add(l));
    options.Limits.MaxRequestBodySize = null;
});
var app = builder.Build();
kodo.Map(app);
new FakeAva(Arg("--access-key"), Arg("--secret-key")) { Kodo = kodo }.Map(app);
await app.StartAsync();
// Kestrel updates each ListenOptions with the port it bound.
var hosts = listeners.Select(l => $"{l.IPEndPoint!.Address}:{l.IPEndPoint.Port}").ToList();
kodo.SetHosts(hosts[0], hosts.Skip(1).ToList());
Console.WriteLine($"Listening on http://{hosts[0]}");
foreach (var extra in hosts.Skip(1))
    Console.WriteLine($"Also listening on http://{extra}");
Console.Out.Flush();
var stdinClosed = System.Threading.Tasks.Task.Run(() => { while (Console.In.Read() >= 0) { } });
await System.Threading.Tasks.Task.WhenAny(stdinClosed, app.WaitForShutdownAsync());
await app.StopAsync();
