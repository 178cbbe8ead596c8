using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Vic.PortLayer.Qemu.Containers;
using Vic.PortLayer.Qemu.Vm;
using Vic.Tether.Protocol;

namespace Vic.PortLayer.Qemu.Storage;

/// <summary>
/// A pull's (or load's) new layers applied in one VM (<see cref="VmMode.Layers"/>) instead of one VM each: under TCG a
/// VM's boot and power-off cost seconds whatever the layer's size. The VM boots as soon as the run begins, while the
/// layers still download, on a new overlay of the run's first parent. For each layer: the tar goes through the transfer
/// disk, the tether applies it and freezes the filesystem, the overlay is published as the layer, and QEMU puts a new
/// overlay on top (QMP blockdev-snapshot-sync) whose header names the published layer as its backing file, for the next
/// layer. The overlay the guest writes is never a published layer, except between publishing and the next overlay, when
/// the guest is frozen and waits for the next request; the VM is ended by QEMU (QMP quit), never by a guest shutdown.
/// Whatever does not continue the run (another parent, a layer a concurrent pull wrote, a VM that failed) is written
/// alone, by <see cref="LayerStore.WriteLayerAsync"/>; a run that failed once stays on that path.
/// </summary>
internal sealed class LayerRun : ILayerRun
{
    private readonly LayerStore _store;
    private readonly DatastoreLayout _layout;
    private readonly QemuImg _qemuImg;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task<FilesVm?> _vm;
    // The layer the current overlay sits on (null: the empty base), and the directory holding that overlay.
    private string? _top;
    private string? _overlayDir;
    // The layer pinned in the store (kept from removal) because the current overlay sits on it.
    private string? _pinned;
    private bool _pinTaken;
    private bool _abandoned;
    private bool _ended;

    public LayerRun(LayerStore store, DatastoreLayout layout, QemuImg qemuImg, LayerApplier applier, string? parentLayerId, ILogger logger)
    {
        _store = store;
        _layout = layout;
        _qemuImg = qemuImg;
        _logger = logger;
        _top = parentLayerId;
        _vm = StartAsync(applier, _stop.Token);
    }

    private async Task<FilesVm?> StartAsync(LayerApplier applier, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        string? vmDir = null;
        try
        {
            _overlayDir = NewDir();
            await _store.UseParentDiskAsync(_top,
                parentDisk => _qemuImg.CreateChildAsync(parentDisk, Path.Combine(_overlayDir, DatastoreLayout.DiskFile), cancellationToken),
                releaseAfter: false, cancellationToken);
            (_pinned, _pinTaken) = (_top, true);
            vmDir = NewDir();
            FilesVm vm = await applier.StartRunVmAsync(vmDir, Path.Combine(_overlayDir, DatastoreLayout.DiskFile), cancellationToken);
            Log.LayerRunStarted(_logger, _top ?? "the empty base", clock.ElapsedMilliseconds);
            return vm;
        }
        catch (Exception e)
        {
            if (vmDir is not null)
                DatastoreLayout.TryDeleteDirectory(vmDir);
            if (e is not OperationCanceledException)
                Log.LayerRunAbandoned(_logger, $"the layer VM did not start: {e.Message}");
            _abandoned = true;
            return null;
        }
    }

    private string NewDir()
    {
        string dir = DatastoreLayout.NewTempDir(_layout.LayersDir);
        Directory.CreateDirectory(dir);
        return dir;
    }

    public async Task WriteLayerAsync(string layerId, string? parentLayerId, Stream tar, CancellationToken cancellationToken)
    {
        FilesVm? vm = _abandoned || parentLayerId != _top ? null : await _vm.WaitAsync(cancellationToken);
        if (vm is null || _abandoned)
        {
            await AbandonAsync(parentLayerId != _top ? "a layer on another parent" : null);
            await _store.WriteLayerAsync(layerId, parentLayerId, tar, cancellationToken);
            return;
        }
        bool applied = false;
        await _store.WriteOnceAsync(layerId, parentLayerId, async hex =>
        {
            await ApplyAsync(vm, layerId, hex, parentLayerId, tar, cancellationToken);
            applied = true;
        }, cancellationToken);
        if (!applied)
        {
            // A concurrent pull wrote this layer: the next one must sit on its disk, not on what this VM would write.
            await AbandonAsync("a layer another pull wrote meanwhile");
        }
    }

    private async Task ApplyAsync(FilesVm vm, string layerId, string hex, string? parentLayerId, Stream tar, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        string overlayDir = _overlayDir!;
        try
        {
            TransferDiskFile transfer = vm.Channel.Transfer ?? throw new InternalException("the layer VM has no transfer disk");
            FileSession session = await vm.Channel.StartFileAsync(new FileRequest { Operation = FileOperation.ApplyLayer, UseTransfer = true }, cancellationToken);
            if (await session.WriteSlotsAsync(tar, transfer, cancellationToken))
                await session.EndInputAsync(cancellationToken);
            FileResult result = await session.Done.WaitAsync(cancellationToken);
            if (result.Error != FileErrorKind.None)
                throw new InternalException($"applying layer {layerId} failed: {result.Message}");

            // The filesystem is frozen and flushed: the overlay is the complete layer. The guest writes nothing until
            // the next ApplyLayer, which comes only once the next overlay is on top; the VM is ended by QEMU, not by a
            // guest shutdown (which would write the published layer if the next overlay could not be put on top).
            if (!await _store.CompleteAsync(overlayDir, layerId, hex, parentLayerId, cancellationToken))
                throw new InternalException($"layer {layerId} was written by another pull at the same time");
            _overlayDir = null;
        }
        catch (Exception e)
        {
            // Nothing of this layer is kept (an unpublished overlay is removed when the run ends); later layers go alone.
            _abandoned = true;
            if (e is not OperationCanceledException)
                Log.LayerFailed(_logger, layerId, e.Message);
            throw;
        }
        Log.LayerWritten(_logger, layerId, clock.ElapsedMilliseconds);

        // The layer is written whatever happens next, so nothing below is cancelled halfway, and a failure only ends
        // the run: later layers are written alone.
        try
        {
            _overlayDir = NewDir();
            string next = Path.Combine(_overlayDir, DatastoreLayout.DiskFile);
            await _store.UseParentDiskAsync(layerId, layerDisk => _qemuImg.CreateChildAsync(layerDisk, next, CancellationToken.None),
                releaseAfter: false, CancellationToken.None);
            await ReleasePinAsync();
            (_pinned, _pinTaken) = (layerId, true);
            await vm.PutOverlayAsync(next, CancellationToken.None);
            _top = layerId;
        }
        catch (Exception e) when (e is PortLayerException or IOException)
        {
            _abandoned = true;
            Log.LayerRunAbandoned(_logger, $"the next overlay could not be put on layer {layerId}: {e.Message}");
        }
    }

    /// <summary>Stops using the VM: later writes go alone. <paramref name="reason"/> is logged (null: already logged).</summary>
    private async Task AbandonAsync(string? reason)
    {
        if (!_abandoned && reason is not null)
            Log.LayerRunAbandoned(_logger, reason);
        _abandoned = true;
        await EndVmAsync();
    }

    private async Task EndVmAsync()
    {
        if (_ended)
            return;
        _ended = true;
        await _stop.CancelAsync();
        FilesVm? vm;
        try
        {
            vm = await _vm;
        }
        catch (OperationCanceledException)
        {
            vm = null;
        }
        if (vm is not null)
            await vm.DisposeAsync();
        if (_overlayDir is not null)
        {
            DatastoreLayout.TryDeleteDirectory(_overlayDir);
            _overlayDir = null;
        }
        await ReleasePinAsync();
    }

    private async Task ReleasePinAsync()
    {
        if (_pinTaken)
        {
            _pinTaken = false;
            await _store.ReleaseParentAsync(_pinned);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await EndVmAsync();
        _stop.Dispose();
    }
}
