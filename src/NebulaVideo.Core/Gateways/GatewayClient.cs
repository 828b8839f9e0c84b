using System;
using System.IO;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Threading;
using System.Threading.Tasks;
using NebulaVideo.Core.Catalog;
using NebulaVideo.Core.Connections;
using NebulaVideo.Core.Downloads;
using NebulaVideo.Core.Http;
using NebulaVideo.Core.Tasks;
using Polly;
using Polly.Timeout;

namespace NebulaVideo.Core.Gateways
{
    /// <summary>
    /// Talks to one connection's gateway in its dialect: submits requests (never paying twice), reads task
    /// state, downloads finished videos. It knows no dialect itself. Every call takes a CancellationToken so
    /// Ctrl+C in PowerShell stops it at once.
    /// </summary>
    public sealed class GatewayClient
    {
        private readonly GatewayConnection _connection;
        private readonly ClientOptions _options;
        private readonly Action<string>? _log;
        private readonly ResiliencePipeline<HttpResponseMessage> _reads;

        public GatewayClient(GatewayConnection connection, ClientOptions? options = null, Action<string>? log = null)
        {
            _connection = connection ?? throw new ArgumentNullException(nameof(connection));
            _options = options ?? ClientOptions.Default;
            _log = log;
            _reads = ReadRetry.Create(_options, log);
        }

        public Uri BaseUri => _connection.BaseUri;

        public GatewayConnection Connection => _connection;

        private IGatewayDialect Dialect => _connection.Dialect;

        /// <summary>
        /// Posts one resolved request. A create is never repeated blindly: if its answer is lost the task may
        /// exist and be billed, so the caller is told that instead of paying twice. The one exception is 429:
        /// a throttled create was refused unread, so it is sent again after the wait the gateway asks for.
        /// With a <paramref name="journal"/>, a request it records as submitted is not posted again: its task
        /// is read instead; one whose answer never arrived is refused (SubmitOutcomeUnknown).
        /// </summary>
        public async Task<VideoTask> SubmitAsync(VideoRequest request, ModelInfo model, CancellationToken cancellationToken, TaskJournal? journal = null)
        {
            var body = Dialect.BuildSubmitBody(request, model);
            var target = request.Image?.DisplayName ?? request.Prompt;
            var known = new VideoTask
            {
                Model = model.Name,
                Prompt = request.Prompt,
                Duration = request.Duration,
                Resolution = request.Resolution ?? request.Size,
                SourceImage = request.Image?.DisplayName,
                SubmittedAt = DateTimeOffset.UtcNow,
                Gateway = BaseUri,
                Connection = _connection.Name,
                Dialect = Dialect.Name,
                EstimatedCostUsd = model.EstimateCost(request.Resolution ?? request.Size, request.Duration),
            };
            var fingerprint = journal is null ? null : TaskJournal.Fingerprint(BaseUri, body);
            if (journal is not null && journal.Find(fingerprint!) is { } earlier && earlier.State != JournalState.Refused)
                return await ResumeAsync(earlier, known, journal, target, cancellationToken).ConfigureAwait(false);

            void Note(JournalState state, string? taskId) =>
                journal?.Record(new JournalEntry(fingerprint!, state, taskId, model.Name, target, DateTimeOffset.UtcNow));

            Note(JournalState.Submitting, null);
            string json;
            try
            {
                json = await PostAsync(body, request.Model, target, cancellationToken).ConfigureAwait(false);
            }
            catch (NebulaVideoException ex) when (ex is GatewayException || ex.Id == ErrorIds.GatewayUnreachable)
            {
                // An error answer, or no connection at all, means nothing was created: it may be sent again later.
                Note(JournalState.Refused, null);
                throw;
            }

            var task = Dialect.ParseTask(json, known);
            Note(JournalState.Submitted, task.TaskId);
            return task with { EstimatedCostUsd = model.EstimateCost(task.Resolution, task.Duration, task.GroupRatio) };
        }

        private async Task<VideoTask> ResumeAsync(JournalEntry earlier, VideoTask known, TaskJournal journal, string target, CancellationToken cancellationToken)
        {
            if (earlier.TaskId is null)
                throw new NebulaVideoException(ErrorIds.SubmitOutcomeUnknown,
                    $"An earlier run began submitting this request at {earlier.At:u} and stopped before the gateway's answer; the task may exist and be billed.",
                    target, $"Check the gateway for the task. If there is none, remove its line ({earlier.Fingerprint}) from {journal.FullPath} and run again.");
            _log?.Invoke($"Journal {journal.FullPath}: already submitted as task {earlier.TaskId}; reading it instead of posting again.");
            return await GetTaskAsync(known with { TaskId = earlier.TaskId }, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>Posts, sending again only after a 429 (refused unread), as often as the options allow.</summary>
        private async Task<string> PostAsync(byte[] body, string model, string target, CancellationToken cancellationToken)
        {
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    return await PostOnceAsync(body, model, target, cancellationToken).ConfigureAwait(false);
                }
                catch (GatewayException ex) when (ex.HttpStatus == 429 && attempt < _options.MaxThrottledCreateRetries)
                {
                    var wait = ex.RetryAfter ?? TimeSpan.FromTicks(_options.RetryBaseDelay.Ticks << attempt);
                    _log?.Invoke($"The gateway is throttling submissions (429); sending again in {wait.TotalSeconds:0.#} s.");
                    await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        private async Task<string> PostOnceAsync(byte[] body, string model, string target, CancellationToken cancellationToken)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_options.RequestTimeout);
            using var message = NewGatewayRequest(HttpMethod.Post, Dialect.SubmitPath);
            message.Content = new ByteArrayContent(body);
            message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            _log?.Invoke($"POST {message.RequestUri} ({model}, {body.Length} bytes)");
            try
            {
                using var response = await HttpTransport.Gateway.SendAsync(message, timeout.Token).ConfigureAwait(false);
                return await ReadSuccessAsync(response, target).ConfigureAwait(false);
            }
            catch (GatewayException ex)
            {
                throw ex.ForSubmission();
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw OutcomeUnknown(target, $"The gateway did not answer the submission within {_options.RequestTimeout.TotalSeconds:0} s", null);
            }
            catch (HttpRequestException ex) when (!NeverConnected(ex))
            {
                throw OutcomeUnknown(target, $"The connection broke during the submission ({ex.Message})", ex);
            }
            catch (HttpRequestException ex)
            {
                throw Unreachable(ex);
            }
        }

        private static NebulaVideoException OutcomeUnknown(string target, string what, Exception? inner) =>
            new NebulaVideoException(ErrorIds.SubmitOutcomeUnknown, what + "; the task may or may not exist.", target,
                "Check the gateway's tasks before submitting again, so the video is not paid twice.", inner);

        /// <summary>True when the request cannot have reached the gateway: the connection itself was never made.</summary>
        private static bool NeverConnected(Exception ex)
        {
            for (var inner = ex.InnerException; inner is not null; inner = inner.InnerException)
                if (inner is System.Net.Sockets.SocketException socket)
                    return socket.SocketErrorCode == System.Net.Sockets.SocketError.ConnectionRefused
                        || socket.SocketErrorCode == System.Net.Sockets.SocketError.HostNotFound
                        || socket.SocketErrorCode == System.Net.Sockets.SocketError.HostUnreachable
                        || socket.SocketErrorCode == System.Net.Sockets.SocketError.NetworkUnreachable
                        || socket.SocketErrorCode == System.Net.Sockets.SocketError.TryAgain;
            return false;
        }

        /// <summary>The task's current state, keeping what <paramref name="known"/> already knew.</summary>
        public async Task<VideoTask> GetTaskAsync(VideoTask known, CancellationToken cancellationToken)
        {
            var path = Dialect.TaskPath(known.TaskId);
            using var response = await ReadAsync(HttpTransport.Gateway, () => NewGatewayRequest(HttpMethod.Get, path), cancellationToken).ConfigureAwait(false);
            var json = await ReadSuccessAsync(response, known.TaskId).ConfigureAwait(false);
            return Dialect.ParseTask(json, known with { Gateway = BaseUri, Connection = _connection.Name, Dialect = Dialect.Name });
        }

        /// <summary>
        /// Writes a finished task's video to <paramref name="destination"/>: from its signed link (without the
        /// API key, which that host must never see), or from the gateway's base64 download where the dialect
        /// has one (sora-2), decoded as it streams. Returns the number of bytes written.
        /// </summary>
        public async Task<long> DownloadAsync(VideoTask task, Stream destination, Action<long, long?>? progress, CancellationToken cancellationToken)
        {
            if (task.Status == VideoStatus.Expired)
                throw new NebulaVideoException(ErrorIds.VideoExpired,
                    $"The video of task {task.TaskId} has expired; gateways keep videos for 24 hours.", task,
                    "Submit the request again to make a new video.");
            if (task.Status != VideoStatus.Succeeded)
                throw new NebulaVideoException(ErrorIds.TaskNotSucceeded,
                    $"Task {task.TaskId} is {task.Status}, so there is no video to save.", task,
                    task.Status == VideoStatus.Failed ? $"The task failed: {task.ErrorMessage}" : "Wait for it first: ... | Wait-NebulaVideoTask | Save-NebulaVideo.");

            if (Dialect.Base64DownloadPath(task) is string base64Path)
                return await DownloadBase64Async(task, base64Path, destination, progress, cancellationToken).ConfigureAwait(false);
            if (task.VideoUrl is null)
                throw new NebulaVideoException(ErrorIds.VideoLinkMissing,
                    $"The gateway reported task {task.TaskId} done but gave no link to its video.", task,
                    "Read the task again with Get-NebulaVideoTask, then save it.");
            return await DownloadLinkAsync(task, destination, progress, cancellationToken).ConfigureAwait(false);
        }

        private async Task<long> DownloadLinkAsync(VideoTask task, Stream destination, Action<long, long?>? progress, CancellationToken cancellationToken)
        {
            var link = task.VideoUrl!;
            _log?.Invoke($"GET {link.GetLeftPart(UriPartial.Path)} (signed link, no API key)");
            using var response = await ReadAsync(HttpTransport.Storage, () => new HttpRequestMessage(HttpMethod.Get, link), cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                var text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
                throw (int)response.StatusCode == 403 || (int)response.StatusCode == 404
                    ? new NebulaVideoException(ErrorIds.VideoExpired,
                        $"The video link of task {task.TaskId} no longer works (HTTP {(int)response.StatusCode}); links are valid for 24 hours.", task,
                        "Refresh the task with Get-NebulaVideoTask for a new link, or submit it again.")
                    : Dialect.ParseError((int)response.StatusCode, text, task);
            }
            var expected = response.Content.Headers.ContentLength;
            using var body = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
            var written = await CopyAsync(body, destination, n => progress?.Invoke(n, expected), cancellationToken).ConfigureAwait(false);
            if (expected is long length && written != length)
                throw Incomplete(task, written, length);
            return written;
        }

        private async Task<long> DownloadBase64Async(VideoTask task, string path, Stream destination, Action<long, long?>? progress, CancellationToken cancellationToken)
        {
            using var response = await ReadAsync(HttpTransport.Gateway, () => NewGatewayRequest(HttpMethod.Get, path), cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
                throw Dialect.ParseError((int)response.StatusCode, await response.Content.ReadAsStringAsync().ConfigureAwait(false), task);
            using var body = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
            var envelope = await Base64VideoReader.CopyAsync(body, destination, n => progress?.Invoke(n, null), cancellationToken).ConfigureAwait(false);
            if (!envelope.FoundVideo)
                throw Dialect.ParseError(200, envelope.Skeleton, task);
            if (!envelope.Success)
                throw new NebulaVideoException(ErrorIds.DownloadFailed,
                    $"The gateway would not hand out the video of task {task.TaskId}.", task, "Check the task with Get-NebulaVideoTask, then try again.");
            if (envelope.Size is long size && size != envelope.BytesWritten)
                throw Incomplete(task, envelope.BytesWritten, size);
            return envelope.BytesWritten;
        }

        private static async Task<long> CopyAsync(Stream source, Stream destination, Action<long> progress, CancellationToken cancellationToken)
        {
            var buffer = new byte[81920];
            long total = 0;
            int read;
            while ((read = await source.ReadAsync(buffer, 0, buffer.Length, cancellationToken).ConfigureAwait(false)) > 0)
            {
                await destination.WriteAsync(buffer, 0, read, cancellationToken).ConfigureAwait(false);
                total += read;
                progress(total);
            }
            return total;
        }

        /// <summary>Sends a read through the retry pipeline; the answer's body is left for the caller to stream.</summary>
        private async Task<HttpResponseMessage> ReadAsync(HttpClient client, Func<HttpRequestMessage> newRequest, CancellationToken cancellationToken)
        {
            try
            {
                return await _reads.ExecuteAsync(async token =>
                {
                    using var request = newRequest();
                    return await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, token).ConfigureAwait(false);
                }, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutRejectedException ex)
            {
                throw new NebulaVideoException(ErrorIds.GatewayTimeout,
                    $"The gateway did not answer within {_options.RequestTimeout.TotalSeconds:0} s, after {_options.MaxReadRetries + 1} attempts.",
                    BaseUri.ToString(), "Check the network, then try again.", ex);
            }
            catch (HttpRequestException ex)
            {
                throw Unreachable(ex);
            }
        }

        private HttpRequestMessage NewGatewayRequest(HttpMethod method, string relativePath)
        {
            var request = new HttpRequestMessage(method, new Uri(BaseUri, relativePath));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _connection.RevealKey());
            return request;
        }

        private async Task<string> ReadSuccessAsync(HttpResponseMessage response, object? target)
        {
            var text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
                throw Dialect.ParseError((int)response.StatusCode, text, target, ReadRetry.RetryAfter(response));
            return text;
        }

        private NebulaVideoException Unreachable(HttpRequestException ex) =>
            new NebulaVideoException(ErrorIds.GatewayUnreachable,
                $"Cannot reach the gateway of connection '{_connection.Name}' at {BaseUri}: {ex.Message}", BaseUri.ToString(),
                $"Check the address (Connect-NebulaVideo -BaseUri, or {Dialect.BaseUriVariable}) and the network.", ex);

        private static NebulaVideoException Incomplete(VideoTask task, long written, long expected) =>
            new NebulaVideoException(ErrorIds.DownloadIncomplete,
                $"The video of task {task.TaskId} arrived with {written} of {expected} bytes.", task, "Try the download again.");
    }
}
