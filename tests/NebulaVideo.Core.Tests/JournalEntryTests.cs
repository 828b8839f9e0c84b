using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using NebulaVideo.Core.Tasks;
using Xunit;

namespace NebulaVideo.Core.Tests
{
    /// <summary>What a rerun needs of a task survives the journal: into a record, onto its line, and back into a task.</summary>
    public sealed class JournalEntryTests : IDisposable
    {
        // The journal's own bookkeeping, not facts of the task: every other property of a record is one.
        private static readonly string[] JournalOnly =
        {
            nameof(JournalEntry.Fingerprint), nameof(JournalEntry.State), nameof(JournalEntry.TaskId), nameof(JournalEntry.At),
            nameof(JournalEntry.SavedTo), nameof(JournalEntry.Owner), nameof(JournalEntry.Outcome), nameof(JournalEntry.Answer),
        };

        private readonly string _folder = Directory.CreateTempSubdirectory("nebulavideo-entry-").FullName;

        public void Dispose() => Directory.Delete(_folder, recursive: true);

        [Fact]
        public void Every_fact_of_a_record_goes_into_a_task_and_back_unchanged()
        {
            var entry = Filled(new JournalEntry("fp", JournalState.Submitted, "video_1", null, null, DateTimeOffset.UtcNow.AddMinutes(-5)));

            var task = entry.ToTask();
            var again = JournalEntry.Submitting(entry.Fingerprint, task);

            Assert.Equal("video_1", task.TaskId);
            Assert.Equal(entry.At, task.SubmittedAt);
            var facts = Properties().Where(p => !JournalOnly.Contains(p.Name)).ToList();
            Assert.NotEmpty(facts);
            Assert.All(facts, p => Assert.Equal(p.GetValue(entry), p.GetValue(again)));
        }

        [Fact]
        public void A_task_as_submitted_is_what_a_rerun_reads_back_from_its_record()
        {
            var submitted = new VideoTask
            {
                Model = "sora-2", Prompt = "waves", SourceImage = "/stills/harbor.png", Duration = 8, Resolution = "1280x720",
                EstimatedCostUsd = 0.4m, Gateway = new Uri("https://llm.ai-nebula.com/"), Connection = "nebula", Dialect = "Nebula",
            };

            var record = JournalEntry.Submitting("fp", submitted).Submitted("video_1");
            var read = record.ToTask();

            Assert.Equal((JournalState.Submitted, "video_1"), (record.State, record.TaskId));
            Assert.Equal(submitted with { TaskId = "video_1", ProviderStatus = "unknown", SubmittedAt = record.At }, read);
        }

        [Fact]
        public void A_task_that_lost_what_its_submitter_knew_gets_it_back_and_keeps_what_it_knows()
        {
            var record = JournalEntry.Submitting("fp", new VideoTask
            {
                Model = "wan2.5-i2v-preview", Prompt = "recorded prompt", SourceImage = "/stills/tower.png", Duration = 5,
                Gateway = new Uri("https://llm.ai-nebula.com/"), Connection = "nebula", Dialect = "Nebula",
            }).Submitted("task-1");
            var bare = new VideoTask { TaskId = "task-1", Prompt = "its own prompt", ProviderStatus = "unknown" };

            var recovered = record.Fill(bare);

            Assert.Equal("its own prompt", recovered.Prompt);
            Assert.Equal(("wan2.5-i2v-preview", "/stills/tower.png", 5), (recovered.Model, recovered.SourceImage, recovered.Duration));
            Assert.Equal((new Uri("https://llm.ai-nebula.com/"), "nebula", "Nebula"), (recovered.Gateway, recovered.Connection, recovered.Dialect));
            Assert.Equal(record.At, recovered.SubmittedAt);
        }

        [Fact]
        public void A_resumed_task_takes_its_id_and_time_from_the_record()
        {
            var asKnown = new VideoTask { Model = "sora-2", Prompt = "waves", SubmittedAt = DateTimeOffset.UtcNow };
            var record = JournalEntry.Submitting("fp", asKnown).Submitted("video_1") with { At = DateTimeOffset.UtcNow.AddHours(-1) };

            var resumed = record.Resume(asKnown);

            Assert.Equal(asKnown with { TaskId = "video_1", SubmittedAt = record.At, Resumed = true }, resumed);
        }

        [Fact]
        public void Every_field_of_a_record_survives_its_line()
        {
            var entry = Filled(new JournalEntry("fp", JournalState.Unanswered, "video_1", null, null, new DateTimeOffset(2026, 11, 23, 8, 30, 0, TimeSpan.Zero)));

            var line = JournalLine.Serialize(entry);

            Assert.DoesNotContain('\n', line);
            Assert.Equal(entry, JournalLine.Parse(line));
        }

        [Fact]
        public void Saved_lines_written_before_saved_records_had_a_key_of_their_own_still_load_and_are_written_alike()
        {
            var file = Path.Combine(_folder, "old.journal");
            File.WriteAllText(file,
                "{\"fingerprint\":\"3fa8c2d1e0b4\",\"state\":\"Submitted\",\"task_id\":\"video_1\",\"model\":\"sora-2\",\"at\":\"" + DateTimeOffset.UtcNow.AddHours(-1).ToString("o") + "\"}\n"
                + "{\"fingerprint\":\"saved:video_1\",\"state\":\"Saved\",\"task_id\":\"video_1\",\"model\":\"sora-2\",\"saved_to\":\"/videos/harbor.mp4\",\"at\":\"" + DateTimeOffset.UtcNow.ToString("o") + "\"}\n");
            var journal = new TaskJournal(file);

            Assert.Equal("/videos/harbor.mp4", journal.SavedTo("video_1"));
            Assert.Equal("video_1", journal.FindTask("video_1")!.TaskId);
            Assert.Equal(new[] { JournalState.Submitted, JournalState.Saved }, journal.Entries().Select(e => e.State));

            journal.RecordSaved(new VideoTask { TaskId = "video_2", Model = "sora-2" }, "/videos/tower.mp4");
            Assert.StartsWith("{\"fingerprint\":\"saved:video_2\",\"state\":\"Saved\",\"task_id\":\"video_2\"", File.ReadLines(file).Last());
            Assert.Equal("/videos/tower.mp4", new TaskJournal(file).SavedTo("video_2"));
        }

        private static IEnumerable<PropertyInfo> Properties() =>
            typeof(JournalEntry).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite);

        /// <summary>The record with every property that is not set given a value of its type: a new field is covered without editing the tests.</summary>
        private static JournalEntry Filled(JournalEntry entry)
        {
            foreach (var property in Properties())
            {
                if (property.GetValue(entry) is not null) continue;
                var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
                object value =
                    type == typeof(string) ? property.Name.ToLowerInvariant() + "-value"
                    : type == typeof(int) ? 7
                    : type == typeof(decimal) ? 0.25m
                    : type == typeof(Uri) ? new Uri("https://gateway.example/v1/")
                    : throw new InvalidOperationException($"Give {property.Name} ({type.Name}) a sample value here.");
                property.SetValue(entry, value);
            }
            return entry;
        }
    }
}
