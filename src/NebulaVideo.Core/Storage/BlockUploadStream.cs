using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace NebulaVideo.Core.Storage
{
    /// <summary>
    /// What a download writes into when the video goes to a blob: bytes are gathered into blocks of
    /// <see cref="BlockSize"/> and each full block is staged at once, so memory stays one block whatever the
    /// video's size. Nothing is visible in the container until the owner commits <see cref="BlockIds"/>; a
    /// download that starts over (SetLength(0)) drops what it staged, which the service discards uncommitted.
    /// </summary>
    internal sealed class BlockUploadStream : Stream
    {
        /// <summary>4 MiB: few requests for a large video, and one request (no block at all) for most.</summary>
        public const int BlockSize = 4 * 1024 * 1024;

        private readonly Action<string, byte[], int> _stage;
        private readonly List<string> _blockIds = new List<string>();
        private readonly byte[] _head = new byte[8];
        private byte[]? _buffer;
        private int _buffered;
        private long _length;
        private string _attempt = NewAttempt();

        /// <param name="stage">Stages one block (its id, the buffer, the count): one storage call, retried by the caller.</param>
        public BlockUploadStream(Action<string, byte[], int> stage)
        {
            _stage = stage;
        }

        /// <summary>The blocks staged so far, in order. Empty while the whole video still fits in the buffer.</summary>
        public IReadOnlyList<string> BlockIds => _blockIds;

        /// <summary>The bytes not staged yet: the whole video when <see cref="BlockIds"/> is empty, else its last block.</summary>
        public byte[] Pending => _buffer ?? Array.Empty<byte>();

        public int PendingCount => _buffered;

        /// <summary>True when the first bytes are an MP4's: a box whose type is 'ftyp'.</summary>
        public bool StartsLikeMp4 => _length >= 8 && _head[4] == (byte)'f' && _head[5] == (byte)'t' && _head[6] == (byte)'y' && _head[7] == (byte)'p';

        /// <summary>
        /// Stages the last block if the video did not fit in one (or <paramref name="asBlocks"/>); afterwards
        /// <see cref="Pending"/> is empty, or the whole video for one request.
        /// </summary>
        public void Finish(bool asBlocks = false)
        {
            if ((asBlocks || _blockIds.Count > 0) && _buffered > 0) StageBuffer();
        }

        public override void Write(byte[] buffer, int offset, int count)
        {
            for (var i = 0; i < 8 - _length && i < count; i++) _head[_length + i] = buffer[offset + i];
            _length += count;
            while (count > 0)
            {
                _buffer ??= ArrayPool<byte>.Shared.Rent(BlockSize);
                if (_buffered == BlockSize) StageBuffer();
                var take = Math.Min(count, BlockSize - _buffered);
                Buffer.BlockCopy(buffer, offset, _buffer, _buffered, take);
                _buffered += take;
                offset += take;
                count -= take;
            }
        }

        private void StageBuffer()
        {
            // Every id of a blob has one length; a fresh attempt never meets the blocks of the one before.
            var id = Convert.ToBase64String(Encoding.ASCII.GetBytes($"{_attempt}-{_blockIds.Count:D6}"));
            _stage(id, _buffer!, _buffered);
            _blockIds.Add(id);
            _buffered = 0;
        }

        public override void SetLength(long value)
        {
            if (value != 0) throw new NotSupportedException("A block upload can only start over.");
            _blockIds.Clear();
            _buffered = 0;
            _length = 0;
            _attempt = NewAttempt();
        }

        private static string NewAttempt() => Guid.NewGuid().ToString("N");

        public override long Length => _length;

        public override long Position
        {
            get => _length;
            set
            {
                if (value != _length) throw new NotSupportedException("A block upload is written from start to end.");
            }
        }

        public override bool CanRead => false;
        public override bool CanSeek => true;
        public override bool CanWrite => true;
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) =>
            origin == SeekOrigin.Begin ? Position = offset : throw new NotSupportedException("A block upload is written from start to end.");

        protected override void Dispose(bool disposing)
        {
            if (_buffer is not null) ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
            base.Dispose(disposing);
        }
    }
}
