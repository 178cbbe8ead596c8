using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Vic.PortLayer.Qemu.Vm;

namespace Vic.PortLayer.Qemu.Storage;

/// <summary>
/// Image layers as qcow2 children of their parent layer, rooted in one empty ext4 base disk (DESIGN rule 4).
/// Tars are applied by <see cref="LayerApplier"/> inside a VM. <see cref="_lock"/> guards the layer tree's
/// shape (base creation, publishing, removal, children being made), never a VM run.
/// </summary>
internal sealed class LayerStore(
    DatastoreLayout layout,
    QemuBackendOptions options,
    QemuImg qemuImg,
    LayerApplier applier,
    Func<IEnumerable<string?>> containerLayers,
    ILogger logger) : IImageLayerStore
{
    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly Dictionary<string, Task> _inflight = new(StringComparer.Ordinal);
    // Layers that an in-flight write or container create is making a child of: removing them is refused.
    private readonly Dictionary<string, int> _busyParents = new(StringComparer.Ordinal);

    public Task<bool> ExistsAsync(string layerId, CancellationToken cancellationToken) =>
        Task.FromResult(IsComplete(LayerIds.ToHex(layerId)));

    public Task WriteLayerAsync(string layerId, string? parentLayerId, Stream tar, CancellationToken cancellationToken) =>
        WriteOnceAsync(layerId, parentLayerId, hex => WriteNewAsync(layerId, hex, parentLayerId, tar, cancellationToken), cancellationToken);

    public ILayerRun BeginRun(string? parentLayerId) => new LayerRun(this, layout, qemuImg, applier, parentLayerId, logger);

    /// <summary>
    /// Writes the layer with <paramref name="writeNew"/> (given the layer's hex id) unless it exists, once even when
    /// several callers ask at the same time: the others wait for it and look again.
    /// </summary>
    internal async Task WriteOnceAsync(string layerId, string? parentLayerId, Func<string, Task> writeNew, CancellationToken cancellationToken)
    {
        string hex = LayerIds.ToHex(layerId);
        // Refuse a missing parent before reading a possibly large tar (it is checked again under the lock).
        if (parentLayerId is not null && !IsComplete(LayerIds.ToHex(parentLayerId)) && !IsComplete(hex))
            throw new NotFoundException($"layer {parentLayerId} not found");
        while (true)
        {
            if (IsComplete(hex))
                return;
            Task? other;
            TaskCompletionSource mine = new(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_inflight)
            {
                if (!_inflight.TryGetValue(hex, out other))
                    _inflight[hex] = mine.Task;
            }
            if (other is not null)
            {
                // Someone is writing this layer: wait for them, then look again (they may have failed).
                await other.WaitAsync(cancellationToken);
                continue;
            }
            try
            {
                await writeNew(hex);
                return;
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
        var clock = Stopwatch.StartNew();
        string work = DatastoreLayout.NewTempDir(layout.LayersDir);
        Directory.CreateDirectory(work);
        try
        {
            long tarLength = await TarSpool.CopyAsync(tar, Path.Combine(work, LayerApplier.TarFile), cancellationToken);
            await UseParentDiskAsync(parentLayerId,
                parentDisk => qemuImg.CreateChildAsync(parentDisk, Path.Combine(work, DatastoreLayout.DiskFile), cancellationToken),
                releaseAfter: false, cancellationToken);
            try
            {
                await applier.ApplyAsync(work, layerId, hex, tarLength, cancellationToken);
                await CompleteAsync(work, layerId, hex, parentLayerId, cancellationToken);
            }
            finally
            {
                await ReleaseParentAsync(parentLayerId);
            }
            Log.LayerWritten(logger, layerId, clock.ElapsedMilliseconds);
        }
        catch (Exception e)
        {
            DatastoreLayout.TryDeleteDirectory(work);
            if (e is not OperationCanceledException)
                Log.LayerFailed(logger, layerId, e.Message);
            throw;
        }
    }

    /// <summary>Writes the layer's meta.json beside its applied disk in <paramref name="work"/> and moves the directory
    /// into place. False when a concurrent writer won: its copy is kept and <paramref name="work"/> is gone.</summary>
    internal async Task<bool> CompleteAsync(string work, string layerId, string hex, string? parentLayerId, CancellationToken cancellationToken)
    {
        var meta = new LayerMeta(layerId, parentLayerId, options.TimeProvider.GetUtcNow());
        await AtomicFile.WriteAsync(Path.Combine(work, DatastoreLayout.LayerMetaFile),
            JsonSerializer.SerializeToUtf8Bytes(meta, QemuJson.Default.LayerMeta), cancellationToken);
        return await PublishAsync(work, hex);
    }

    /// <summary>Moves a finished work directory into place; a concurrent writer that won keeps its copy (false).</summary>
    private async Task<bool> PublishAsync(string work, string hex)
    {
        await _lock.WaitAsync();
        try
        {
            if (IsComplete(hex))
            {
                DatastoreLayout.TryDeleteDirectory(work);
                return false;
            }
            DatastoreLayout.TryDeleteDirectory(layout.LayerDir(hex)); // an incomplete leftover, never a live layer
            Directory.Move(work, layout.LayerDir(hex));
            AtomicFile.FsyncDirectory(layout.LayersDir);
            return true;
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>
    /// Runs <paramref name="action"/> with the disk of <paramref name="layerId"/> (null: the empty base, made on first
    /// use) while the layer cannot be removed. Throws NotFound for a missing layer. With releaseAfter=false the
    /// layer stays pinned until <see cref="ReleaseParentAsync"/>.
    /// </summary>
    public async Task UseParentDiskAsync(string? layerId, Func<string, Task> action, bool releaseAfter, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken);
        try
        {
            string disk;
            if (layerId is null)
            {
                disk = await EnsureBaseAsync(cancellationToken);
            }
            else
            {
                string hex = LayerIds.ToHex(layerId);
                if (!IsComplete(hex))
                    throw new NotFoundException($"layer {layerId} not found");
                disk = layout.LayerDisk(hex);
            }
            await action(disk);
            if (!releaseAfter && layerId is not null)
                _busyParents[layerId] = _busyParents.GetValueOrDefault(layerId) + 1;
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Ends the pin taken by <see cref="UseParentDiskAsync"/> with releaseAfter=false.</summary>
    public async Task ReleaseParentAsync(string? layerId)
    {
        if (layerId is null)
            return;
        await _lock.WaitAsync();
        try
        {
            if (_busyParents.TryGetValue(layerId, out int n) && n > 1)
                _busyParents[layerId] = n - 1;
            else
                _busyParents.Remove(layerId);
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Creates the empty ext4 base on first use; caller holds <see cref="_lock"/>.</summary>
    private async Task<string> EnsureBaseAsync(CancellationToken cancellationToken)
    {
        if (File.Exists(layout.BaseDisk))
            return layout.BaseDisk;
        string work = DatastoreLayout.NewTempDir(layout.LayersDir);
        Directory.CreateDirectory(work);
        try
        {
            await qemuImg.CreateEmptyExt4Async(Path.Combine(work, DatastoreLayout.DiskFile), options.RootDiskBytes, cancellationToken);
            DatastoreLayout.TryDeleteDirectory(layout.BaseLayerDir);
            Directory.Move(work, layout.BaseLayerDir);
            AtomicFile.FsyncDirectory(layout.LayersDir);
        }
        catch
        {
            DatastoreLayout.TryDeleteDirectory(work);
            throw;
        }
        Log.BaseDiskCreated(logger, layout.BaseDisk);
        return layout.BaseDisk;
    }

    public async Task RemoveLayerAsync(string layerId, CancellationToken cancellationToken)
    {
        string hex = LayerIds.ToHex(layerId);
        await _lock.WaitAsync(cancellationToken);
        try
        {
            if (!Directory.Exists(layout.LayerDir(hex)))
                throw new NotFoundException($"layer {layerId} not found");
            if (_busyParents.ContainsKey(layerId))
                throw new ConflictException($"layer {layerId} is in use: a child layer or container is being created from it");
            foreach (LayerInfo layer in ReadAll())
            {
                if (layer.ParentLayerId == layerId)
                    throw new ConflictException($"layer {layerId} is in use by layer {layer.LayerId}");
            }
            if (containerLayers().Any(l => l == layerId))
                throw new ConflictException($"layer {layerId} is in use by a container");
            DatastoreLayout.DeleteAtomically(layout.LayerDir(hex));
        }
        finally
        {
            _lock.Release();
        }
    }

    public Task<IReadOnlyList<LayerInfo>> ListAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<LayerInfo>>(ReadAll().ToList());

    private IEnumerable<LayerInfo> ReadAll()
    {
        if (!Directory.Exists(layout.LayersDir))
            yield break;
        foreach (string dir in Directory.EnumerateDirectories(layout.LayersDir))
        {
            string hex = Path.GetFileName(dir);
            if (!LayerIds.IsHex64(hex) || !IsComplete(hex))
                continue;
            LayerMeta? meta;
            try
            {
                meta = JsonSerializer.Deserialize(File.ReadAllBytes(Path.Combine(dir, DatastoreLayout.LayerMetaFile)), QemuJson.Default.LayerMeta);
            }
            catch (Exception e) when (e is IOException or JsonException)
            {
                continue;
            }
            if (meta is not null)
                yield return new LayerInfo(meta.LayerId, meta.ParentLayerId, new FileInfo(layout.LayerDisk(hex)).Length);
        }
    }

    /// <summary>A layer is complete once its directory exists with both files: directories appear by rename only.</summary>
    private bool IsComplete(string hex) =>
        File.Exists(layout.LayerDisk(hex)) && File.Exists(Path.Combine(layout.LayerDir(hex), DatastoreLayout.LayerMetaFile));
}
