using System;
using System.Collections.Concurrent;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;

namespace NebulaVideo.Tests
{
    /// <summary>
    /// A plain HTTP server on 127.0.0.1 serving the files of one folder: where a test's own uploader (an image store
    /// that is a script block) puts images for the emulator's unified gateway to fetch, as a real gateway fetches them.
    /// </summary>
    internal sealed class LoopbackFileServer : IDisposable
    {
        private readonly HttpListener _listener = new HttpListener();

        public LoopbackFileServer(string folder)
        {
            Folder = folder;
            Directory.CreateDirectory(folder);
            var port = FreePort();
            BaseUri = new Uri($"http://127.0.0.1:{port}/");
            _listener.Prefixes.Add(BaseUri.ToString());
            _listener.Start();
            _ = Task.Run(ServeAsync);
        }

        public string Folder { get; }

        public Uri BaseUri { get; }

        /// <summary>Every request's path and query, in order.</summary>
        public ConcurrentQueue<string> Requests { get; } = new ConcurrentQueue<string>();

        private async Task ServeAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync().ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is HttpListenerException || ex is ObjectDisposedException || ex is InvalidOperationException)
                {
                    return;
                }
                Requests.Enqueue(context.Request.Url!.PathAndQuery);
                var path = Path.Combine(Folder, Path.GetFileName(Uri.UnescapeDataString(context.Request.Url.AbsolutePath)));
                using var response = context.Response;
                if (!File.Exists(path))
                {
                    response.StatusCode = 404;
                    continue;
                }
                var bytes = await File.ReadAllBytesAsync(path).ConfigureAwait(false);
                response.ContentType = "image/png";
                response.ContentLength64 = bytes.Length;
                await response.OutputStream.WriteAsync(bytes).ConfigureAwait(false);
            }
        }

        private static int FreePort()
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            return port;
        }

        public void Dispose() => _listener.Close();
    }
}
