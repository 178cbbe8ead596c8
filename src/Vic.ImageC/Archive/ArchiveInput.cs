using Vic.ImageC.Layers;

namespace Vic.ImageC.Archive;

/// <summary>docker load accepts a plain tar or one compressed whole (docker save | gzip); this undoes the compression.</summary>
internal static class ArchiveInput
{
    public static async Task<Stream> OpenAsync(Stream archive, CancellationToken cancellationToken)
    {
        byte[] head = new byte[6];
        int read = await archive.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken);
        var whole = new PrefixedReadStream(head.AsMemory(0, read), archive);
        var compression = await LayerDecompressor.DetectAsync(new MemoryStream(head, 0, read), cancellationToken);
        return LayerDecompressor.OpenDecompressed(whole, compression);
    }

    /// <summary>Replays bytes already read from a non-seekable stream, then continues with the stream.</summary>
    private sealed class PrefixedReadStream(ReadOnlyMemory<byte> prefix, Stream rest) : Stream
    {
        private ReadOnlyMemory<byte> _prefix = prefix;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_prefix.IsEmpty)
            {
                return rest.Read(buffer);
            }
            int n = Math.Min(buffer.Length, _prefix.Length);
            _prefix.Span[..n].CopyTo(buffer);
            _prefix = _prefix[n..];
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            _prefix.IsEmpty ? rest.ReadAsync(buffer, cancellationToken) : ValueTask.FromResult(Read(buffer.Span));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
