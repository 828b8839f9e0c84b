using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using NebulaVideo.Core.Catalog;
using NebulaVideo.Core.Connections;
using NebulaVideo.Core.Downloads;
using NebulaVideo.Core.Gateways;
using NebulaVideo.Core.Http;
using NebulaVideo.Core.Images;
using NebulaVideo.Core.Storage;
using NebulaVideo.Core.Tasks;

namespace NebulaVideo.Core.Submissions
{
    /// <summary>One item as a command bound it: the request's fields, and what decides its model, gateway and image.</summary>
    public sealed record SubmissionItem
    {
        /// <summary>The request's own fields (prompt, duration, resolution or size, options); its model and image are the engine's to fill.</summary>
        public VideoRequest Request { get; init; } = new VideoRequest();

        /// <summary>The model asked for; null for the default model of the connection's dialect.</summary>
        public string? Model { get; init; }

        /// <summary>The connection asked for; null for the one that serves the model.</summary>
        public string? Connection { get; init; }

        /// <summary>Sends a model in no catalog, unchecked, to the connection's gateway.</summary>
        public bool AllowUnknownModel { get; init; }

        /// <summary>What kind of image the item names, known before it is read (so a gateway that cannot take it refuses it unread).</summary>
        public ImageInputKind? ImageKind { get; init; }

        /// <summary>The image as given: a path, a URL or a data URI.</summary>
        public string? ImageName { get; init; }

        /// <summary>Reads the image within the model's limits; null for none.</summary>
        public Func<ModelInfo, ImageInput?> LoadImage { get; init; } = _ => null;
    }

    /// <summary>An item checked and priced, ready to be sent (or shown by -WhatIf): nothing has been sent yet.</summary>
    public sealed record SubmissionPlan(ModelInfo Model, VideoRequest Request, GatewayConnection? Connection, GatewayClient? Client,
        PreparedSubmission? Prepared, JournalEntry? Earlier, decimal? Cost)
    {
        /// <summary>The local image to stage in the session's image store before sending (its model takes only URLs); null for none.</summary>
        public StagingImage? Staging { get; init; }

        /// <summary>The store it goes to.</summary>
        public ImageStoreInfo? Store { get; init; }

        /// <summary>What -WhatIf says of staging: which file, how big, where; empty when nothing is staged.</summary>
        public string StagingText() => Staging is null || Store is null ? string.Empty
            : $"Stage {System.IO.Path.GetFileName(Staging.Path)} ({Staging.Bytes.Length / 1048576.0:0.0#} MB) "
              + (Store.Container is string container
                  ? $"in container '{container}' of storage account '{Store.Account}' (uploaded unless its content is there already)"
                  : "through the image store's script block");

        /// <summary>The resolution: a sized model's is its frame size.</summary>
        public string? Resolution => Request.Resolution ?? Request.Size;

        /// <summary>The item as people know it: its image, the video it remixes, or its prompt.</summary>
        public string Source => Request.Image?.DisplayName ?? (Request.RemixFromVideoId is string remix ? $"remix of {remix}" : "text prompt");

        /// <summary>What -WhatIf says of the model when it is retired (its upstream gone): sent anyway, never refused.</summary>
        public string Retired => Model.Lifecycle == ModelLifecycle.Retired && Model.Retires is DateTime day
            ? $" to {Model.Name}, retired on {day:yyyy-MM-dd}" : string.Empty;

        /// <summary>What -WhatIf says it costs: the estimate, or why it is unknown (never $0 for an unpublished price).</summary>
        public string CostText() => Cost is decimal cost
            ? $"estimated cost {Money.Usd(cost)} USD at group ratio 1"
            : $"estimated cost unknown: no price is published for {Model.Name}{MissingPrice()} (the task reports the credits the gateway reserves)";

        // What the catalog lacks to price it: the resolution's price, or a duration (a model without a default one).
        private string MissingPrice() =>
            !Model.IsPriced ? string.Empty
            : Model.PricePerSecond(Resolution) is null ? $" at {Resolution ?? "its default resolution"}"
            : " without a duration";
    }

    /// <summary>
    /// The one place a submission flows through, with no PowerShell in it, owning "never pay twice" end to end. Its
    /// steps, in order: <see cref="Plan"/> (resolve the model and connection, validate against the catalog, plan where a
    /// local image is staged for a model that takes only URLs, prepare the body and fingerprint once, look the request up
    /// in the journal); <see cref="CheckBudget"/>; then <see cref="Submit"/> (the journal's claim, resume, or wait for
    /// another live run, the account's pace, the staging of the image, the post, the record). A command feeds it items
    /// and answers ShouldProcess between the budget and the submission.
    /// </summary>
    public sealed class SubmissionEngine
    {
        private readonly ConnectionSet _connections;
        private readonly Func<GatewayConnection, GatewayClient> _clientFor;
        private readonly ITaskJournal? _journal;
        private readonly Func<IImageStore?> _findImageStore;
        private IImageStore? _imageStore;
        private readonly Dictionary<string, StagedImage> _staged = new Dictionary<string, StagedImage>(StringComparer.Ordinal);
        private readonly NebulaVideoException? _journalError;
        private readonly bool _force;
        private readonly Dictionary<string, int> _imageNames = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        private readonly HashSet<string> _lifecycleSaid = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        private bool _costSaid;

        /// <param name="connections">The session's connections, which route each model.</param>
        /// <param name="clientFor">The command's client for a connection (one per connection for its life).</param>
        /// <param name="journal">The journal every submission is recorded in; null only with <paramref name="journalError"/>.</param>
        /// <param name="journalError">Why the journal cannot be used: then each item fails with it, since nothing is sent unjournaled.</param>
        /// <param name="force">Sends even what the journal says was sent already: pays again, on purpose.</param>
        /// <param name="maxCostUsd">The budget (-MaxCostUsd); null for none.</param>
        /// <param name="throttleLimit">The most tasks at once (-ThrottleLimit); null for the account's own pace.</param>
        /// <param name="options">The session's patience (the create policy's delays and caps).</param>
        /// <param name="imageStore">
        /// The session's image store, where a local image goes for a model that takes images only by URL; null for none
        /// (then such an image is refused). Asked only when an item needs it, so a run that stages nothing never loads a
        /// storage SDK, and a store the environment names wrongly is the error of the items that need it alone.
        /// </param>
        public SubmissionEngine(ConnectionSet connections, Func<GatewayConnection, GatewayClient> clientFor, ITaskJournal? journal,
            NebulaVideoException? journalError, bool force, decimal? maxCostUsd, int? throttleLimit, ClientOptions options,
            Func<IImageStore?>? imageStore = null)
        {
            _findImageStore = imageStore ?? (() => null);
            _connections = connections;
            _clientFor = clientFor;
            _journal = journal;
            _journalError = journalError;
            _force = force;
            Budget = new Budget(maxCostUsd);
            Pace = new AccountPace(throttleLimit, options);
        }

        public Budget Budget { get; }

        public AccountPace Pace { get; }

        /// <summary>Items sent, and those of them the journal resumed instead of paying again.</summary>
        public int Sent { get; private set; }

        public int Resumed { get; private set; }

        /// <summary>
        /// Why the journal could not record the task the last <see cref="Submit"/> created (the task was returned all the
        /// same: it exists and is paid for); null when it was recorded.
        /// </summary>
        public NebulaVideoException? Unrecorded { get; private set; }

        public ITaskJournal? Journal => _journal;

        /// <summary>
        /// Step 1: everything that can be known without sending: the model (an unknown one refused), the image's kind
        /// against the gateway, every field against the model, where a local image will be staged for a gateway that
        /// takes only URLs, the connection and body (when a key is there: -WhatIf needs none), and whether the journal
        /// holds the request already. Throws for bad input, before any upload and any money.
        /// </summary>
        public SubmissionPlan Plan(SubmissionItem item)
        {
            var model = ChooseModel(_connections, item.Model, item.Connection, item.AllowUnknownModel);
            var dialect = Dialects.Get(model.Dialect);
            var stage = item.ImageKind == ImageInputKind.File && !dialect.AcceptsInlineImages && (_imageStore ??= _findImageStore()) is not null;
            if (item.ImageKind is ImageInputKind kind && !stage) ModelCatalog.CheckImageSource(model, kind, item.ImageName!);
            var image = item.LoadImage(model);
            var staging = stage && image is not null ? StagingImage.Of(image) : null;
            // The store's address (or the content's hash) stands for the image in the fingerprint: one still, one request.
            if (staging is not null) image = image!.StagingAt(_imageStore!.PlannedLocation(staging) ?? "sha256:" + staging.Sha256);
            var request = ModelCatalog.Resolve(item.Request with { Model = model.Name, Image = image }, model);
            // A connection named is checked now; without one, planning needs no key (sending will say what is missing).
            var connection = item.Connection is null ? TryConnection(dialect) : _connections.ForDialect(dialect, item.Connection, model.Name);
            var client = connection is null ? null : _clientFor(connection);
            var prepared = client?.Prepare(request, model);
            var earlier = _force || prepared is null ? null : _journal?.FindResumable(prepared.Fingerprint);
            return new SubmissionPlan(model, request, connection, client, prepared, earlier, model.EstimateCost(request.Resolution ?? request.Size, request.Duration))
            {
                Staging = staging,
                Store = staging is null ? null : _imageStore!.Info,
            };
        }

        /// <summary>
        /// Said once per command, before spending: a model the catalog says is retired or retiring, and a video that
        /// costs more than twice its model's usual one (its default duration and resolution), worth a look in a batch of hundreds.
        /// </summary>
        public IEnumerable<string> Warnings(SubmissionPlan plan)
        {
            var model = plan.Model;
            if (model.LifecycleWarning() is string lifecycle && _lifecycleSaid.Add(model.Name))
                yield return lifecycle;
            if (_costSaid) yield break;
            var usual = model.EstimateCost(model.ResolutionOrDefault(null), model.DefaultDuration);
            if (plan.Cost is decimal cost && usual is decimal typical && typical > 0 && cost > 2 * typical)
            {
                _costSaid = true;
                yield return $"{model.Name} at {Describe(plan.Request.Duration, plan.Resolution)} costs {Money.Usd(cost)} USD a video, {(cost / typical).ToString("0.#", CultureInfo.InvariantCulture)} times its usual "
                    + $"{Money.Usd(typical)} USD ({Describe(model.DefaultDuration, model.ResolutionOrDefault(null))}). Said once per command; -WhatIf lists every price.";
            }
        }

        /// <summary>Step 2, before anyone is asked to confirm: the budget (a resumed request costs nothing new).</summary>
        public void CheckBudget(SubmissionPlan plan)
        {
            if (plan.Earlier is null) Budget.Check(plan.Cost, plan.Source);
        }

        /// <summary>-WhatIf: counts what it shows as spent, so the items after it are measured as the real run would.</summary>
        public void CountShown(SubmissionPlan plan)
        {
            if (plan.Earlier is null) Budget.Commit(plan.Cost);
        }

        /// <summary>
        /// Step 3: sends the item, journaled (a request submitted within the gateway's retention is resumed, one another
        /// live run is sending is waited for, one whose answer never arrived is refused), at the account's pace.
        /// </summary>
        public (VideoTask Task, GatewayClient Client) Submit(SubmissionPlan plan, SubmissionHost host)
        {
            var client = plan.Client ?? _clientFor(_connections.ForDialect(Dialects.Get(plan.Model.Dialect), forWhat: plan.Model.Name));
            var prepared = plan.Prepared ?? client.Prepare(plan.Request, plan.Model);
            if (_journalError is not null) throw _journalError;
            if (plan.Staging is { } staging) prepared = prepared with { Stage = ct => Stage(plan, staging, client, host, ct) };
            Unrecorded = null;
            NebulaVideoException? unrecorded = null;
            var task = Pace.Submit(ct => client.SubmitAsync(prepared, ct, _journal, _force, why => unrecorded = why), host) with { ImageOccurrence = Occurrence(plan.Request.Image) };
            Unrecorded = unrecorded;
            if (task.Resumed) Resumed++;
            else Budget.Commit(plan.Cost);
            Sent++;
            return (task, client);
        }

        /// <summary>
        /// Step 3a, only for a request really about to be posted: the image goes to the store (on the host's thread, where
        /// a script block may run; a content already there is reused) and the body is built again with its read URL.
        /// </summary>
        private async Task<StagedBody> Stage(SubmissionPlan plan, StagingImage staging, GatewayClient client, SubmissionHost host,
            CancellationToken cancellation)
        {
            var staged = await host.OnHostThread(() =>
            {
                // Once per content in a command: two rows with one still upload it (or call the script block) once.
                if (_staged.TryGetValue(staging.Sha256, out var earlier)) return earlier;
                host.Log($"Staging {staging.Path} ({staging.Bytes.Length} bytes) in the image store ({plan.Store?.Location ?? plan.Store?.Kind}).");
                host.Status($"Staging {System.IO.Path.GetFileName(staging.Path)} ({staging.Bytes.Length / 1048576.0:0.0#} MB)");
                var result = _imageStore!.Stage(staging, host.LogFromAnyThread, cancellation);
                return _staged[staging.Sha256] = result;
            }).ConfigureAwait(false);
            var request = plan.Request with { Image = plan.Request.Image!.Staged(staged.ReadUrl) };
            return new StagedBody(client.Prepare(request, plan.Model).Body, staged.Location);
        }

        /// <summary>
        /// The model asked for; with none, the default model of the connection's dialect; an unlisted model only when
        /// allowed, for the gateway of the connection named (or the default one). Estimates choose by the same rule.
        /// </summary>
        public static ModelInfo ChooseModel(ConnectionSet connections, string? model, string? connection, bool allowUnknownModel)
        {
            var catalog = ModelCatalog.Current;
            var dialect = connection is null ? connections.DefaultDialect : connections.Named(connection).Dialect;
            return model is null ? catalog.DefaultFor(dialect) : catalog.Get(model, allowUnknownModel ? dialect : null);
        }

        /// <summary>"5 s, 720p", with the gateway's defaults named where the model leaves them open.</summary>
        public static string Describe(int? duration, string? resolution) =>
            string.Join(", ", new[] { duration is int d ? $"{d} s" : "gateway's default length", resolution ?? "gateway's default resolution" });

        /// <summary>
        /// How many items of this command, this one included, came from an image of this name (harbor.png and
        /// https://.../harbor.png share one). Save-NebulaVideo gives the plain name (harbor.mp4) to the first only, so
        /// which video gets it follows the input's order, never the order in which the tasks finish.
        /// </summary>
        private int? Occurrence(ImageInput? image)
        {
            if (image is null || VideoFile.ImageName(image.DisplayName) is not string name) return null;
            _imageNames[name] = _imageNames.TryGetValue(name, out var seen) ? seen + 1 : 1;
            return _imageNames[name];
        }

        private GatewayConnection? TryConnection(IGatewayDialect dialect)
        {
            try
            {
                return _connections.ForDialect(dialect);
            }
            catch (NebulaVideoException)
            {
                return null; // -WhatIf needs no key; sending will say what is missing
            }
        }
    }
}
