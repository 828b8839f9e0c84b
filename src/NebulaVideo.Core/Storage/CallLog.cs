using System;
using System.Threading;

namespace NebulaVideo.Core.Storage
{
    /// <summary>
    /// Where the storage calls of one operation are said (a command's -Verbose): a store is made once per session, but
    /// each command that stages through it has its own verbose stream. Flows with the operation, async parts included.
    /// </summary>
    internal static class CallLog
    {
        private static readonly AsyncLocal<Action<string>?> Current = new AsyncLocal<Action<string>?>();

        /// <summary>Says the calls made until the result is disposed to <paramref name="log"/> as well.</summary>
        public static IDisposable With(Action<string>? log)
        {
            var outer = Current.Value;
            Current.Value = log;
            return new Restore(outer);
        }

        public static void Write(string message) => Current.Value?.Invoke(message);

        private sealed class Restore : IDisposable
        {
            private readonly Action<string>? _outer;

            public Restore(Action<string>? outer) => _outer = outer;

            public void Dispose() => Current.Value = _outer;
        }
    }
}
