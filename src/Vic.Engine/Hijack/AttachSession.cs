using Vic.Engine.Containers;
using Vic.PortLayer;

namespace Vic.Engine.Hijack;

/// <summary>One attach in progress: the output reader already started, and the token that ends it.</summary>
internal sealed class AttachSession(
    ContainerRecord container, AttachOptions options, CancellationTokenSource cancellation,
    IAsyncEnumerator<OutputChunk>? output, Task<bool> firstMove) : IAsyncDisposable
{
    public ContainerRecord Container { get; } = container;
    public AttachOptions Options { get; } = options;
    public CancellationTokenSource Cancellation { get; } = cancellation;
    public IAsyncEnumerator<OutputChunk>? Output { get; } = output;
    /// <summary>The reader's first step, started before the client was answered.</summary>
    public Task<bool> FirstMove { get; } = firstMove;

    public string ContentType => Container.Tty ? Http.DockerHeaders.RawStream : Http.DockerHeaders.MultiplexedStream;

    public async ValueTask DisposeAsync()
    {
        await Cancellation.CancelAsync();
        try
        {
            await FirstMove;
        }
        catch (Exception e) when (e is OperationCanceledException or PortLayerException)
        {
            // Expected when the session ends before the reader produced anything.
        }
        if (Output is not null)
        {
            try
            {
                await Output.DisposeAsync();
            }
            catch (Exception e) when (e is NotSupportedException or InvalidOperationException)
            {
                // An iterator still parked in MoveNextAsync refuses disposal; cancellation already released it.
            }
        }
        Cancellation.Dispose();
    }
}
