using System;
using System.IO;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Threading;
using System.Threading.Tasks;
using NebulaVideo.Core.Catalog;
using NebulaVideo.Core.Connections;
using NebulaVideo.Core.Http;
using Polly;

namespace NebulaVideo.Core.Gateways
{
    /// <summary>
    /// Talks to one connection's gateway in its dialect: submits requests (never paying twice), reads task
    /// state, downloads finished videos. It knows no dialect itself. Every call takes a CancellationToken so
    /// Ctrl+C in PowerShell stops it at once. This file holds the connection and the reads every part shares;
    /// GatewayClient.Submit.cs the submission, GatewayClient.Download.cs the download.
    /// </summary>
    public sealed partial class GatewayClient
    {
        private readonly GatewayConnection _connection;
        private readonly ClientOptions _options;
        private readonly Action<string>? _log;
        private readonly ResiliencePipeline _reads;

        public GatewayClient(GatewayConnection connection, ClientOptions? options = null, Action<string>? log = null)
        {
            _connection = connection ?? throw new ArgumentNullException(nameof(connection));
            _options = options ?? ClientOptions.Default;
            _log = log;
            _reads = ReadRetry.Create(_options, log);
        }

        public Uri BaseUri => _connection.BaseUri;

        public GatewayConnection Connection => _connection;

        /// <summary>
        /// The shortest pause between two status reads of one task: the seeds' recommended 3 s for a real gateway;
        /// none for one on this machine (the emulator), whose tasks take moments.
        /// </summary>
        public TimeSpan MinimumPollInterval => HostRules.IsLoopback(BaseUri) ? TimeSpan.Zero : TimeSpan.FromSeconds(3);

        private IGatewayDialect Dialect => _connection.Dialect;

        /// <summary>
        /// The task's current state, keeping what <paramref name="known"/> already knew. A 404 for a task
        /// created moments ago is retried like any transient failure: gateways take a moment to list new tasks.
        /// </summary>
        public Task<VideoTask> GetTaskAsync(VideoTask known, CancellationToken cancellationToken) => GetTaskAsync(known, known, cancellationToken);

        // Errors name the task read (so a script can pipe $err.TargetObject back in), or what the caller says.
        private Task<VideoTask> GetTaskAsync(VideoTask known, object target, CancellationToken cancellationToken)
        {
            var path = Dialect.TaskPath(known.TaskId);
            var isNew = known.SubmittedAt is DateTimeOffset at && DateTimeOffset.UtcNow - at < _options.NewTaskGrace;
            return ReadAsync($"GET {path}", isNew, target, async token =>
            {
                var json = await GetJsonOnceAsync(path, target, token).ConfigureAwait(false);
                return Dialect.ParseTask(json, known with { Gateway = BaseUri, Connection = _connection.Name, Dialect = Dialect.Name });
            }, cancellationToken);
        }

        /// <summary>
        /// Checks the key against the gateway without spending anything: it reads a task that cannot exist. A
        /// "task not found" answer means the gateway took the key; a refusal (401, 403) is thrown as it came.
        /// </summary>
        public async Task CheckKeyAsync(CancellationToken cancellationToken)
        {
            try
            {
                await GetTaskAsync(new VideoTask { TaskId = Dialect.KeyCheckTaskId, Model = Dialect.DefaultModel }, BaseUri.ToString(), cancellationToken).ConfigureAwait(false);
            }
            catch (GatewayException ex) when (ex.Id.Name == ErrorIds.GatewayTaskNotFound.Name)
            {
                // What a good key gets for a task nobody made.
            }
        }


        /// <summary>
        /// Runs a read through the retry pipeline. What is left after the last attempt becomes an error the
        /// user can act on: no answer in time, no connection, a connection that kept breaking.
        /// </summary>
        private async Task<T> ReadAsync<T>(string operation, bool isNewTask, object target, Func<CancellationToken, Task<T>> attempt, CancellationToken cancellationToken)
        {
            var context = ResilienceContextPool.Shared.Get(cancellationToken);
            context.Properties.Set(ReadRetry.Operation, operation);
            context.Properties.Set(ReadRetry.NewTask, isNewTask);
            try
            {
                return await _reads.ExecuteAsync(async ctx => await attempt(ctx.CancellationToken).ConfigureAwait(false), context).ConfigureAwait(false);
            }
            catch (AttemptTimeoutException ex)
            {
                throw new NebulaVideoException(ErrorIds.GatewayTimeout,
                    $"{operation}: no answer within {_options.RequestTimeout.TotalSeconds:0} s, in {_options.MaxReadRetries + 1} attempts.",
                    target, "Check the network and the gateway, or give it longer: Set-NebulaVideoRequestContext -RequestTimeoutSec, -MaxRetry.", ex);
            }
            catch (HttpRequestException ex)
            {
                throw Unreachable(ex, target);
            }
            catch (IOException ex)
            {
                throw new NebulaVideoException(ErrorIds.GatewayConnectionLost,
                    $"{operation}: the connection broke while the answer was being read, in {_options.MaxReadRetries + 1} attempts: {ex.Message}",
                    target, "Try again later; if it persists, check the network between here and the gateway.", ex);
            }
            finally
            {
                ResilienceContextPool.Shared.Return(context);
            }
        }

        /// <summary>
        /// One HTTP exchange under the attempt's deadline, said with -Verbose once the answer's headers are in:
        /// method, address without its query (a signed link's signature is a credential too), status and time.
        /// </summary>
        private async Task<HttpResponseMessage> SendAsync(HttpClient http, HttpRequestMessage request, AttemptDeadline deadline)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var response = await deadline.Within(token => http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, token)).ConfigureAwait(false);
            _log?.Invoke($"{request.Method} {request.RequestUri?.GetLeftPart(UriPartial.Path)}: {(int)response.StatusCode} {response.ReasonPhrase} in {clock.ElapsedMilliseconds} ms");
            return response;
        }

        /// <summary>One GET of a JSON answer, under the request timeout and the size limit; an error answer is thrown.</summary>
        private async Task<string> GetJsonOnceAsync(string path, object? target, CancellationToken cancellationToken)
        {
            using var deadline = new AttemptDeadline(_options.RequestTimeout, cancellationToken);
            using var request = NewGatewayRequest(HttpMethod.Get, path);
            using var response = await SendAsync(HttpTransport.Gateway, request, deadline).ConfigureAwait(false);
            var text = await ReadLimitedAsync(response.Content, deadline).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
                throw Dialect.ParseError((int)response.StatusCode, text, target, ReadRetry.RetryAfter(response));
            return text;
        }

        /// <summary>Reads a JSON answer whole, refusing one past the size limit (a gateway answer is small; a huge one is a fault).</summary>
        private async Task<string> ReadLimitedAsync(HttpContent content, AttemptDeadline deadline, MemoryStream? into = null)
        {
            if (content.Headers.ContentLength > _options.MaxResponseBytes) throw TooLarge();
            using var body = deadline.Guard(await content.ReadAsStreamAsync().ConfigureAwait(false));
            var buffer = into ?? new MemoryStream();
            var chunk = new byte[16384];
            int read;
            while ((read = await body.ReadAsync(chunk, 0, chunk.Length, CancellationToken.None).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > _options.MaxResponseBytes) throw TooLarge();
                buffer.Write(chunk, 0, read);
            }
            return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        }

        private NebulaVideoException TooLarge() =>
            new NebulaVideoException(ErrorIds.ResponseTooLarge,
                $"The gateway at {BaseUri} sent an answer larger than {_options.MaxResponseBytes / 1048576.0:0.#} MB, which no task answer is.", BaseUri.ToString(),
                "Check the connection's -BaseUri: it may point at something other than a video gateway.");

        private HttpRequestMessage NewGatewayRequest(HttpMethod method, string relativePath)
        {
            var request = new HttpRequestMessage(method, new Uri(BaseUri, relativePath));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _connection.RevealKey());
            return request;
        }

        private NebulaVideoException Unreachable(HttpRequestException ex, object? target = null) =>
            new NebulaVideoException(ErrorIds.GatewayUnreachable,
                $"Cannot reach the gateway of connection '{_connection.Name}' at {BaseUri}: {ex.Message}", target ?? BaseUri.ToString(),
                $"Check the address (Connect-NebulaVideo -BaseUri, or {Dialect.BaseUriVariable}) and the network.", ex);
    }

    /// <summary>
    /// A request ready to post to one gateway: its exact body and the fingerprint the journal knows it by. A request
    /// whose local image must first be staged carries <see cref="Stage"/>: called only when the request is really to be
    /// posted (never for one the journal resumes), it puts the image in the store and gives the body to send instead.
    /// </summary>
    public sealed record PreparedSubmission(VideoRequest Request, ModelInfo Model, byte[] Body, string Fingerprint)
    {
        public Func<CancellationToken, Task<StagedBody>>? Stage { get; init; }
    }

    /// <summary>The body to post once the image is staged, and where it was staged (no query).</summary>
    public sealed record StagedBody(byte[] Body, string Location);
}
