using System;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace AvaSdk.Core.Tests.Storage
{
    /// <summary>
    /// An HTTP/1.1 server on a bare socket that records each request head exactly as it arrived (Kestrel would
    /// normalise the path first) and answers with what <c>answer</c> returns for the request line.
    /// </summary>
    internal sealed class RawHttpServer : IDisposable
    {
        private readonly TcpListener listener = new TcpListener(IPAddress.Loopback, 0);
        private readonly Func<string, string> answer;
        private readonly CancellationTokenSource stop = new CancellationTokenSource();

        public RawHttpServer(Func<string, string> answer)
        {
            this.answer = answer;
            listener.Start();
            Url = $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";
            _ = Task.Run(AcceptAsync);
        }

        /// <summary>http://127.0.0.1:port, no trailing slash.</summary>
        public string Url { get; }

        /// <summary>Each request's head (request line and headers), in arrival order.</summary>
        public ConcurrentQueue<string> Requests { get; } = new ConcurrentQueue<string>();

        public static string Ok(string body) =>
            $"HTTP/1.1 200 OK\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\nConnection: close\r\n\r\n{body}";

        public static string Redirect(string location) =>
            $"HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

        public void Dispose()
        {
            stop.Cancel();
            listener.Stop();
        }

        private async Task AcceptAsync()
        {
            while (!stop.IsCancellationRequested)
            {
                TcpClient client;
                try
                {
                    client = await listener.AcceptTcpClientAsync(stop.Token);
                }
                catch (Exception) when (stop.IsCancellationRequested)
                {
                    return;
                }
                using (client)
                {
                    var stream = client.GetStream();
                    var head = new StringBuilder();
                    var buffer = new byte[4096];
                    while (!head.ToString().Contains("\r\n\r\n"))
                    {
                        var read = await stream.ReadAsync(buffer, stop.Token);
                        if (read == 0)
                            break;
                        head.Append(Encoding.ASCII.GetString(buffer, 0, read));
                    }
                    var text = head.ToString();
                    Requests.Enqueue(text);
                    var reply = Encoding.UTF8.GetBytes(answer(text.Split("\r\n")[0]));
                    await stream.WriteAsync(reply, stop.Token);
                }
            }
        }
    }
}
