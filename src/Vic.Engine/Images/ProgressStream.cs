using Vic.Engine.Http;
using Vic.Engine.Models;

namespace Vic.Engine.Images;

/// <summary>
/// A read-only stream that reports how much of it was read as dockerd's "Importing" progress messages (no id; the total
/// only when the server gave a length). Reports are spaced by 1 % of the total or 512 KiB, whichever is larger, plus
/// one at the end, so a large download does not flood the client.
/// </summary>
internal sealed class ProgressStream(Stream inner, long total, Action<JsonMessage> report) : Stream
{
    private const long MinStep = 512 * 1024;
    private readonly long _step = Math.Max(MinStep, total > 0 ? total / 100 : 0);
    private long _read;
    private long _reported = -1;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int n = await inner.ReadAsync(buffer, cancellationToken);
        Advance(n);
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count)
    {
        int n = inner.Read(buffer, offset, count);
        Advance(n);
        return n;
    }

    private void Advance(int n)
    {
        _read += n;
        if (n > 0 && _read - _reported < _step && _read != total)
            return;
        if (_read == _reported)
            return;
        _reported = _read;
        report(new JsonMessage
        {
            Status = "Importing",
            ProgressDetail = new ProgressDetail { Current = _read, Total = total > 0 ? total : null },
            Progress = total > 0 ? JsonMessageStream.Bar(_read, total) : null,
        });
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            inner.Dispose();
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync();
        await base.DisposeAsync();
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _read; set => throw new NotSupportedException(); }
    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
