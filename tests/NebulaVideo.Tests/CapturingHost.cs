using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;
using System.Text;

namespace NebulaVideo.Tests
{
    /// <summary>
    /// A PowerShell host that records what would reach the screen (What if: lines, progress) and refuses to
    /// prompt, as an unattended runbook host does.
    /// </summary>
    public sealed class CapturingHost : PSHost
    {
        private readonly CapturingUserInterface _ui = new CapturingUserInterface();

        /// <summary>The label of the choice to give when asked (e.g. "No" to a -Confirm prompt); null refuses to prompt.</summary>
        public string? Answer { get => _ui.Answer; set => _ui.Answer = value; }

        public string Text => _ui.Text;
        public IReadOnlyCollection<ProgressRecord> Progress => _ui.Progress;

        public override CultureInfo CurrentCulture => CultureInfo.InvariantCulture;
        public override CultureInfo CurrentUICulture => CultureInfo.InvariantCulture;
        public override Guid InstanceId { get; } = Guid.NewGuid();
        public override string Name => "NebulaVideo.Tests";
        public override PSHostUserInterface UI => _ui;
        public override Version Version => new Version(1, 0);
        public override void EnterNestedPrompt() => throw new NotSupportedException();
        public override void ExitNestedPrompt() => throw new NotSupportedException();
        public override void NotifyBeginApplication() { }
        public override void NotifyEndApplication() { }
        public override void SetShouldExit(int exitCode) { }

        private sealed class CapturingUserInterface : PSHostUserInterface
        {
            private readonly StringBuilder _text = new StringBuilder();
            private readonly ConcurrentQueue<ProgressRecord> _progress = new ConcurrentQueue<ProgressRecord>();

            public string? Answer { get; set; }

            public string Text { get { lock (_text) return _text.ToString(); } }
            public IReadOnlyCollection<ProgressRecord> Progress => _progress.ToArray();

            public override PSHostRawUserInterface? RawUI => null;

            private void Append(string value) { lock (_text) _text.Append(value); }

            public override void Write(string value) => Append(value);
            public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) => Append(value);
            public override void WriteLine(string value) => Append(value + "\n");
            public override void WriteErrorLine(string value) => Append(value + "\n");
            public override void WriteDebugLine(string message) => Append(message + "\n");
            public override void WriteVerboseLine(string message) => Append(message + "\n");
            public override void WriteWarningLine(string message) => Append(message + "\n");
            public override void WriteProgress(long sourceId, ProgressRecord record) => _progress.Enqueue(record);

            private static Exception NoPrompts() => new PSInvalidOperationException("The test host never prompts.");
            public override Dictionary<string, PSObject> Prompt(string caption, string message, Collection<FieldDescription> descriptions) => throw NoPrompts();
            public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices, int defaultChoice)
            {
                if (Answer is null) throw NoPrompts();
                Append(caption + "\n" + message + "\n");
                for (var i = 0; i < choices.Count; i++)
                    if (choices[i].Label.Replace("&", string.Empty) == Answer) return i;
                throw new PSArgumentException($"No choice labelled {Answer}.");
            }
            public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) => throw NoPrompts();
            public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName, PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) => throw NoPrompts();
            public override string ReadLine() => throw NoPrompts();
            public override SecureString ReadLineAsSecureString() => throw NoPrompts();
        }
    }
}
