using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Vic.Engine.Hijack;

/// <summary>
/// Kestrel connection middleware. Kestrel will not upgrade a request that has a body, and docker clients send
/// hijacked requests (attach; exec start with its JSON body) on a fresh connection with <c>Upgrade: tcp</c>.
/// So the first request of each connection is peeked: a hijack is served here, anything else is handed to
/// Kestrel's HTTP pipeline with the peeked bytes left unconsumed in the transport.
/// </summary>
internal sealed partial class HijackConnectionHandler(ConnectionDelegate next, Func<IServiceProvider> services)
{
    private static readonly TimeSpan PeekTimeout = TimeSpan.FromSeconds(10);

    private static ReadOnlySpan<byte> Post => "POST "u8;

    public async Task OnConnectionAsync(ConnectionContext connection)
    {
        RawHttpRequest? hijack;
        try
        {
            hijack = await PeekAsync(connection.Transport.Input);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ConnectionResetException)
        {
            return; // A hijack request whose body never arrived: nothing sensible to answer.
        }
        if (hijack is null)
        {
            await next(connection);
            return;
        }
        var provider = services();
        try
        {
            if (ExecHijack.Matches(hijack.UnversionedPath()))
                await provider.GetRequiredService<ExecHijack>().ServeAsync(connection, hijack);
            else
                await provider.GetRequiredService<AttachHijack>().ServeAsync(connection, hijack);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ConnectionResetException)
        {
            LogConnectionLost(provider.GetRequiredService<ILogger<HijackConnectionHandler>>(), connection.ConnectionId, e.Message);
        }
        finally
        {
            await connection.Transport.Output.CompleteAsync();
            await connection.Transport.Input.CompleteAsync();
        }
    }

    /// <summary>Returns the hijack request with its head and body consumed, or null having consumed nothing.</summary>
    /// <remarks>
    /// Kestrel's ConnectionClosed token is not used: it fires on the client's half-close, which a hijacking client
    /// may send right after its request. A connection that is really gone completes the read instead.
    /// </remarks>
    private static async Task<RawHttpRequest?> PeekAsync(PipeReader input)
    {
        using var timeout = new CancellationTokenSource(PeekTimeout);
        bool examinedPartialHead = false;
        while (true)
        {
            ReadResult result;
            try
            {
                result = await input.ReadAsync(timeout.Token);
            }
            catch (Exception e) when (!examinedPartialHead && e is OperationCanceledException or IOException or ConnectionResetException)
            {
                return null; // Kestrel applies its own timeouts, and meets the same broken connection, from here.
            }
            // Once part of a head was marked examined, Kestrel's first read would wait for bytes beyond it that a
            // stalled client never sends: such a connection is closed (by the caller's catch) instead of handed on.
            var buffer = result.Buffer;
            var (decision, request, headLength) = Inspect(buffer);
            if (decision == Decision.NeedMore && (result.IsCompleted || buffer.Length > RawHttpRequest.MaxHeadLength))
                decision = Decision.NotHijack;
            switch (decision)
            {
                case Decision.NotHijack:
                    // Nothing consumed or examined: Kestrel's first read returns these same bytes at once.
                    input.AdvanceTo(buffer.Start);
                    return null;
                case Decision.Hijack:
                    input.AdvanceTo(buffer.GetPosition(headLength));
                    byte[] body = await ReadBodyAsync(input, request!.ContentLength, timeout.Token);
                    return request with { Body = body };
                default:
                    input.AdvanceTo(buffer.Start, buffer.End);
                    examinedPartialHead = true;
                    break;
            }
        }
    }

    private static (Decision, RawHttpRequest?, long) Inspect(ReadOnlySequence<byte> buffer)
    {
        int prefix = (int)Math.Min(buffer.Length, Post.Length);
        Span<byte> start = stackalloc byte[Post.Length];
        buffer.Slice(0, prefix).CopyTo(start);
        if (!start[..prefix].SequenceEqual(Post[..prefix]))
            return (Decision.NotHijack, null, 0);
        long headLength = RawHttpRequest.FindHeadEnd(buffer);
        if (headLength < 0)
            return (Decision.NeedMore, null, 0);
        var request = RawHttpRequest.Parse(buffer.Slice(0, headLength));
        bool hijack = request is not null && request.WantsTcpUpgrade
            && (AttachHijack.Matches(request.UnversionedPath()) || ExecHijack.Matches(request.UnversionedPath()));
        return hijack ? (Decision.Hijack, request, headLength) : (Decision.NotHijack, null, 0);
    }

    /// <summary>
    /// Reads the body off so the stream that follows starts clean; keeps it when small (exec start's JSON; attach
    /// bodies carry nothing we use).
    /// </summary>
    private static async Task<byte[]> ReadBodyAsync(PipeReader input, long length, CancellationToken cancellationToken)
    {
        var kept = length <= RawHttpRequest.MaxKeptBody ? new MemoryStream((int)length) : null;
        while (length > 0)
        {
            var result = await input.ReadAsync(cancellationToken);
            long take = Math.Min(length, result.Buffer.Length);
            if (kept is not null)
            {
                foreach (var segment in result.Buffer.Slice(0, take))
                    kept.Write(segment.Span);
            }
            input.AdvanceTo(result.Buffer.GetPosition(take));
            length -= take;
            if (result.IsCompleted && length > 0)
                throw new IOException("connection closed inside the request body");
        }
        return kept?.ToArray() ?? [];
    }

    private enum Decision
    {
        NeedMore,
        NotHijack,
        Hijack,
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "hijacked connection {ConnectionId} ended: {Reason}")]
    private static partial void LogConnectionLost(ILogger logger, string connectionId, string reason);
}
