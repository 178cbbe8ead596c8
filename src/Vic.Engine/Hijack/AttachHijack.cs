using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Vic.Engine.Containers;
using Vic.Engine.Http;

namespace Vic.Engine.Hijack;

/// <summary>POST /containers/{id}/attach served on a hijacked connection: 101 UPGRADED, then both directions raw.</summary>
internal sealed class AttachHijack(EngineOptions options, ContainerResolver resolver, AttachStreamer streamer)
{
    /// <summary>True for "/containers/{id}/attach".</summary>
    public static bool Matches(string? path) => ContainerIdOf(path) is not null;

    private static string? ContainerIdOf(string? path)
    {
        var parts = path?.Split('/');
        return parts is ["", "containers", { Length: > 0 } id, "attach"] ? id : null;
    }

    public async Task ServeAsync(ConnectionContext connection, RawHttpRequest request)
    {
        var output = connection.Transport.Output;
        // Not the connection's ConnectionClosed token anywhere here: Kestrel signals it when the client
        // half-closes, and the docker CLI half-closes its side at once when it attaches without stdin. Output must
        // keep flowing until the container stops; a client that is really gone fails the next write instead.
        var token = CancellationToken.None;
        AttachSession session;
        try
        {
            string id = ContainerIdOf(request.UnversionedPath())!;
            var container = await resolver.ResolveAsync(id, token);
            session = streamer.Begin(container, AttachOptions.From(request.Query), token);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var (status, message) = ErrorMapping.Map(e);
            await RawResponses.WriteErrorAsync(output, options, status, message, token);
            return;
        }
        await RawResponses.WriteUpgradeAsync(output, options, session.ContentType, token);
        await streamer.RunAsync(session, connection.Transport.Input.AsStream(leaveOpen: true), new FlushingPipeStream(output));
    }

    /// <summary>The transport's writer as a stream (writes go out at once: attach is interactive).</summary>
    internal sealed class FlushingPipeStream(PipeWriter writer) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var result = await writer.WriteAsync(buffer, cancellationToken);
            if (result.IsCompleted)
                throw new IOException("the client closed the connection");
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override Task FlushAsync(CancellationToken cancellationToken) => writer.FlushAsync(cancellationToken).AsTask();
        public override void Flush() => throw new NotSupportedException();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
