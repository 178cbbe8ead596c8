using Microsoft.Win32.SafeHandles;
using Vic.Tether.Protocol;

namespace Vic.PortLayer.Qemu.Logs;

/// <summary>
/// Reads <see cref="LogRecord"/> frames from output.log with positional reads, so it streams a file of any size
/// and keeps working while QEMU appends. A frame whose bytes are not all there yet is left for the next call.
/// </summary>
internal sealed class LogFileReader : IDisposable
{
    private readonly SafeFileHandle _file;
    private byte[] _buffer = new byte[64 * 1024];
    private int _count; // bytes of the file from Offset held in _buffer

    private LogFileReader(SafeFileHandle file, long offset)
    {
        _file = file;
        Offset = offset;
    }

    /// <summary>File offset just past the last whole record returned.</summary>
    public long Offset { get; private set; }

    /// <summary>Set when a header is impossible (unknown kind, oversized): the rest of the file is not readable as frames.</summary>
    public bool Corrupt { get; private set; }

    /// <summary>Opens the log at <paramref name="offset"/>; null when the file does not exist (nothing was ever written).</summary>
    public static LogFileReader? Open(string path, long offset)
    {
        try
        {
            var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete,
                FileOptions.Asynchronous);
            return new LogFileReader(handle, offset);
        }
        catch (FileNotFoundException) { return null; }
        catch (DirectoryNotFoundException) { return null; }
    }

    public long FileLength => RandomAccess.GetLength(_file);

    /// <summary>The next whole record, or null at the (current) end of the file.</summary>
    public async ValueTask<LogRecord?> ReadNextAsync(CancellationToken cancellationToken)
    {
        if (Corrupt)
            return null;
        if (!await FillAsync(LogRecord.HeaderLength, cancellationToken))
            return null;
        if (!LogRecord.TryReadHeader(_buffer.AsSpan(0, LogRecord.HeaderLength), out LogRecordKind kind, out int length, out long timestamp))
        {
            Corrupt = true;
            return null;
        }
        int total = LogRecord.HeaderLength + length;
        if (!await FillAsync(total, cancellationToken))
            return null;
        byte[] payload = _buffer.AsSpan(LogRecord.HeaderLength, length).ToArray();
        Consume(total);
        return new LogRecord(kind, timestamp, payload);
    }

    /// <summary>Ensures <paramref name="needed"/> bytes from <see cref="Offset"/> are buffered; false when the file is shorter.</summary>
    private async ValueTask<bool> FillAsync(int needed, CancellationToken cancellationToken)
    {
        if (_count >= needed)
            return true;
        if (_buffer.Length < needed)
            Array.Resize(ref _buffer, Math.Max(needed, _buffer.Length * 2));
        while (_count < needed)
        {
            int read = await RandomAccess.ReadAsync(_file, _buffer.AsMemory(_count), Offset + _count, cancellationToken);
            if (read == 0)
                return false;
            _count += read;
        }
        return true;
    }

    private void Consume(int bytes)
    {
        Buffer.BlockCopy(_buffer, bytes, _buffer, 0, _count - bytes);
        _count -= bytes;
        Offset += bytes;
    }

    public void Dispose() => _file.Dispose();
}
