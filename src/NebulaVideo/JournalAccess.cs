using System;
using System.Collections.Generic;
using System.IO;
using NebulaVideo.Core;
using NebulaVideo.Core.Tasks;

namespace NebulaVideo
{
    /// <summary>How much a command depends on the journal.</summary>
    internal enum JournalMode
    {
        /// <summary>
        /// Nothing goes on without it (New-NebulaVideo sends nothing it could not record; Clear- and Get-NebulaVideoJournal
        /// exist for it): a journal that cannot be used fails each item that needs it, with its own error.
        /// </summary>
        Required,

        /// <summary>
        /// It helps when it can (Get-, Wait-, Save-NebulaVideo): a journal that cannot be used costs one warning per
        /// command, never a read or a save.
        /// </summary>
        BestEffort,
    }

    /// <summary>
    /// How a cmdlet reaches the journal: which one (-JournalPath, else the session's $NebulaVideoJournalPath, else the
    /// user's default), opened once per command, and what a journal that cannot be used does to the command (<see cref="JournalMode"/>).
    /// Journal objects are opened here only: the one place a journal kept elsewhere than in a file would be chosen.
    /// </summary>
    internal sealed class JournalAccess
    {
        private readonly NebulaVideoCmdlet _cmdlet;
        private readonly string _withoutIt;
        // Each journal this command opened, by the path it was asked for ("" for the session's or default); null once it proved unusable.
        private readonly Dictionary<string, ITaskJournal?> _journals = new Dictionary<string, ITaskJournal?>(StringComparer.Ordinal);
        private readonly ITaskJournal? _required;
        private readonly NebulaVideoException? _requiredError;

        private JournalAccess(NebulaVideoCmdlet cmdlet, JournalMode mode, string? path, string withoutIt)
        {
            _cmdlet = cmdlet;
            Mode = mode;
            _withoutIt = withoutIt;
            if (mode != JournalMode.Required) return;
            // Opened at once, so a relative path means the location the command started in; a failure waits for the
            // items that need the journal (each fails with it), so the pipeline itself goes on.
            try
            {
                _required = Open(cmdlet, path);
            }
            catch (NebulaVideoException ex)
            {
                _requiredError = ex;
            }
        }

        /// <summary>
        /// A command that cannot do without the journal <paramref name="journalPath"/> (as -JournalPath gives it; null for the
        /// session's or the default), opened now: <see cref="Journal"/> gives it, or throws why it cannot be used.
        /// </summary>
        public static JournalAccess Required(NebulaVideoCmdlet cmdlet, string? journalPath) =>
            new(cmdlet, JournalMode.Required, journalPath, string.Empty);

        /// <summary>
        /// A command the journal helps when it can, opened on first use (<see cref="Use{T}"/>); <paramref name="withoutIt"/>
        /// ends "The journal cannot be used, so ..." in the one warning the command writes when it cannot.
        /// </summary>
        public static JournalAccess BestEffort(NebulaVideoCmdlet cmdlet, string withoutIt) =>
            new(cmdlet, JournalMode.BestEffort, null, withoutIt);

        public JournalMode Mode { get; }

        /// <summary>Required: the journal; when it cannot be used, its error, thrown again for every item that asks.</summary>
        public ITaskJournal Journal => _required ?? throw (Exception?)_requiredError ?? new InvalidOperationException("A best-effort journal is reached through Use.");

        /// <summary>Required: the journal if it could be opened, else null, never an error: for what goes on without it (a -WhatIf preview).</summary>
        public ITaskJournal? Opened => _required;

        /// <summary>Required: why the journal cannot be used, for whoever fails each item with it (the submission engine); null when it can.</summary>
        public NebulaVideoException? Error => _requiredError;

        /// <summary>
        /// What <paramref name="work"/> makes of a journal, or <paramref name="otherwise"/> when it cannot be used: Required,
        /// its error is thrown; BestEffort, a warning says so (once per journal) and the journal is not tried again.
        /// <paramref name="path"/> names another journal for this call: a file's full path, used as it is (a -JournalPath
        /// the command resolved at its start, a task's own journal: <see cref="OwnJournalOf"/>); null, the command's journal.
        /// </summary>
        public T Use<T>(Func<ITaskJournal, T> work, T otherwise, string? path = null)
        {
            if (Mode == JournalMode.Required && path is null) return work(Journal);
            var key = path ?? string.Empty;
            if (_journals.TryGetValue(key, out var known) && known is null) return otherwise; // said once already
            try
            {
                var journal = known ?? (path is null ? Open(_cmdlet, null) : new TaskJournal(path));
                _journals[key] = journal;
                return work(journal);
            }
            catch (NebulaVideoException ex) when (Mode == JournalMode.BestEffort)
            {
                _journals[key] = null;
                _cmdlet.WriteWarning($"The journal cannot be used, so {_withoutIt}: {ex.Message}");
                return otherwise;
            }
        }

        /// <inheritdoc cref="Use{T}"/>
        public void Use(Action<ITaskJournal> work, string? path = null) => Use(journal =>
        {
            work(journal);
            return true;
        }, false, path);

        /// <summary>
        /// The journal that recorded a task (its JournalPath), where that is a journal file on this machine: a task read back
        /// from a file written elsewhere may name a path that means nothing here, which must neither stop the command nor
        /// create folders. Null otherwise.
        /// </summary>
        public static string? OwnJournalOf(VideoTask task) =>
            task.JournalPath is string named && File.Exists(named) && Path.IsPathRooted(named) ? named : null;

        /// <summary>The variable that moves the journal for one session (tests, or a runbook that keeps its own).</summary>
        internal const string JournalVariable = "NebulaVideoJournalPath";

        /// <summary>
        /// The journal file named, else the session's ($NebulaVideoJournalPath), else the session's journal table
        /// (Connect-NebulaVideoStorage -JournalTable, or the environment's), else the user's default file.
        /// </summary>
        public static ITaskJournal Open(NebulaVideoCmdlet cmdlet, string? path)
        {
            var parameter = path is null ? "$" + JournalVariable : "-JournalPath";
            path ??= cmdlet.GetVariableValue(JournalVariable) as string;
            if (path is null && SessionStorage.Journal is { } table) return table;
            return new TaskJournal(path is null ? TaskJournal.DefaultPath : cmdlet.FileSystemPath(path, parameter));
        }
    }
}
