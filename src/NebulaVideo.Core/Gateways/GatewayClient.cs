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
        /// Posts one resolved request. A create is never repeated blindly: if its answer is lost the task may
        /// exist and be billed, so the caller is told that instead of paying twice. The one exception is 429:
        /// a throttled create was refused unread, so it is sent again after the wait the gateway asks for.
        /// With a <paramref name="journal"/>, a request submitted within the gateway's retention is not posted
        /// again: its task is read instead (Resumed); one another run is submitting right now is waited for;
        /// one whose answer never arrived is refused (SubmitOutcomeUnknown). <paramref name="force"/> submits anyway.
        /// </summary>
        public Task<VideoTask> SubmitAsync(VideoRequest request, ModelInfo model, CancellationToken cancellationToken,
            TaskJournal? journal = null, bool force = false) =>
            SubmitAsync(Prepare(request, model), cancellationToken, journal, force);

        /// <summary>
        /// The body and fingerprint of a submission to this gateway, built once: the body may hold a whole image,
        /// and the caller may need the fingerprint before it sends (-WhatIf, the budget) as well as when it does.
        /// </summary>
        public PreparedSubmission Prepare(VideoRequest request, ModelInfo model)
        {
            var body = Dialect.BuildSubmitBody(request, model);
            return new PreparedSubmission(request, model, body, TaskJournal.Fingerprint(BaseUri, body));
        }

        /// <summary>Posts a prepared submission; see the overload that takes the request.</summary>
        public async Task<VideoTask> SubmitAsync(PreparedSubmission submission, CancellationToken cancellationToken,
            TaskJournal? journal = null, bool force = false)
        {
            var (request, model, body, fingerprint) = (submission.Request, submission.Model, submission.Body, submission.Fingerprint);
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
                JournalPath = journal?.FullPath,
            };
            JournalEntry? Entry(JournalState state, string? taskId) => journal is null ? null
                : new JournalEntry(fingerprint, state, taskId, model.Name, request.Image?.DisplayName, DateTimeOffset.UtcNow)
                {
                    Connection = _connection.Name, Gateway = BaseUri, Dialect = Dialect.Name, Prompt = request.Prompt,
                    Duration = known.Duration, Resolution = known.Resolution, EstimatedCostUsd = known.EstimatedCostUsd,
                };

            if (journal is not null)
            {
                var claim = await ClaimAsync(journal, Entry(JournalState.Submitting, null)!, force, cancellationToken).ConfigureAwait(false);
                if (claim.Kind == ClaimKind.Resume)
                {
                    _log?.Invoke($"Journal {journal.FullPath}: submitted at {claim.Earlier!.At:u} as task {claim.Earlier.TaskId}; reading it instead of paying again.");
                    VideoTask resumed;
                    // A read that fails leaves the task as the error's target, so $err.TargetObject | Wait-NebulaVideoTask resumes it.
                    var earlierTask = known with { TaskId = claim.Earlier!.TaskId!, SubmittedAt = claim.Earlier.At, Resumed = true };
                    try
                    {
                        resumed = await GetTaskAsync(earlierTask, cancellationToken).ConfigureAwait(false);
                    }
                    catch (GatewayException ex) when (ex.HttpStatus == 404)
                    {
                        throw new NebulaVideoException(ErrorIds.GatewayTaskNotFound,
                            $"The journal says this request was submitted at {claim.Earlier!.At:u} as task {claim.Earlier.TaskId}, but the gateway does not know that task.",
                            target, $"If the gateway really has no such task, run the same command with -Force to submit it again (journal {journal.FullPath}).", ex);
                    }
                    if (resumed.Status != VideoStatus.Failed && resumed.Status != VideoStatus.Expired)
                        return resumed with { Resumed = true };
                    // A task that failed (or whose video is gone) made nothing to keep: running the request again means making it again.
                    _log?.Invoke($"Task {resumed.TaskId} ended {resumed.Status}; submitting the request again.");
                    claim = journal.Claim(Entry(JournalState.Submitting, null)!, force: true);
                }
                if (claim.Kind == ClaimKind.OutcomeUnknown)
                    throw new NebulaVideoException(ErrorIds.SubmitOutcomeUnknown,
                        $"A run began submitting this request at {claim.Earlier!.At:u} and stopped before the gateway's answer; the task may exist and be billed.",
                        target, UnknownOutcomeAdvice(journal, fingerprint));
            }

            string json;
            try
            {
                json = await PostAsync(body, request.Model, target, cancellationToken).ConfigureAwait(false);
            }
            catch (NebulaVideoException ex) when (ex is GatewayException || ex.Id == ErrorIds.GatewayUnreachable)
            {
                // An error answer, or no connection at all, means nothing was created: it may be sent again later.
                if (journal is not null) journal.Record(Entry(JournalState.Refused, null)!);
                throw;
            }
            catch (UnansweredSubmissionException ex) when (journal is not null)
            {
                // What is known of it goes in the journal: later runs refuse it at once (no waiting for a live owner),
                // and Get-NebulaVideoJournal shows what arrived, for the user to settle it after checking the gateway.
                try
                {
                    journal.Record(Entry(JournalState.Unanswered, null)! with { Outcome = ex.Message, Answer = ex.Arrived });
                }
                catch (NebulaVideoException unwritable) when (unwritable.Id == ErrorIds.JournalUnwritable)
                {
                    _log?.Invoke($"The journal could not record the unanswered submission: {unwritable.Message}");
                }
                throw new NebulaVideoException(ErrorIds.SubmitOutcomeUnknown, ex.Message, ex.Target, UnknownOutcomeAdvice(journal, fingerprint), ex.InnerException);
            }

            var task = Dialect.ParseTask(json, known);
            try
            {
                journal?.Record(Entry(JournalState.Submitted, task.TaskId)!);
            }
            catch (NebulaVideoException ex) when (ex.Id == ErrorIds.JournalUnwritable)
            {
                // The task exists and is paid for: losing it now would be worse than a journal one line short.
                _log?.Invoke($"Task {task.TaskId} was created, but the journal could not record it: {ex.Message}");
            }
            return task with { EstimatedCostUsd = model.EstimateCost(task.Resolution, task.Duration, task.GroupRatio) };
        }

        private static string UnknownOutcomeAdvice(TaskJournal journal, string fingerprint) =>
            $"Get-NebulaVideoJournal -Fingerprint {JournalEntry.ShortFingerprint(fingerprint)} -JournalPath '{journal.FullPath}' shows what is known (when it was sent, what of the answer arrived). "
            + "Look for the task among the gateway's tasks before sending it again, so it is not paid twice; if there is none, run the same command with -Force.";

        /// <summary>Claims a request in the journal, waiting while another run is submitting the same one.</summary>
        private async Task<JournalClaim> ClaimAsync(TaskJournal journal, JournalEntry submitting, bool force, CancellationToken cancellationToken)
        {
            var said = false;
            while (true)
            {
                var claim = journal.Claim(submitting with { At = DateTimeOffset.UtcNow }, force);
                if (claim.Kind != ClaimKind.InProgress) return claim;
                if (!said) _log?.Invoke($"Journal {journal.FullPath}: another run is submitting this request; waiting for its answer.");
                said = true;
                await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken).ConfigureAwait(false);
            }
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
                catch (GatewayException ex) when (ex.HttpStatus == 429 && CreateRetry.Delay(_options, attempt + 1, ex.RetryAfter) is TimeSpan wait)
                {
                    _log?.Invoke($"The gateway is throttling submissions (429); sending again in {wait.TotalSeconds:0.#} s.");
                    await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        private async Task<string> PostOnceAsync(byte[] body, string model, string target, CancellationToken cancellationToken)
        {
            using var deadline = new AttemptDeadline(_options.RequestTimeout, cancellationToken);
            using var message = NewGatewayRequest(HttpMethod.Post, Dialect.SubmitPath);
            message.Content = new ByteArrayContent(body);
            message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            _log?.Invoke($"POST {message.RequestUri} ({model}, {body.Length} bytes): sending");
            var sent = DateTimeOffset.UtcNow;
            // What of the answer arrived before it broke off: its status and the first bytes, which may hold the task's id.
            int? status = null;
            var received = new MemoryStream();
            try
            {
                using var response = await SendAsync(HttpTransport.Gateway, message, deadline).ConfigureAwait(false);
                status = (int)response.StatusCode;
                var text = await ReadLimitedAsync(response.Content, deadline, received).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                    throw Dialect.ParseError((int)response.StatusCode, text, target, ReadRetry.RetryAfter(response)).ForSubmission();
                return text;
            }
            catch (AttemptTimeoutException ex)
            {
                throw Unanswered($"The gateway did not answer the submission sent at {sent:u} within {_options.RequestTimeout.TotalSeconds:0} s", ex);
            }
            catch (HttpRequestException ex) when (!NeverConnected(ex))
            {
                throw Unanswered($"The connection broke during the submission sent at {sent:u} ({ex.Message})", ex);
            }
            catch (HttpRequestException ex)
            {
                throw Unreachable(ex);
            }
            catch (IOException ex)
            {
                throw Unanswered($"The connection broke while the answer to the submission sent at {sent:u} was being read ({ex.Message})", ex);
            }

            UnansweredSubmissionException Unanswered(string what, Exception? inner = null)
            {
                var arrived = status is null ? null
                    : $"HTTP {status}, then {received.Length} byte(s) of the body" + (received.Length == 0 ? string.Empty
                        : ": " + System.Text.Encoding.UTF8.GetString(received.GetBuffer(), 0, (int)Math.Min(received.Length, MaxArrivedBytes)));
                return new UnansweredSubmissionException(what + (status is null ? ", before any answer arrived" : $", after HTTP {status} arrived")
                    + "; the task may or may not exist.", target, arrived, inner);
            }
        }

        // Enough of a cut answer to hold a task id; a gateway's whole answer is small anyway.
        private const int MaxArrivedBytes = 2048;

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
            catch (GatewayException ex) when (ex.ErrorId == ErrorIds.GatewayTaskNotFound.Name)
            {
                // What a good key gets for a task nobody made.
            }
        }


        /// <summary>
        /// Writes a finished task's video to <paramref name="destination"/> (which must be seekable, so a
        /// failed attempt can start over): from its signed link (without the API key, which that host must
        /// never see), or from the gateway's base64 download where the dialect has one (sora-2), decoded as it
        /// streams. A link the storage host refuses is replaced by a fresh one from the gateway; only a video
        /// the gateway no longer holds is reported expired. Returns the number of bytes written.
        /// </summary>
        public async Task<long> DownloadAsync(VideoTask task, Stream destination, Action<long, long?>? progress, CancellationToken cancellationToken)
        {
            for (var refreshed = 0; ; refreshed++)
            {
                RequireVideo(task);
                try
                {
                    var base64Path = Dialect.Base64DownloadPath(task);
                    if (base64Path is null && task.VideoUrl is null)
                        throw new NebulaVideoException(ErrorIds.VideoLinkMissing,
                            $"The gateway reported task {task.TaskId} done but gave no link to its video.", task,
                            "Read the task again with Get-NebulaVideoTask, then save it.");
                    var current = task;
                    return await ReadAsync(base64Path is null ? $"GET {task.VideoUrl!.GetLeftPart(UriPartial.Path)}" : $"GET {base64Path}", false, current,
                        token => base64Path is null
                            ? DownloadLinkOnceAsync(current, destination, progress, token)
                            : DownloadBase64OnceAsync(current, base64Path, destination, progress, token),
                        cancellationToken).ConfigureAwait(false);
                }
                catch (LinkRefusedException refused) when (refreshed < 2)
                {
                    // Signed links expire (and storage may refuse one early); the gateway hands out a fresh one while it holds the video.
                    _log?.Invoke($"The storage host refused the video link of task {task.TaskId} (HTTP {refused.Status}); asking the gateway for a fresh one.");
                    var fresh = await GetTaskAsync(task, cancellationToken).ConfigureAwait(false);
                    if (fresh.VideoUrl is not null && fresh.VideoUrl == task.VideoUrl && refreshed > 0) throw Expired(fresh, refused.Status);
                    task = fresh;
                }
                catch (LinkRefusedException refused)
                {
                    throw Expired(task, refused.Status);
                }
            }
        }

        private static void RequireVideo(VideoTask task)
        {
            if (task.Status == VideoStatus.Expired)
                throw Expired(task, null);
            if (task.Status != VideoStatus.Succeeded)
                throw new NebulaVideoException(ErrorIds.TaskNotSucceeded,
                    $"Task {task.TaskId} is {task.Status}, so there is no video to save.", task,
                    task.Status == VideoStatus.Failed ? $"The task failed: {task.ErrorMessage}" : "Wait for it first: ... | Wait-NebulaVideoTask | Save-NebulaVideo.");
        }

        private static NebulaVideoException Expired(VideoTask task, int? storageStatus)
        {
            var finished = task.CompletedAt ?? task.SubmittedAt;
            var age = finished is DateTimeOffset at ? DateTimeOffset.UtcNow - at : (TimeSpan?)null;
            var why = task.Status == VideoStatus.Expired || age > TimeSpan.FromHours(24)
                ? "the gateway no longer holds it: videos are kept for 24 hours after they are made, and those have passed"
                : $"the storage host refused its link (HTTP {storageStatus}) and the gateway gave no working one";
            return new NebulaVideoException(ErrorIds.VideoExpired, $"The video of task {task.TaskId} cannot be downloaded: {why}.", task,
                "Submit the request again to make a new video (New-NebulaVideo), and save videos within 24 hours.");
        }

        private async Task<long> DownloadLinkOnceAsync(VideoTask task, Stream destination, Action<long, long?>? progress, CancellationToken cancellationToken)
        {
            Restart(destination);
            using var deadline = new AttemptDeadline(_options.RequestTimeout, cancellationToken);
            using var request = new HttpRequestMessage(HttpMethod.Get, task.VideoUrl);
            using var response = await SendAsync(HttpTransport.Storage, request, deadline).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            if (status == 403 || status == 404 || status == 410)
                throw new LinkRefusedException(task, status);
            if (!response.IsSuccessStatusCode)
                throw Dialect.ParseError(status, await ReadLimitedAsync(response.Content, deadline).ConfigureAwait(false), task, ReadRetry.RetryAfter(response));
            var expected = response.Content.Headers.ContentLength;
            using var body = deadline.Guard(await response.Content.ReadAsStreamAsync().ConfigureAwait(false));
            var written = await CopyAsync(body, destination, n => progress?.Invoke(n, expected), cancellationToken).ConfigureAwait(false);
            if (expected is long length && written != length)
                throw Incomplete(task, written, length);
            return written;
        }

        private async Task<long> DownloadBase64OnceAsync(VideoTask task, string path, Stream destination, Action<long, long?>? progress, CancellationToken cancellationToken)
        {
            Restart(destination);
            using var deadline = new AttemptDeadline(_options.RequestTimeout, cancellationToken);
            using var request = NewGatewayRequest(HttpMethod.Get, path);
            using var response = await SendAsync(HttpTransport.Gateway, request, deadline).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
                throw Dialect.ParseError((int)response.StatusCode, await ReadLimitedAsync(response.Content, deadline).ConfigureAwait(false), task, ReadRetry.RetryAfter(response));
            using var body = deadline.Guard(await response.Content.ReadAsStreamAsync().ConfigureAwait(false));
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

        // Each attempt writes the whole video again, from the start of the (temporary) file.
        private static void Restart(Stream destination)
        {
            destination.SetLength(0);
            destination.Position = 0;
        }

        // Big enough that a fast loopback or LAN transfer is not dominated by per-read overhead, small enough to keep memory flat.
        private const int CopyBufferSize = 1024 * 1024;

        private static async Task<long> CopyAsync(Stream source, Stream destination, Action<long> progress, CancellationToken cancellationToken)
        {
            var buffer = new byte[CopyBufferSize];
            long total = 0;
            int read;
            while ((read = await source.ReadAsync(buffer, 0, buffer.Length, cancellationToken).ConfigureAwait(false)) > 0)
            {
                destination.Write(buffer, 0, read);
                total += read;
                progress(total);
            }
            return total;
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

        private static NebulaVideoException Incomplete(VideoTask task, long written, long expected) =>
            new NebulaVideoException(ErrorIds.DownloadIncomplete,
                $"The video of task {task.TaskId} arrived with {written} of {expected} bytes.", task, "Try the download again.");
    }

    /// <summary>The storage host refused a signed link (expired, or revoked): the gateway may have a fresh one.</summary>
    internal sealed class LinkRefusedException : NebulaVideoException
    {
        public LinkRefusedException(VideoTask task, int status)
            : base(ErrorIds.VideoExpired, $"The storage host refused the video link of task {task.TaskId} (HTTP {status}).", task,
                "Refresh the task with Get-NebulaVideoTask for a new link, or submit it again.")
        {
            Status = status;
        }

        public int Status { get; }
    }

    /// <summary>A submission that may have reached the gateway but whose answer did not arrive whole: SubmitOutcomeUnknown.</summary>
    internal sealed class UnansweredSubmissionException : NebulaVideoException
    {
        public UnansweredSubmissionException(string message, string target, string? arrived, Exception? inner)
            : base(ErrorIds.SubmitOutcomeUnknown, message, target,
                "Check the gateway's tasks before submitting again, so the video is not paid twice.", inner)
        {
            Arrived = arrived;
        }

        /// <summary>What of the answer came before it broke off (status, first bytes); null when nothing did.</summary>
        public string? Arrived { get; }
    }

    /// <summary>A request ready to post to one gateway: its exact body and the fingerprint the journal knows it by.</summary>
    public sealed record PreparedSubmission(VideoRequest Request, ModelInfo Model, byte[] Body, string Fingerprint);
}
