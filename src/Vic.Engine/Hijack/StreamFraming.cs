using System.Buffers;
using System.Buffers.Binary;
using Vic.PortLayer;

namespace Vic.Engine.Hijack;

/// <summary>
/// Docker's stdio multiplexing for non-TTY containers: each frame is an 8-byte header (stream type, three zero
/// bytes, big-endian uint32 length) then the payload. TTY output is sent raw.
/// </summary>
internal static class StreamFraming
{
    public const int HeaderLength = 8;

    public static async ValueTask WriteAsync(Stream output, OutputStream stream, ReadOnlyMemory<byte> data, bool raw, CancellationToken cancellationToken)
    {
        if (raw)
        {
            await output.WriteAsync(data, cancellationToken);
            return;
        }
        // One write per frame keeps header and payload in the same segment for readers that peek.
        byte[] frame = ArrayPool<byte>.Shared.Rent(HeaderLength + data.Length);
        try
        {
            WriteHeader(frame, stream, data.Length);
            data.Span.CopyTo(frame.AsSpan(HeaderLength));
            await output.WriteAsync(frame.AsMemory(0, HeaderLength + data.Length), cancellationToken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(frame);
        }
    }

    public static void WriteHeader(Span<byte> header, OutputStream stream, int length)
    {
        header[0] = (byte)stream;
        header[1] = header[2] = header[3] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(header[4..8], (uint)length);
    }
}
