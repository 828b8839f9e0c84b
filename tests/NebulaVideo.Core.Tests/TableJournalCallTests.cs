using System;
using System.Collections.Concurrent;
using System.Linq;
using NebulaVideo.Core.Http;
using NebulaVideo.Core.Tasks;
using NebulaVideo.Tests.Shared;
using Xunit;

namespace NebulaVideo.Core.Tests
{
    /// <summary>
    /// How many storage calls the table journal makes for a saved video: a runbook records one per video, thousands of
    /// them, each a round trip to the table service (issue 16's 10,000-image sandbox).
    /// </summary>
    public sealed class TableJournalCallTests : IDisposable
    {
        private readonly string _table = TestStorage.NewName("calls");
        private readonly ConcurrentQueue<string> _log = new ConcurrentQueue<string>();
        private TableJournal? _first;
        private TableJournal? _second;

        // The table service's calls as the journal's log says them ("GET http://...: 200 OK in 3 ms"), from now on.
        private string[] CallsSince(int count) => _log.Skip(count)
            .Where(line => line.StartsWith("GET ", StringComparison.Ordinal) || line.StartsWith("POST ", StringComparison.Ordinal)
                || line.StartsWith("PUT ", StringComparison.Ordinal) || line.StartsWith("PATCH ", StringComparison.Ordinal)
                || line.StartsWith("MERGE ", StringComparison.Ordinal))
            .ToArray();

        [StorageFact]
        public void A_new_saved_video_is_one_insert_and_saving_it_again_from_another_run_replaces_it()
        {
            _first = TableJournal.FromConnectionString(TestStorage.ConnectionString!, _table, ClientOptions.Default, _log.Enqueue);
            _second = TableJournal.FromConnectionString(TestStorage.ConnectionString!, _table, ClientOptions.Default, _log.Enqueue);
            var task = new VideoTask { TaskId = "video_1", Model = "sora-2" };

            var before = _log.Count;
            _first.RecordSaved(task, "https://account.blob.core.windows.net/videos/one.mp4");
            var calls = CallsSince(before);

            Assert.Single(calls);
            Assert.StartsWith("POST ", calls[0], StringComparison.Ordinal);
            Assert.Equal("https://account.blob.core.windows.net/videos/one.mp4", _second.SavedTo("video_1"));

            // Saved again by another run (a rerun with -Force, a peer): the row is there, so it is read and replaced.
            before = _log.Count;
            _second.RecordSaved(task, "https://account.blob.core.windows.net/videos/one-again.mp4");

            Assert.Equal(new[] { "POST", "GET", "PUT" }, CallsSince(before).Select(line => line.Split(' ')[0]));
            Assert.Equal("https://account.blob.core.windows.net/videos/one-again.mp4", _first.SavedTo("video_1"));
        }

        public void Dispose()
        {
            _first?.Dispose();
            _second?.Dispose();
        }
    }
}
