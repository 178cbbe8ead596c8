namespace Vic.PortLayer;

public enum OutputStream : byte
{
    Stdout = 1,
    Stderr = 2,
}

public readonly record struct OutputChunk(OutputStream Stream, DateTimeOffset Timestamp, ReadOnlyMemory<byte> Data);

public sealed record LogReadOptions
{
    public bool Stdout { get; init; } = true;
    public bool Stderr { get; init; } = true;
    /// <summary>Keep reading until the container stops (or the token is cancelled).</summary>
    public bool Follow { get; init; }
    /// <summary>Skip output that exists already: only what the container writes from now on (attach).</summary>
    public bool FromNow { get; init; }
    /// <summary>With Follow: when the container is not running, wait for it to start, then follow that run
    /// until it stops (attach to a created container, docker start -a). Without it, Follow on a stopped
    /// container returns after the existing output.</summary>
    public bool WaitForRun { get; init; }
    /// <summary>Only the last N chunks-as-lines; null for all.</summary>
    public int? Tail { get; init; }
    public DateTimeOffset? Since { get; init; }
    public DateTimeOffset? Until { get; init; }
}

/// <summary>
/// Interaction intents: the container's output as persisted beside the VM, live input, terminal size.
/// </summary>
public interface IContainerInteraction
{
    /// <summary>
    /// The container's output from its persisted log, oldest first. With Follow it continues with new output
    /// and ends when the container stops. Throws NotFound. Output of a TTY container is all Stdout.
    /// </summary>
    IAsyncEnumerable<OutputChunk> ReadOutputAsync(string id, LogReadOptions options, CancellationToken cancellationToken);

    /// <summary>Writes to the running process's stdin. Throws Conflict when not running or stdin is not open.</summary>
    Task WriteStdinAsync(string id, ReadOnlyMemory<byte> data, CancellationToken cancellationToken);

    /// <summary>Closes the process's stdin (EOF).</summary>
    Task CloseStdinAsync(string id, CancellationToken cancellationToken);

    /// <summary>Sets the terminal size of a TTY container. Throws Conflict when not running.</summary>
    Task ResizeAsync(string id, ushort rows, ushort columns, CancellationToken cancellationToken);
}
