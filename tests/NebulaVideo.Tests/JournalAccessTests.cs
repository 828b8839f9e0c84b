using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using NebulaVideo.Core;
using Xunit;

namespace NebulaVideo.Tests
{
    /// <summary>
    /// Reading and saving tasks never depend on the journal: one that cannot be used is said once per command,
    /// and every task is read or saved all the same.
    /// </summary>
    [Collection(EngineCollection.Name)]
    public sealed class JournalAccessTests
    {
        private const string Warned = "-WarningVariable warned -WarningAction SilentlyContinue; $warned | ForEach-Object { \"WARNING: $_\" }";

        private readonly EngineFixture _engine;

        public JournalAccessTests(EngineFixture engine) => _engine = engine;

        [Theory]
        [InlineData("Get-NebulaVideoTask")]
        [InlineData("Wait-NebulaVideoTask -PollIntervalSec 0.2")]
        public void Bare_ids_are_read_when_the_journal_cannot_be_used_with_one_warning_for_the_command(string command)
        {
            using var scratch = new ScratchFolder(_engine.Stills);
            var variables = Variables(scratch);
            var ids = Submit(scratch, variables);
            // A folder where the session's journal should be: the journal cannot be opened, again and again.
            variables["NebulaVideoJournalPath"] = scratch["journal-folder"];
            variables["ids"] = ids;

            var run = _engine.Run($"$ids | {command} {Warned}", variables: variables);

            Assert.Empty(run.Errors);
            Assert.Equal(ids.OrderBy(i => i), run.Objects<VideoTask>().Select(t => t.TaskId).OrderBy(i => i));
            var warning = Assert.Single(run.Objects<string>(), l => l.StartsWith("WARNING:", StringComparison.Ordinal));
            Assert.Contains("The journal cannot be used", warning, StringComparison.Ordinal);
            Assert.Contains(scratch["journal-folder"], warning, StringComparison.Ordinal);
        }

        [Fact]
        public void Videos_are_saved_when_the_journal_cannot_be_used_with_one_warning_for_the_command()
        {
            using var scratch = new ScratchFolder(_engine.Stills);
            var variables = Variables(scratch);
            var ids = Submit(scratch, variables);
            variables["ids"] = ids;

            var run = _engine.Run($"$ids | Wait-NebulaVideoTask -PollIntervalSec 0.2 | Save-NebulaVideo -Path $videos -JournalPath $folder {Warned}", variables: variables);

            Assert.Empty(run.Errors);
            Assert.Equal(ids.Length, Directory.GetFiles(scratch.Videos, "*.mp4").Length);
            var warning = Assert.Single(run.Objects<string>(), l => l.StartsWith("WARNING:", StringComparison.Ordinal));
            Assert.StartsWith("WARNING: The journal cannot be used, so saved videos are neither looked up nor recorded in it", warning, StringComparison.Ordinal);
        }

        [Fact]
        public void A_usable_journal_costs_no_warning_and_completes_bare_ids()
        {
            using var scratch = new ScratchFolder(_engine.Stills);
            var variables = Variables(scratch);
            var ids = Submit(scratch, variables);
            variables["NebulaVideoJournalPath"] = scratch["runs.journal"];
            variables["ids"] = ids;

            var run = _engine.Run($"$ids | Get-NebulaVideoTask {Warned}", variables: variables);

            Assert.Empty(run.Errors);
            Assert.DoesNotContain(run.Objects<string>(), l => l.StartsWith("WARNING:", StringComparison.Ordinal));
            Assert.All(run.Objects<VideoTask>(), t => Assert.Equal("journal access", t.Prompt));
        }

        /// <summary>Two tasks submitted and journaled in runs.journal; their ids.</summary>
        private string[] Submit(ScratchFolder scratch, Dictionary<string, object?> variables)
        {
            var submitted = _engine.Run("Get-ChildItem $stills -Filter *.png | Select-Object -First 2 | New-NebulaVideo -Prompt 'journal access' -JournalPath $journal",
                variables: variables);
            Assert.Empty(submitted.Errors);
            var ids = submitted.Objects<VideoTask>().Select(t => t.TaskId).ToArray();
            Assert.Equal(2, ids.Length);
            return ids;
        }

        private static Dictionary<string, object?> Variables(ScratchFolder scratch)
        {
            Directory.CreateDirectory(scratch["journal-folder"]);
            return new Dictionary<string, object?>
            {
                ["stills"] = scratch.Stills,
                ["videos"] = scratch.Videos,
                ["journal"] = scratch["runs.journal"],
                ["folder"] = scratch["journal-folder"],
            };
        }
    }
}
