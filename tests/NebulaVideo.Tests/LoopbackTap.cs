using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace NebulaVideo.Tests
{
    /// <summary>One request as it crossed a <see cref="LoopbackTap"/>: its method, target (path and query), body and answer.</summary>
    internal sealed class TappedRequest
    {
        public TappedRequest(string method, string target, byte[] body)
        {
            Method = method;
            Target = target;
            Body = body;
        }

        public string Method { get; }

        /// <summary>The path and query, as the client sent them.</summary>
        public string Target { get; }

        public byte[] Body { get; }

        public string Text => Encoding.UTF8.GetString(Body);

        public DateTimeOffset At { get; } = DateTimeOffset.UtcNow;

        /// <summary>The status the server answered; null while held, or when nothing came back.</summary>
        public int? Status { get; internal set; }

        /// <summary>The answer's text, head and body, when it was under 64 KB (a gateway's JSON, not a video).</summary>
        public string? Answer { get; internal set; }
    }

    /// <summary>
    /// A forwarder on 127.0.0.1 in front of a real server (the emulator's gateway, Azurite's blob service) that records
    /// every request and can stop one where the test says: what a stuck host or a lost answer looks like from both ends.
    /// Each request is passed on with "Connection: close", so every connection carries one request, seen whole, and the
    /// answer is relayed back as the server sent it. A request <see cref="Hold"/> picks is read and never passed on, its
    /// connection left open: the client waits for an answer that does not come. One <see cref="HoldAnswer"/> picks is
    /// passed on, and its answer kept back until <see cref="ReleaseAnswers"/>.
    /// </summary>
    internal sealed class LoopbackTap : IDisposable
    {
        private readonly TcpListener _listener = new TcpListener(IPAddress.Loopback, 0);
        private readonly Uri _upstream;
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        private readonly ConcurrentQueue<TappedRequest> _requests = new ConcurrentQueue<TappedRequest>();
        private readonly ConcurrentBag<TcpClient> _held = new ConcurrentBag<TcpClient>();
        private TaskCompletionSource _answers = NewGate();

        public LoopbackTap(Uri upstream)
        {
            _upstream = upstream;
            _listener.Start();
            _ = Task.Run(AcceptAsync);
        }

        /// <summary>The server's address with this tap's authority in place of its own (the path stays).</summary>
        public Uri Address => new UriBuilder(_upstream) { Host = "127.0.0.1", Port = ((IPEndPoint)_listener.LocalEndpoint).Port }.Uri;

        /// <summary>Every request so far, in the order they arrived.</summary>
        public IReadOnlyList<TappedRequest> Requests => _requests.ToList();

        /// <summary>Requests to keep from the server, their clients left waiting; none when null.</summary>
        public Func<TappedRequest, bool>? Hold { get; set; }

        /// <summary>Requests whose answers are kept back until <see cref="ReleaseAnswers"/>; none when null.</summary>
        public Func<TappedRequest, bool>? HoldAnswer { get; set; }

        /// <summary>How many requests were held (never passed on) so far.</summary>
        public int Held => _held.Count;

        /// <summary>How many answers are being kept back now.</summary>
        public int AnswersHeld => Volatile.Read(ref _answersHeld);

        private int _answersHeld;

        /// <summary>
        /// True: every new connection is closed at once, unread, as a server that has gone away; what is under way goes on
        /// to its end (<see cref="InFlight"/>).
        /// </summary>
        public bool Refusing { get; set; }

        /// <summary>Requests being read, passed on or answered: none once a refusing tap has let what was under way end.</summary>
        public int InFlight => Volatile.Read(ref _inFlight);

        private int _inFlight;

        /// <summary>Relays every answer kept back so far; later ones are kept back again while <see cref="HoldAnswer"/> picks them.</summary>
        public void ReleaseAnswers() => Interlocked.Exchange(ref _answers, NewGate()).TrySetResult();

        private static TaskCompletionSource NewGate() => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        private async Task AcceptAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try
                {
                    client = await _listener.AcceptTcpClientAsync(_stop.Token);
                }
                catch (Exception) when (_stop.IsCancellationRequested)
                {
                    return;
                }
                _ = Task.Run(() => ServeAsync(client));
            }
        }

        private async Task ServeAsync(TcpClient client)
        {
            var keep = false;
            Interlocked.Increment(ref _inFlight);
            try
            {
                if (Refusing) return;
                var stream = client.GetStream();
                var (head, body) = await ReadRequestAsync(stream);
                // Gone away while the request came in: it is not passed on either.
                if (head is null || Refusing) return;
                var requestLine = head.Substring(0, head.IndexOf("\r\n", StringComparison.Ordinal)).Split(' ');
                var request = new TappedRequest(requestLine[0], requestLine[1], body);
                _requests.Enqueue(request);
                if (Hold?.Invoke(request) == true)
                {
                    // Left open until the client gives up or the tap is disposed: a server that never answers.
                    keep = true;
                    _held.Add(client);
                    return;
                }
                await ForwardAsync(request, head, body, stream);
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The client or the server went away (a killed process, a stopped Azurite): nothing to relay.
            }
            finally
            {
                Interlocked.Decrement(ref _inFlight);
                if (!keep) client.Dispose();
            }
        }

        /// <summary>Passes a request on to the server and relays its answer, kept back first where <see cref="HoldAnswer"/> says.</summary>
        private async Task ForwardAsync(TappedRequest request, string head, byte[] body, Stream stream)
        {
            using var server = new TcpClient();
            await server.ConnectAsync(IPAddress.Loopback, _upstream.Port, _stop.Token);
            var upstream = server.GetStream();
            var forwarded = Encoding.ASCII.GetBytes(WithConnectionClose(head));
            await upstream.WriteAsync(forwarded, _stop.Token);
            await upstream.WriteAsync(body, _stop.Token);
            // The server closes after its answer (Connection: close): the answer is everything it sends.
            var answer = new MemoryStream();
            await upstream.CopyToAsync(answer, _stop.Token);
            request.Status = ParseStatus(answer.GetBuffer(), (int)answer.Length);
            if (answer.Length < 64 * 1024) request.Answer = Encoding.UTF8.GetString(answer.GetBuffer(), 0, (int)answer.Length);
            if (HoldAnswer?.Invoke(request) == true)
            {
                Interlocked.Increment(ref _answersHeld);
                try
                {
                    await Volatile.Read(ref _answers).Task.WaitAsync(_stop.Token);
                }
                finally
                {
                    Interlocked.Decrement(ref _answersHeld);
                }
            }
            answer.Position = 0;
            await answer.CopyToAsync(stream, _stop.Token);
        }

        private static int? ParseStatus(byte[] answer, int length)
        {
            var line = Encoding.ASCII.GetString(answer, 0, Math.Min(length, 64)).Split(' ');
            return line.Length > 1 && int.TryParse(line[1], out var status) ? status : null;
        }

        /// <summary>The request's head (up to its blank line) and its body: by Content-Length, or its chunks as they came.</summary>
        private static async Task<(string? Head, byte[] Body)> ReadRequestAsync(Stream stream)
        {
            var reader = new ByteReader(stream);
            var head = await reader.ReadHeadAsync();
            if (head is null) return (null, Array.Empty<byte>());
            var headers = head.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Skip(1)
                .Select(line => line.Split(':', 2)).Where(parts => parts.Length == 2)
                .ToLookup(parts => parts[0].Trim(), parts => parts[1].Trim(), StringComparer.OrdinalIgnoreCase);
            if (headers["Transfer-Encoding"].Any(value => value.Contains("chunked", StringComparison.OrdinalIgnoreCase)))
                return (head, await reader.ReadChunkedAsync());
            var length = headers["Content-Length"].Select(long.Parse).FirstOrDefault();
            return (head, await reader.ReadExactlyAsync(length));
        }

        private static string WithConnectionClose(string head)
        {
            var text = new StringBuilder();
            foreach (var line in head.Split("\r\n", StringSplitOptions.RemoveEmptyEntries))
                if (!line.StartsWith("Connection:", StringComparison.OrdinalIgnoreCase)) text.Append(line).Append("\r\n");
            return text.Append("Connection: close\r\n\r\n").ToString();
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            foreach (var client in _held) client.Dispose();
        }

        /// <summary>Reads an HTTP request off a stream through a buffer of its own.</summary>
        private sealed class ByteReader
        {
            private readonly Stream _stream;
            private readonly byte[] _buffer = new byte[64 * 1024];
            private int _start;
            private int _end;

            public ByteReader(Stream stream) => _stream = stream;

            private async Task<bool> FillAsync()
            {
                if (_start < _end) return true;
                _start = 0;
                _end = await _stream.ReadAsync(_buffer);
                return _end > 0;
            }

            /// <summary>Up to and including the next CRLF, as ASCII; null at the end of the stream.</summary>
            private async Task<string?> ReadLineAsync()
            {
                var line = new StringBuilder();
                while (await FillAsync())
                {
                    var c = (char)_buffer[_start++];
                    line.Append(c);
                    if (c == '\n' && line.Length >= 2 && line[^2] == '\r') return line.ToString();
                }
                return null;
            }

            public async Task<string?> ReadHeadAsync()
            {
                var head = new StringBuilder();
                while (await ReadLineAsync() is { } line)
                {
                    head.Append(line);
                    if (line == "\r\n") return head.ToString();
                }
                return null;
            }

            public async Task<byte[]> ReadExactlyAsync(long count)
            {
                var body = new byte[count];
                for (var read = 0; read < count;)
                {
                    if (!await FillAsync()) throw new IOException("The request's body ended early.");
                    var n = (int)Math.Min(count - read, _end - _start);
                    Array.Copy(_buffer, _start, body, read, n);
                    _start += n;
                    read += n;
                }
                return body;
            }

            /// <summary>A chunked body as it was sent (size lines, chunks and the final empty chunk), to be passed on as it is.</summary>
            public async Task<byte[]> ReadChunkedAsync()
            {
                var raw = new MemoryStream();
                while (true)
                {
                    var sizeLine = await ReadLineAsync() ?? throw new IOException("The request's chunks ended early.");
                    raw.Write(Encoding.ASCII.GetBytes(sizeLine));
                    var size = Convert.ToInt64(sizeLine.Split(';')[0].Trim(), 16);
                    raw.Write(await ReadExactlyAsync(size + 2)); // the chunk and its CRLF
                    if (size == 0) return raw.ToArray();
                }
            }
        }
    }
}
