using System;
using System.IO;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Threading;
using System.Threading.Tasks;
using NebulaVideo.Core.Catalog;
using NebulaVideo.Core.Http;
using NebulaVideo.Core.Tasks;

namespace NebulaVideo.Core.Gateways
{
    /// <summary>Submitting: one request posted once, journaled, never paid twice.</summary>
    public sealed partial class GatewayClient
    {
        /// <summary>
        /// The body and fingerprint of a submission to this gateway, built once: the body may hold a whole image,
        /// and the caller may need the fingerprint before it sends (-WhatIf, the budget) as well as when it does.
        /// </summary>
        public PreparedSubmission Prepare(VideoRequest request, ModelInfo model)
        {
            var body = Dialect.BuildSubmitBody(request, model);
            return new PreparedSubmission(request, model, body, TaskJournal.Fingerprint(BaseUri, body));
        }

        /// <summary>
        /// Posts a prepared submission. A create is never repeated blindly: if its answer is lost the task may
        /// exist and be billed, so the caller is told that instead of paying twice. The one exception is 429:
        /// a throttled create was refused unread, so it is sent again after the wait the gateway asks for.
        /// With a <paramref name="journal"/>, a request submitted within the gateway's retention is not posted
        /// again: its task is read instead (Resumed); one another run is submitting right now is waited for;
        /// one whose answer never arrived is refused (SubmitOutcomeUnknown). <paramref name="force"/> submits anyway.
        /// A task created that the journal then cannot record is still returned (it is paid for), and <paramref name="unrecorded"/>
        /// is told why, naming the task and the journal's row.
        /// </summary>
        public async Task<VideoTask> SubmitAsync(PreparedSubmission submission, CancellationToken cancellationToken,
            ITaskJournal? journal = null, bool force = false, Action<NebulaVideoException>? unrecorded = null)
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
                JournalPath = journal?.Location,
            };
            // A local image is staged only for a request really to be sent, never for one the journal resumes, and before
            // the claim: a run killed while it uploads leaves no Submitting record (an outcome the next run could not
            // know), only a blob the next run reuses. Each post gets a read URL minted for it.
            StagedBody? staged = null;
            if (submission.Stage is not null && (force || journal?.FindResumable(fingerprint) is null))
            {
                staged = await submission.Stage(cancellationToken).ConfigureAwait(false);
                known = known with { StagedImage = staged.Location };
            }

            // The journal's own mapping of the task to its records: what a later run needs of it, written before the post.
            var submitting = JournalEntry.Submitting(fingerprint, known);

            if (journal is not null)
            {
                var claim = await ClaimAsync(journal, submitting, force, cancellationToken).ConfigureAwait(false);
                if (claim.Kind == ClaimKind.Resume)
                {
                    _log?.Invoke($"Journal {journal.Location}: submitted at {claim.Earlier!.At:u} as task {claim.Earlier.TaskId}; reading it instead of paying again.");
                    VideoTask resumed;
                    // A read that fails leaves the task as the error's target, so $err.TargetObject | Wait-NebulaVideoTask resumes it.
                    var earlierTask = claim.Earlier!.Resume(known);
                    try
                    {
                        resumed = await GetTaskAsync(earlierTask, cancellationToken).ConfigureAwait(false);
                    }
                    catch (GatewayException ex) when (ex.HttpStatus == 404)
                    {
                        throw new NebulaVideoException(ErrorIds.GatewayTaskNotFound,
                            $"The journal says this request was submitted at {claim.Earlier!.At:u} as task {claim.Earlier.TaskId}, but the gateway does not know that task.",
                            target, $"If the gateway really has no such task, run the same command with -Force to submit it again (journal {journal.Location}).", ex);
                    }
                    if (resumed.Status != VideoStatus.Failed && resumed.Status != VideoStatus.Expired)
                        return resumed with { Resumed = true };
                    // A task that failed (or whose video is gone) made nothing to keep: running the request again means making it again.
                    _log?.Invoke($"Task {resumed.TaskId} ended {resumed.Status}; submitting the request again.");
                    claim = journal.Claim(JournalEntry.Submitting(fingerprint, known), force: true);
                }
                if (claim.Kind == ClaimKind.OutcomeUnknown)
                    throw new NebulaVideoException(ErrorIds.SubmitOutcomeUnknown,
                        $"A run began submitting this request at {claim.Earlier!.At:u} and stopped before the gateway's answer; the task may exist and be billed.",
                        target, UnknownOutcomeAdvice(journal, fingerprint));
            }

            if (submission.Stage is not null)
            {
                if (staged is null)
                {
                    // The journal's task turned out failed, so the request goes again now, with an image staged afresh.
                    // Nothing was posted if that fails: the request stays free to send.
                    try
                    {
                        staged = await submission.Stage(cancellationToken).ConfigureAwait(false);
                    }
                    catch (Exception) when (journal is not null)
                    {
                        journal.Record(submitting.Refused());
                        throw;
                    }
                    known = known with { StagedImage = staged.Location };
                    submitting = submitting with { StagedImage = staged.Location };
                }
                body = staged.Body;
            }

            string json;
            try
            {
                json = await PostAsync(body, request.Model, target, cancellationToken).ConfigureAwait(false);
            }
            catch (NebulaVideoException ex) when (ex is GatewayException || ex.Id == ErrorIds.GatewayUnreachable)
            {
                // An error answer, or no connection at all, means nothing was created: it may be sent again later.
                journal?.Record(submitting.Refused());
                throw;
            }
            catch (UnansweredSubmissionException ex) when (journal is not null)
            {
                // What is known of it goes in the journal: later runs refuse it at once (no waiting for a live owner),
                // and Get-NebulaVideoJournal shows what arrived, for the user to settle it after checking the gateway.
                try
                {
                    journal.Record(submitting.Unanswered(ex.Message, ex.Arrived));
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
                journal?.Record(submitting.Submitted(task.TaskId));
            }
            catch (NebulaVideoException ex) when (ex.Id == ErrorIds.JournalUnwritable)
            {
                // The task exists and is paid for: losing it now would be worse than a journal one line short. It goes on,
                // and what the journal lacks is the caller's to report.
                _log?.Invoke($"Task {task.TaskId} was created, but the journal could not record it: {ex.Message}");
                unrecorded?.Invoke(new NebulaVideoException(ErrorIds.JournalUnwritable,
                    $"Task {task.TaskId} was created, but the journal could not record it: {ex.Message}", target,
                    $"The task goes on in this pipeline; keep its id. Until the journal records it, a later run finds this request unfinished and reports it as SubmitOutcomeUnknown instead of paying again: Get-NebulaVideoTask -TaskId {task.TaskId} reads it.", ex));
            }
            return task with { EstimatedCostUsd = model.EstimateCost(task.Resolution, task.Duration, task.GroupRatio) };
        }

        private static string UnknownOutcomeAdvice(ITaskJournal journal, string fingerprint) =>
            journal.DescribeEntry(fingerprint)
            + " Look for the task among the gateway's tasks before sending it again, so it is not paid twice; if there is none, run the same command with -Force.";

        /// <summary>Claims a request in the journal, waiting while another run is submitting the same one.</summary>
        private async Task<JournalClaim> ClaimAsync(ITaskJournal journal, JournalEntry submitting, bool force, CancellationToken cancellationToken)
        {
            var said = false;
            while (true)
            {
                var claim = journal.Claim(submitting with { At = DateTimeOffset.UtcNow }, force);
                if (claim.Kind != ClaimKind.InProgress) return claim;
                if (!said) _log?.Invoke($"Journal {journal.Location}: another run is submitting this request; waiting for its answer.");
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
}
