using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Reflection;
using NebulaVideo.Commands;
using NebulaVideo.Core;

namespace NebulaVideo
{
    /// <summary>
    /// The columns of a piped row (Import-Csv, ConvertFrom-Json) as New-NebulaVideo binds them, read from its own
    /// parameter metadata: Measure-NebulaVideoCost prices a row by exactly the values New-NebulaVideo would send, and a
    /// column that binds to nothing is caught, because a value that silently falls away is paid for at a default.
    /// </summary>
    internal sealed class PipelineColumns
    {
        // Properties a file from Get-ChildItem carries on Unix (its length, its owner) that share a name with a
        // parameter: from a file they are the file's, never the user's choice of frame size or end user.
        private static readonly HashSet<string> FileOwnProperties = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "Size", "User" };

        // A task read back from a file (Import-Csv of tasks) may be piped in to submit it again: its own fields are expected.
        private static readonly HashSet<string> TaskFields = new HashSet<string>(
            typeof(VideoTask).GetProperties().Select(p => p.Name), StringComparer.OrdinalIgnoreCase);

        /// <summary>New-NebulaVideo's columns (declared after the tables above, which its constructor reads).</summary>
        public static readonly PipelineColumns NewVideo = new PipelineColumns(typeof(NewNebulaVideoCommand));

        private readonly Dictionary<string, string[]> _namesByParameter = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase);
        private readonly Dictionary<string, string> _bindable = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        private readonly Dictionary<string, string> _commandLineOnly = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

        // What each column name is (bound, the user's own data, or a mistake): the same for every row, so decided once.
        private readonly ConcurrentDictionary<string, NebulaVideoException?> _verdicts = new ConcurrentDictionary<string, NebulaVideoException?>(StringComparer.OrdinalIgnoreCase);
        private readonly string _cmdlet;

        private PipelineColumns(Type cmdlet)
        {
            var attribute = cmdlet.GetCustomAttribute<CmdletAttribute>()!;
            _cmdlet = $"{attribute.VerbName}-{attribute.NounName}";
            foreach (var property in cmdlet.GetProperties())
            {
                var parameters = property.GetCustomAttributes<ParameterAttribute>().ToList();
                if (parameters.Count == 0) continue;
                var names = new[] { property.Name }.Concat(property.GetCustomAttributes<AliasAttribute>().SelectMany(a => a.AliasNames)).ToArray();
                _namesByParameter[property.Name] = names;
                var byName = parameters.Any(p => p.ValueFromPipelineByPropertyName);
                foreach (var name in names) (byName ? _bindable : _commandLineOnly)[name] = property.Name;
            }
            // -Verbose, -WhatIf...: a column of that name is no more a per-row setting than -MaxCostUsd is.
            foreach (var common in Cmdlet.CommonParameters.Concat(Cmdlet.OptionalCommonParameters)) _commandLineOnly[common] = common;
        }

        /// <summary>
        /// The text New-NebulaVideo binds to <paramref name="parameter"/> from a piped object: its property of that
        /// name, else of one of its aliases, as PowerShell's binder looks them up; null when absent or empty.
        /// </summary>
        public string? Text(PSObject item, string parameter)
        {
            if (item.BaseObject is FileSystemInfo && FileOwnProperties.Contains(parameter)) return null;
            foreach (var name in _namesByParameter[parameter])
                if (item.Properties[name]?.Value is { } value && NullIfEmptyAttribute.Unwrap(value)?.ToString() is { } text && !string.IsNullOrWhiteSpace(text))
                    return text;
            return null;
        }

        /// <summary>The warning, once per command, that names the columns no parameter took.</summary>
        public string Ignored(IEnumerable<string> columns) =>
            $"The column(s) {string.Join(", ", columns)} of the piped rows bind to no parameter of {_cmdlet} and were ignored. "
            + $"Get-Help {_cmdlet} -Parameter * lists the columns a row can give.";

        /// <summary>True when the object is a row of data (Import-Csv, ConvertFrom-Json), whose every column is the user's.</summary>
        public static bool IsRow(PSObject? item) => item?.BaseObject is PSCustomObject;

        /// <summary>
        /// A row's columns that bind to no parameter. A column that names a parameter taken only on the command line, or is
        /// one typo away from a parameter's name, is a mistake that would change what is paid for (ColumnNotBound, the row's
        /// error); any other is simply the user's own data, said once per command as <paramref name="ignored"/>.
        /// </summary>
        public void Check(PSObject row, ICollection<string> ignored)
        {
            foreach (var property in row.Properties)
            {
                var column = property.Name;
                if (_bindable.ContainsKey(column) || TaskFields.Contains(column)) continue;
                if (_verdicts.GetOrAdd(column, Mistake) is { } mistake)
                    throw new NebulaVideoException(mistake.Id, mistake.Message, row, mistake.RecommendedAction);
                if (!ignored.Contains(column)) ignored.Add(column);
            }
        }

        // A column that binds to nothing is a mistake when it names a command-line-only parameter or is a typo of one that binds.
        private NebulaVideoException? Mistake(string column)
        {
            if (_commandLineOnly.TryGetValue(column, out var parameter))
                return new NebulaVideoException(ErrorIds.ColumnNotBound,
                    $"The column '{column}' names -{parameter}, which {_cmdlet} takes only on the command line, not from a row.", null,
                    $"Remove the column and give -{parameter} on the command line, or run the rows that need it as a command of their own.");
            return NearestName.Closest(column, _bindable.Keys) is string meant
                ? new NebulaVideoException(ErrorIds.ColumnNotBound,
                    $"The column '{column}' binds to no parameter of {_cmdlet}; did you mean '{meant}'? Its values would be ignored and the default used.", null,
                    $"Rename the column to '{meant}'.")
                : null;
        }
    }
}
