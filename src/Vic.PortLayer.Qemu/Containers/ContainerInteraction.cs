using Vic.PortLayer.Qemu.Logs;
using Vic.Tether.Protocol;

namespace Vic.PortLayer.Qemu.Containers;

/// <summary>
/// <see cref="IContainerInteraction"/>: output from the persisted log (so it works while and after a VM runs, and
/// across VCH restarts), input and terminal size as frames on the VM's control port.
/// </summary>
internal sealed class ContainerInteraction(QemuBackendOptions backendOptions, ContainerRegistry registry, VmRunner runner) : IContainerInteraction
{
    public IAsyncEnumerable<OutputChunk> ReadOutputAsync(string id, LogReadOptions options, CancellationToken cancellationToken)
    {
        ContainerEntry entry = registry.Get(id); // NotFound is thrown here, before enumeration
        return LogQuery.ReadAsync(entry.LogPath, entry.Snapshot, options, backendOptions.PollInterval, backendOptions.TimeProvider, cancellationToken);
    }

    public async Task WriteStdinAsync(string id, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        ContainerEntry entry = StdinTarget(id);
        foreach (ControlFrame frame in ControlFrame.Stdin(0, data))
            await runner.SendAsync(entry, frame, cancellationToken);
    }

    public Task CloseStdinAsync(string id, CancellationToken cancellationToken) =>
        runner.SendAsync(StdinTarget(id), new ControlFrame(ControlFrameKind.StdinClose, 0, ReadOnlyMemory<byte>.Empty), cancellationToken);

    public Task ResizeAsync(string id, ushort rows, ushort columns, CancellationToken cancellationToken) =>
        runner.SendAsync(registry.Get(id), ControlFrame.Resize(rows, columns), cancellationToken);

    private ContainerEntry StdinTarget(string id)
    {
        ContainerEntry entry = registry.Get(id);
        if (!entry.Record.Spec.Process.OpenStdin)
            throw new ConflictException($"container {id} was not created with an open stdin");
        return entry;
    }
}
