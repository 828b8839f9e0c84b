using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace NebulaVideo.Core.Http
{
    /// <summary>
    /// The deadline of one attempt: re-armed before each wait (for the answer's headers, for each piece of
    /// its body), so a gateway that stops answering is given up on after the request timeout while a long
    /// download that keeps moving is never cut. Cancellation by the caller (Ctrl+C) stays what it is.
    /// </summary>
    internal sealed class AttemptDeadline : IDisposable
    {
        private readonly CancellationToken _caller;
        private readonly CancellationTokenSource _source;
        private readonly TimeSpan _timeout;

        public AttemptDeadline(TimeSpan timeout, CancellationToken caller)
        {
            _caller = caller;
            _timeout = timeout;
            _source = CancellationTokenSource.CreateLinkedTokenSource(caller);
        }

        /// <summary>Starts (or restarts) the clock and hands out the token to wait with.</summary>
        public CancellationToken Arm()
        {
            _source.CancelAfter(_timeout);
            return _source.Token;
        }

        /// <summary>Runs one wait under the deadline; its expiry becomes an <see cref="AttemptTimeoutException"/>.</summary>
        public async Task<T> Within<T>(Func<CancellationToken, Task<T>> wait)
        {
            try
            {
                return await wait(Arm()).ConfigureAwait(false);
            }
            catch (OperationCanceledException ex) when (!_caller.IsCancellationRequested)
            {
                throw new AttemptTimeoutException(ex);
            }
        }

        /// <summary>A body stream whose every read must make progress within the timeout.</summary>
        public Stream Guard(Stream body) => new GuardedStream(body, this);

        public void Dispose() => _source.Dispose();

        private sealed class GuardedStream : Stream
        {
            private readonly Stream _inner;
            private readonly AttemptDeadline _deadline;

            public GuardedStream(Stream inner, AttemptDeadline deadline)
            {
                _inner = inner;
                _deadline = deadline;
            }

            public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
                _deadline.Within(token => _inner.ReadAsync(buffer, offset, count, token));

            public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

            public override bool CanRead => true;
            public override bool CanSeek => false;
            public override bool CanWrite => false;
            public override long Length => throw new NotSupportedException();
            public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
            public override void Flush() { }
            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
            public override void SetLength(long value) => throw new NotSupportedException();
            public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

            protected override void Dispose(bool disposing)
            {
                if (disposing) _inner.Dispose();
                base.Dispose(disposing);
            }
        }
    }
}
