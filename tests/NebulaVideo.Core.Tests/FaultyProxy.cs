using System;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace NebulaVideo.Core.Tests
{
    /// <summary>
    /// A loopback HTTP forwarder in front of a real server (Azurite) that answers the next N requests itself with a
    /// status of the test's choosing (503 by default) and passes the rest on untouched: the faults an emulator cannot
    /// make. Each connection carries one request (it asks the server to close after answering), so a fault hits a
    /// request, whichever connection the client reuses.
    /// </summary>
    internal sealed class FaultyProxy : IDisposable
    {
        private readonly TcpListener _listener = new TcpListener(IPAddress.Loopback, 0);
        private readonly IPEndPoint _upstream;
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        private int _faults;
        private int _faulted;

        public FaultyProxy(Uri upstream)
        {
            _upstream = new IPEndPoint(IPAddress.Parse(upstream.Host), upstream.Port);
            _listener.Start();
            _ = Task.Run(AcceptAsync);
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public int Status { get; set; } = 503;

        /// <summary>How many requests got the fault instead of the server.</summary>
        public int Faulted => Volatile.Read(ref _faulted);

        /// <summary>The next <paramref name="count"/> requests get the fault.</summary>
        public void FailNext(int count) => Interlocked.Exchange(ref _faults, count);

        private bool TakeFault()
        {
            while (true)
            {
                var left = Volatile.Read(ref _faults);
                if (left <= 0) return false;
                if (Interlocked.CompareExchange(ref _faults, left - 1, left) == left) return true;
            }
        }

        private async Task AcceptAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try { client = await _listener.AcceptTcpClientAsync().ConfigureAwait(false); }
                catch (Exception) when (_stop.IsCancellationRequested) { return; }
                catch (ObjectDisposedException) { return; }
                _ = Task.Run(() => ServeAsync(client));
            }
        }

        private async Task ServeAsync(TcpClient client)
        {
            using (client)
            {
                try
                {
                    var stream = client.GetStream();
                    var (head, body) = await ReadRequestAsync(stream).ConfigureAwait(false);
                    if (head is null) return;
                    if (TakeFault())
                    {
                        Interlocked.Increment(ref _faulted);
                        var answer = Encoding.ASCII.GetBytes($"HTTP/1.1 {Status} Injected\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                        await stream.WriteAsync(answer, 0, answer.Length).ConfigureAwait(false);
                        return;
                    }
                    using var server = new TcpClient();
                    await server.ConnectAsync(_upstream.Address, _upstream.Port).ConfigureAwait(false);
                    var upstream = server.GetStream();
                    var request = Encoding.ASCII.GetBytes(WithConnectionClose(head));
                    await upstream.WriteAsync(request, 0, request.Length).ConfigureAwait(false);
                    await upstream.WriteAsync(body, 0, body.Length).ConfigureAwait(false);
                    await upstream.CopyToAsync(stream).ConfigureAwait(false);
                }
                catch (IOException) { }
                catch (SocketException) { }
            }
        }

        /// <summary>The request's head (up to the blank line) and its body, by Content-Length.</summary>
        private static async Task<(string? Head, byte[] Body)> ReadRequestAsync(NetworkStream stream)
        {
            var buffer = new MemoryStream();
            var one = new byte[1];
            while (true)
            {
                if (await stream.ReadAsync(one, 0, 1).ConfigureAwait(false) == 0) return (null, Array.Empty<byte>());
                buffer.WriteByte(one[0]);
                var length = buffer.Length;
                if (length >= 4 && buffer.GetBuffer()[length - 4] == '\r' && buffer.GetBuffer()[length - 3] == '\n'
                    && buffer.GetBuffer()[length - 2] == '\r' && buffer.GetBuffer()[length - 1] == '\n')
                    break;
            }
            var head = Encoding.ASCII.GetString(buffer.ToArray());
            var size = 0;
            foreach (var line in head.Split(new[] { "\r\n" }, StringSplitOptions.RemoveEmptyEntries))
                if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
                    size = int.Parse(line.Substring("Content-Length:".Length).Trim());
            var body = new byte[size];
            for (var read = 0; read < size;)
            {
                var n = await stream.ReadAsync(body, read, size - read).ConfigureAwait(false);
                if (n == 0) break;
                read += n;
            }
            return (head, body);
        }

        private static string WithConnectionClose(string head)
        {
            var lines = head.Split(new[] { "\r\n" }, StringSplitOptions.RemoveEmptyEntries);
            var text = new StringBuilder();
            foreach (var line in lines)
                if (!line.StartsWith("Connection:", StringComparison.OrdinalIgnoreCase)) text.Append(line).Append("\r\n");
            return text.Append("Connection: close\r\n\r\n").ToString();
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
        }
    }
}
