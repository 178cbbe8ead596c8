using System.Text.Json;
using Vic.Vsphere;

namespace Vic.PortLayer.VSphere.Storage;

/// <summary>
/// Image layers as VMDK chains on the image store (DESIGN rule 4): each layer's disk is a child of its parent's,
/// rooted in one empty base disk; the tar is uploaded beside the new disk and applied by <see cref="LayerApplier"/>
/// inside a VM. A layer is complete once its layer.json exists (written last); the set of complete layers is read
/// from the datastore at start and kept in memory. <see cref="_lock"/> guards the tree's shape, never a VM run.
/// </summary>
internal sealed class LayerStore(VSphereContext context, LayerApplier applier, Func<IEnumerable<string?>> containerLayers) : IImageLayerStore
{
    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly Dictionary<string, LayerInfo> _layers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Task> _inflight = new(StringComparer.Ordinal);
    // Layers an in-flight layer write or container create is making a child of: removing them is refused.
    private readonly Dictionary<string, int> _busy = new(StringComparer.Ordinal);
    private bool _baseExists;

    private Placement Placement => context.Placement;

    /// <summary>Reads the complete layers from the datastore and removes incomplete ones (a write cut short by a crash).</summary>
    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<DatastoreFile> folders;
        try
        {
            folders = await context.Client.Datastores.ListAsync(Placement.Datastore, Placement.Images.Path, cancellationToken);
        }
        catch (FileNotFoundFault)
        {
            return;
        }
        foreach (var folder in folders.Where(f => f.IsFolder))
        {
            if (folder.Name == "base")
            {
                _baseExists = true;
                continue;
            }
            if (!LayerIds.IsHex64(folder.Name))
                continue;
            byte[]? json = await context.DownloadOrNullAsync(Placement.LayerDir(folder.Name).Combine(Placement.LayerMetaName), cancellationToken);
            LayerMeta? meta = null;
            try
            {
                meta = json is null ? null : JsonSerializer.Deserialize(json, VSphereJson.Default.LayerMeta);
            }
            catch (JsonException)
            {
            }
            if (meta is null)
            {
                Log.Leftover(context.Logger, "incomplete layer", Placement.LayerDir(folder.Name).ToString());
                await context.DeleteQuietlyAsync(Placement.LayerDir(folder.Name), cancellationToken);
                continue;
            }
            _layers[folder.Name] = new LayerInfo(meta.LayerId, meta.ParentLayerId, 0);
        }
    }

    public Task<bool> ExistsAsync(string layerId, CancellationToken cancellationToken)
    {
        string hex = LayerIds.ToHex(layerId);
        lock (_layers)
            return Task.FromResult(_layers.ContainsKey(hex));
    }

    private bool IsComplete(string hex)
    {
        lock (_layers)
            return _layers.ContainsKey(hex);
    }

    public async Task WriteLayerAsync(string layerId, string? parentLayerId, Stream tar, CancellationToken cancellationToken)
    {
        string hex = LayerIds.ToHex(layerId);
        if (parentLayerId is not null && !IsComplete(LayerIds.ToHex(parentLayerId)) && !IsComplete(hex))
            throw new NotFoundException($"layer {parentLayerId} not found");
        while (!IsComplete(hex))
        {
            Task? other;
            var mine = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_inflight)
            {
                if (!_inflight.TryGetValue(hex, out other))
                    _inflight[hex] = mine.Task;
            }
            if (other is not null)
            {
                await other.WaitAsync(cancellationToken); // someone writes it: wait, then look again (they may fail)
                continue;
            }
            try
            {
                await WriteNewAsync(layerId, hex, parentLayerId, tar, cancellationToken);
            }
            finally
            {
                lock (_inflight)
                    _inflight.Remove(hex);
                mine.SetResult();
            }
        }
    }

    private async Task WriteNewAsync(string layerId, string hex, string? parentLayerId, Stream tar, CancellationToken cancellationToken)
    {
        var dir = Placement.LayerDir(hex);
        var tarPath = dir.Combine(Placement.LayerTarName);
        var parentDisk = await PinAsync(parentLayerId, cancellationToken);
        try
        {
            await context.DeleteQuietlyAsync(dir, cancellationToken); // an incomplete leftover, never a live layer
            await Faults.GuardAsync($"making layer folder {dir}", () => context.Client.Datastores.MakeDirectoryAsync(context.Datacenter, dir, true, cancellationToken));
            var counted = new CountingStream(tar);
            await Faults.GuardAsync($"uploading layer tar {tarPath}", () => context.Client.Datastores.UploadAsync(context.Datacenter, tarPath, counted, cancellationToken));
            await applier.ApplyAsync(layerId, hex, Placement.LayerDisk(hex), parentDisk, tarPath, counted.BytesRead, cancellationToken);
            await context.DeleteQuietlyAsync(tarPath, cancellationToken); // applied: the disk holds it now
            var meta = new LayerMeta(layerId, parentLayerId, context.Time.GetUtcNow());
            await Faults.GuardAsync($"writing {Placement.LayerMetaName} of layer {hex}", () => context.Client.Datastores.UploadAsync(context.Datacenter,
                dir.Combine(Placement.LayerMetaName), new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(meta, VSphereJson.Default.LayerMeta)), cancellationToken));
            lock (_layers)
                _layers[hex] = new LayerInfo(layerId, parentLayerId, 0);
        }
        catch (Exception e)
        {
            Log.LayerFailed(context.Logger, layerId, e.Message);
            using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            try
            {
                await context.DeleteQuietlyAsync(dir, limit.Token);
            }
            catch (Exception cleanup) when (cleanup is VsphereFault or HttpRequestException or OperationCanceledException)
            {
                Log.CleanupFailed(context.Logger, dir.ToString(), cleanup.Message);
            }
            throw Faults.Translate($"writing layer {layerId}", e) ?? (e is PortLayerException ? e : new InternalException($"vsphere: writing layer {layerId}: {e.Message}", e));
        }
        finally
        {
            await UnpinAsync(parentLayerId);
        }
    }

    /// <summary>
    /// The disk of <paramref name="layerId"/> (null: the empty base, created on first use), pinned so it cannot be
    /// removed until <see cref="UnpinAsync"/>. Throws NotFound for a missing layer.
    /// </summary>
    public async Task<DatastorePath> PinAsync(string? layerId, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken);
        try
        {
            if (layerId is null)
                return await EnsureBaseAsync(cancellationToken);
            string hex = LayerIds.ToHex(layerId);
            if (!IsComplete(hex))
                throw new NotFoundException($"layer {layerId} not found");
            _busy[layerId] = _busy.GetValueOrDefault(layerId) + 1;
            return Placement.LayerDisk(hex);
        }
        finally
        {
            _lock.Release();
        }
    }

    public async Task UnpinAsync(string? layerId)
    {
        if (layerId is null)
            return;
        await _lock.WaitAsync();
        try
        {
            if (_busy.TryGetValue(layerId, out int n) && n > 1)
                _busy[layerId] = n - 1;
            else
                _busy.Remove(layerId);
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>The empty base disk every chain starts from; made by VirtualDiskManager on first use. Caller holds the lock.</summary>
    private async Task<DatastorePath> EnsureBaseAsync(CancellationToken cancellationToken)
    {
        if (_baseExists)
            return Placement.BaseDisk;
        var folder = Placement.Images.Combine("base");
        await Faults.GuardAsync("making the base disk folder", () => context.Client.Datastores.MakeDirectoryAsync(context.Datacenter, folder, true, cancellationToken));
        try
        {
            await context.Client.Disks.CreateAsync(context.Datacenter, Placement.BaseDisk, context.Options.RootDiskKb, cancellationToken: cancellationToken);
        }
        catch (FileAlreadyExistsFault)
        {
            // Made by an earlier run that stopped before recording it.
        }
        catch (Exception e) when (Faults.Translate("creating the base disk", e) is { } translated)
        {
            throw translated;
        }
        _baseExists = true;
        return Placement.BaseDisk;
    }

    public async Task RemoveLayerAsync(string layerId, CancellationToken cancellationToken)
    {
        string hex = LayerIds.ToHex(layerId);
        await _lock.WaitAsync(cancellationToken);
        try
        {
            if (!IsComplete(hex))
                throw new NotFoundException($"layer {layerId} not found");
            if (_busy.ContainsKey(layerId))
                throw new ConflictException($"layer {layerId} is in use: a child layer or container is being created from it");
            LayerInfo? child;
            lock (_layers)
                child = _layers.Values.FirstOrDefault(l => l.ParentLayerId == layerId);
            if (child is not null)
                throw new ConflictException($"layer {layerId} is in use by layer {child.LayerId}");
            if (containerLayers().Any(l => l == layerId))
                throw new ConflictException($"layer {layerId} is in use by a container");
            // layer.json first: from here on the layer is incomplete, and a failed delete is cleaned up at the next start.
            await Faults.GuardAsync($"removing layer {layerId}", async () =>
            {
                await context.DeleteQuietlyAsync(Placement.LayerDir(hex).Combine(Placement.LayerMetaName), cancellationToken);
                lock (_layers)
                    _layers.Remove(hex);
                await context.DeleteQuietlyAsync(Placement.LayerDir(hex), cancellationToken);
            });
        }
        finally
        {
            _lock.Release();
        }
    }

    public Task<IReadOnlyList<LayerInfo>> ListAsync(CancellationToken cancellationToken)
    {
        lock (_layers)
            return Task.FromResult<IReadOnlyList<LayerInfo>>(_layers.Values.ToList());
    }

    /// <summary>Counts what the upload read: the tether needs the tar's exact length.</summary>
    private sealed class CountingStream(Stream inner) : Stream
    {
        public long BytesRead { get; private set; }
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => BytesRead; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = inner.Read(buffer, offset, count);
            BytesRead += n;
            return n;
        }
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            int n = await inner.ReadAsync(buffer, cancellationToken);
            BytesRead += n;
            return n;
        }
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
