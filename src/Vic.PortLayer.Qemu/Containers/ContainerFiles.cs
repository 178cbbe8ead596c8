using System.Text.Json;
using Vic.PortLayer.Qemu.Storage;
using Vic.PortLayer.Qemu.Vm;
using Vic.Tether.Protocol;

namespace Vic.PortLayer.Qemu.Containers;

/// <summary>
/// <see cref="IContainerFiles"/> on file sessions of the tether. docker cp of a running container talks to its own
/// tether (which has the container's root, volumes included, as "/"); of a stopped one, to a Files VM booted on its
/// disk while the container is held from starting. diff, export and commit always use a Files VM that also sees the
/// image's top layer: for a running container its tether first freezes the root filesystem, so the Files VM reads a
/// consistent disk (read-only, shared), and thaws it when the Files VM is done.
/// </summary>
internal sealed class ContainerFiles(
    QemuBackendOptions options, DatastoreLayout layout, ContainerRegistry registry, VmRunner runner, QemuLauncher launcher,
    AcceleratorProbe accelerator) : IContainerFiles
{
    /// <summary>ps -s figures of stopped containers, with the disk stamp they were measured at.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, ((long, long) Stamp, long Bytes)> _sizes = new(StringComparer.Ordinal);

    public async Task<ContainerPathStat> StatPathAsync(string id, string path, CancellationToken cancellationToken)
    {
        await using FileTarget target = await OpenAsync(id, wholeDisk: false, cancellationToken);
        FileSession session = await target.Channel.StartFileAsync(new FileRequest { Operation = FileOperation.Stat, Path = path }, cancellationToken);
        PathStat? stat = await session.Stat.WaitAsync(cancellationToken);
        FileSession.ThrowIfFailed(await session.Done.WaitAsync(cancellationToken));
        return ToStat(stat ?? throw new InternalException("the guest sent no stat"));
    }

    public async Task<IContainerArchive> GetArchiveAsync(string id, string path, CancellationToken cancellationToken)
    {
        FileTarget target = await OpenAsync(id, wholeDisk: false, cancellationToken);
        try
        {
            FileSession session = await target.Channel.StartFileAsync(new FileRequest { Operation = FileOperation.Get, Path = path, UseTransfer = target.Channel.Transfer is not null }, cancellationToken);
            PathStat? stat = await session.Stat.WaitAsync(cancellationToken);
            if (stat is null)
            {
                FileSession.ThrowIfFailed(await session.Done.WaitAsync(cancellationToken));
                throw new InternalException("the guest sent no stat");
            }
            return new Archive(ToStat(stat), new SessionStream(session, target));
        }
        catch
        {
            await target.DisposeAsync();
            throw;
        }
    }

    public async Task PutArchiveAsync(string id, string path, Stream tar, ExtractOptions extract, CancellationToken cancellationToken)
    {
        await using FileTarget target = await OpenAsync(id, wholeDisk: false, cancellationToken);
        TransferDiskFile? transfer = target.Channel.Transfer;
        var request = new FileRequest
        {
            Operation = FileOperation.Put,
            Path = path,
            NoOverwriteDirNonDir = extract.NoOverwriteDirNonDir,
            CopyUidGid = extract.CopyUidGid,
            UseTransfer = transfer is not null,
        };
        FileSession session = await target.Channel.StartFileAsync(request, cancellationToken);
        bool accepted = true;
        if (transfer is not null)
        {
            accepted = await session.WriteSlotsAsync(tar, transfer, cancellationToken);
        }
        else
        {
            var buffer = new byte[ControlFrame.MaxPayload];
            int read;
            while (accepted && (read = await tar.ReadAsync(buffer, cancellationToken)) > 0)
                accepted = await session.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
        }
        if (accepted)
            await session.EndInputAsync(cancellationToken);
        FileSession.ThrowIfFailed(await session.Done.WaitAsync(cancellationToken));
    }

    public async Task<IReadOnlyList<ContainerChange>> ChangesAsync(string id, CancellationToken cancellationToken)
    {
        await using Stream json = await OpenStreamAsync(id, FileOperation.Changes, cancellationToken);
        var changes = await JsonSerializer.DeserializeAsync(json, ProtocolJson.Default.ListFileChange, cancellationToken) ?? [];
        return changes.Select(c => new ContainerChange(c.Path, (ContainerChangeKind)c.Kind)).ToList();
    }

    /// <summary>
    /// Measured in a Files VM like a diff (a running container frozen meanwhile). A stopped container's figure is kept
    /// with its disk's length and mtime as they were after the measurement: while neither changes (no run, no copy into
    /// it), ps -s answers without booting anything.
    /// </summary>
    public async Task<long> ChangesSizeAsync(string id, CancellationToken cancellationToken)
    {
        ContainerEntry entry = registry.Get(id);
        string disk = Path.Combine(entry.Directory, DatastoreLayout.DiskFile);
        if (!entry.IsRunning && _sizes.TryGetValue(entry.Id, out var kept) && kept.Stamp == DiskStamp(disk))
            return kept.Bytes;
        long bytes;
        await using (Stream json = await OpenStreamAsync(id, FileOperation.ChangesSize, cancellationToken))
        {
            var size = await JsonSerializer.DeserializeAsync(json, ProtocolJson.Default.ChangesSize, cancellationToken)
                ?? throw new InternalException("the guest sent no size");
            bytes = size.Bytes;
        }
        // Stamped after the Files VM is gone: mounting the disk there changed it.
        if (!entry.IsRunning)
            _sizes[entry.Id] = (DiskStamp(disk), bytes);
        else
            _sizes.TryRemove(entry.Id, out _);
        return bytes;
    }

    private static (long Length, long MtimeTicks) DiskStamp(string disk)
    {
        var info = new FileInfo(disk);
        return info.Exists ? (info.Length, info.LastWriteTimeUtc.Ticks) : (-1, -1);
    }

    public Task<Stream> ExportAsync(string id, CancellationToken cancellationToken) =>
        OpenStreamAsync(id, FileOperation.Export, cancellationToken);

    public Task<Stream> ExportChangesAsync(string id, CancellationToken cancellationToken) =>
        OpenStreamAsync(id, FileOperation.LayerDiff, cancellationToken);

    private async Task<Stream> OpenStreamAsync(string id, FileOperation operation, CancellationToken cancellationToken)
    {
        FileTarget target = await OpenAsync(id, wholeDisk: true, cancellationToken);
        try
        {
            FileSession session = await target.Channel.StartFileAsync(new FileRequest { Operation = operation, UseTransfer = target.Channel.Transfer is not null }, cancellationToken);
            return new SessionStream(session, target);
        }
        catch
        {
            await target.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Where a session runs. Without <paramref name="wholeDisk"/>: a running container's own tether, else a Files VM on
    /// its disk (the container held from starting meanwhile). With it: always a Files VM that also has the image's top
    /// layer, the running container's filesystem frozen for as long as it lives. A container that ends while it is being
    /// frozen (a short command committed right after its start) is then treated as the stopped container it has become.
    /// </summary>
    private async Task<FileTarget> OpenAsync(string id, bool wholeDisk, CancellationToken cancellationToken, bool retried = false)
    {
        ContainerEntry entry = registry.Get(id);
        await entry.Lock.WaitAsync(cancellationToken);
        bool held = true;
        try
        {
            if (entry.Removed)
                throw new NotFoundException($"No such container: {id}");
            if (entry.IsPaused)
                throw new ConflictException($"Container {id} is paused, unpause the container before copying files, diffing, exporting or committing it");
            string disk = Path.Combine(entry.Directory, DatastoreLayout.DiskFile);
            string? lower = wholeDisk ? LowerDisk(entry) : null;
            if (!entry.IsRunning)
            {
                // cp reaches the container's volumes and bind mounts as dockerd's does; diff, export and commit never
                // include them (they are not the container's filesystem).
                VmRunner.MountLoan loan = wholeDisk ? new VmRunner.MountLoan(VmMounts.None, []) : await runner.LendMountsAsync(entry, cancellationToken);
                try
                {
                    FilesVm vm = await FilesVm.StartAsync(options, layout, launcher, accelerator, id, disk, lower, diskInUse: false, loan.Mounts, cancellationToken);
                    held = false;
                    return new FileTarget(vm.Channel, vm, entry, frozen: null, loan);
                }
                catch
                {
                    loan.Dispose();
                    throw;
                }
            }
            // Taken while the run is known to be on: it completes when this run ends, however soon.
            Task<ContainerExit> runEnded = entry.NextExit;
            entry.Lock.Release();
            held = false;
            ControlChannel running = runner.ChannelFor(entry);
            if (!wholeDisk)
                return new FileTarget(running, null, null, frozen: null);
            try
            {
                await RunAsync(running, new FileRequest { Operation = FileOperation.Freeze, FreezeSeconds = (int)options.FilesVmTimeout.TotalSeconds }, cancellationToken);
            }
            catch (PortLayerException) when (!retried)
            {
                if (!await EndsSoonAsync(runEnded, cancellationToken))
                    throw;
                return await OpenAsync(id, wholeDisk, cancellationToken, retried: true);
            }
            try
            {
                FilesVm vm = await FilesVm.StartAsync(options, layout, launcher, accelerator, id, disk, lower, diskInUse: true, VmMounts.None, cancellationToken);
                return new FileTarget(vm.Channel, vm, null, frozen: running);
            }
            catch
            {
                await ThawAsync(running);
                throw;
            }
        }
        finally
        {
            if (held)
                entry.Lock.Release();
        }
    }

    /// <summary>Whether the run ends within a few seconds: a freeze refused because the guest is shutting down.</summary>
    private static async Task<bool> EndsSoonAsync(Task<ContainerExit> runEnded, CancellationToken cancellationToken)
    {
        try
        {
            await runEnded.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    private string LowerDisk(ContainerEntry entry) =>
        entry.Record.Spec.ImageLayerId is { } layer ? layout.LayerDisk(LayerIds.ToHex(layer)) : layout.BaseDisk;

    private static async Task RunAsync(ControlChannel channel, FileRequest request, CancellationToken cancellationToken)
    {
        FileSession session = await channel.StartFileAsync(request, cancellationToken);
        FileSession.ThrowIfFailed(await session.Done.WaitAsync(cancellationToken));
    }

    private static async Task ThawAsync(ControlChannel channel)
    {
        try
        {
            using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await RunAsync(channel, new FileRequest { Operation = FileOperation.Thaw }, bounded.Token);
        }
        catch (Exception e) when (e is PortLayerException or OperationCanceledException or IOException)
        {
            // The container stopped (nothing is frozen any more) or its tether thaws by itself at the deadline.
        }
    }

    private static ContainerPathStat ToStat(PathStat stat) =>
        new(stat.Name, stat.Size, stat.Mode, DateTimeOffset.UnixEpoch.AddTicks(stat.MtimeUnixNanos / 100), stat.LinkTarget);

    /// <summary>
    /// The end of a file operation: the Files VM powered off (then its volumes returned and the container released), or
    /// the filesystem thawed.
    /// </summary>
    private sealed class FileTarget(ControlChannel channel, FilesVm? vm, ContainerEntry? held, ControlChannel? frozen, IDisposable? loan = null) : IAsyncDisposable
    {
        private int _disposed;

        public ControlChannel Channel { get; } = channel;

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
                return;
            try
            {
                if (vm is not null)
                    await vm.DisposeAsync();
                if (frozen is not null)
                    await ThawAsync(frozen);
            }
            finally
            {
                loan?.Dispose();
                held?.Lock.Release();
            }
        }
    }

    private sealed class Archive(ContainerPathStat stat, Stream content) : IContainerArchive
    {
        public ContainerPathStat Stat { get; } = stat;
        public Stream Content { get; } = content;

        public ValueTask DisposeAsync() => Content.DisposeAsync();
    }

    /// <summary>A session's data as a read-once stream; its end checks the session's result, so a guest failure is an IOException.
    /// Slots of the transfer disk are read straight from the file into the caller's buffer and freed once read through.</summary>
    private sealed class SessionStream(FileSession session, FileTarget target) : Stream
    {
        private static readonly FilePiece Empty = new([], -1, 0);
        private FilePiece _current = Empty;
        private int _offset;
        private bool _ended;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            while (_offset == _current.Length)
            {
                if (_current.Data is null)
                {
                    int read = _current.Slot;
                    _current = Empty;
                    await session.FreeSlotAsync(read);
                }
                if (_ended)
                    return 0;
                FilePiece? next = await session.ReadAsync(cancellationToken);
                if (next is null)
                {
                    _ended = true;
                    FileResult result = await session.Done.WaitAsync(cancellationToken);
                    if (result.Error != FileErrorKind.None)
                        throw new IOException(result.Message);
                    return 0;
                }
                _current = next.Value;
                _offset = 0;
            }
            int n = Math.Min(buffer.Length, _current.Length - _offset);
            if (_current.Data is { } data)
            {
                data.AsMemory(_offset, n).CopyTo(buffer);
            }
            else
            {
                n = await session.ReadSlotAsync(_current.Slot, _offset, buffer[..n], cancellationToken);
                if (n == 0)
                    throw new IOException("the transfer disk ended inside a slot");
            }
            _offset += n;
            return n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override async ValueTask DisposeAsync()
        {
            ReleaseSlot();
            session.Discard();
            await target.DisposeAsync();
            await base.DisposeAsync();
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                ReleaseSlot();
                session.Discard();
                target.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
            base.Dispose(disposing);
        }

        /// <summary>A slot read part-way when the reader stops is the guest's again.</summary>
        private void ReleaseSlot()
        {
            if (_current.Data is null)
                _ = session.FreeSlotAsync(_current.Slot);
            _current = Empty;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
