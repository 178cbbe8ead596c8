using Microsoft.Extensions.Logging;
using Vic.ImageC.Store;
using Vic.PortLayer;

namespace Vic.ImageC.Layers;

/// <summary>
/// Gets an image's missing layers into the layer store, shared by pull and load. Layers that exist are skipped;
/// the others are prepared (downloaded, decompressed, verified) a few at a time and written strictly in order,
/// each as a child of the one below. If anything fails, the layers this import created are removed again
/// (unless someone else came to rely on them meanwhile): a failed pull keeps nothing.
/// </summary>
internal sealed class LayerImporter(IImageLayerStore layers, ImageCatalog catalog, int maxConcurrent, ILogger logger)
{
    // Two imports of images sharing a new layer must not write it twice at once.
    private readonly KeyedLock _writeLocks = new();

    public async Task<ImportResult> ImportAsync(
        IReadOnlyList<LayerPlan> plans,
        Func<LayerPlan, CancellationToken, Task<PreparedLayer>> prepare,
        ILayerProgress progress,
        LayerPin pin,
        CancellationToken cancellationToken)
    {
        var existed = new bool[plans.Count];
        foreach (var plan in plans)
        {
            existed[plan.Index] = await layers.ExistsAsync(plan.ChainId, cancellationToken);
            if (existed[plan.Index])
            {
                progress.Existing(plan);
            }
            else
            {
                progress.Queued(plan);
            }
        }

        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var gate = new SemaphoreSlim(maxConcurrent);
        var pending = plans.Select(p => existed[p.Index] ? null : PrepareGatedAsync(p)).ToArray();
        var sizes = new long[plans.Count];
        var blobs = new KeptBlob?[plans.Count];
        var created = new List<string>();
        // Opened before the first download ends, so the backend can get ready (boot the VM that applies the layers)
        // while the layers download.
        LayerPlan? firstMissing = plans.FirstOrDefault(p => !existed[p.Index]);
        ILayerRun? run = firstMissing is null ? null : layers.BeginRun(firstMissing.ParentId);
        try
        {
            foreach (var plan in plans)
            {
                if (pending[plan.Index] is not { } task)
                {
                    continue;
                }
                var layer = await task;
                sizes[plan.Index] = layer.TarSize;
                blobs[plan.Index] = layer.Blob;
                if (await WriteAsync(run!, plan, layer, progress, failed.Token))
                {
                    created.Add(plan.ChainId);
                }
            }
            if (run is not null)
            {
                await run.DisposeAsync();
            }
        }
        catch (Exception e)
        {
            await failed.CancelAsync();
            if (run is not null)
            {
                // Before the rollback: the run keeps the layer it stands on from being removed.
                await run.DisposeAsync();
            }
            // Let the other downloads stop before the caller deletes the files they write.
            await Task.WhenAll(pending.OfType<Task<PreparedLayer>>().Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
            await RollbackAsync(created, pin);
            if (e is OperationCanceledException && !cancellationToken.IsCancellationRequested && FirstFailure(pending) is { } cause)
            {
                // We were waiting on a layer that another layer's failure cancelled: report that failure.
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(cause);
            }
            throw;
        }
        return new ImportResult(sizes, blobs, existed);

        async Task<PreparedLayer> PrepareGatedAsync(LayerPlan plan)
        {
            await gate.WaitAsync(failed.Token);
            try
            {
                return await prepare(plan, failed.Token);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Stop the other downloads at once rather than when the in-order writer reaches this layer.
                await failed.CancelAsync();
                throw;
            }
            finally
            {
                gate.Release();
            }
        }
    }

    private static Exception? FirstFailure(Task<PreparedLayer>?[] pending) =>
        pending.Select(t => t?.Exception?.InnerException).FirstOrDefault(e => e is not null and not OperationCanceledException);

    private async Task<bool> WriteAsync(ILayerRun run, LayerPlan plan, PreparedLayer layer, ILayerProgress progress, CancellationToken cancellationToken)
    {
        using var writing = await _writeLocks.AcquireAsync(plan.ChainId, cancellationToken);
        try
        {
            if (await layers.ExistsAsync(plan.ChainId, cancellationToken))
            {
                // Written by a concurrent import of an image sharing this layer while we downloaded it.
                progress.Written(plan);
                return false;
            }
            var file = new FileStream(layer.TarPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous);
            await using var tar = new ObservedReadStream(file, read => progress.Writing(plan, read, layer.TarSize));
            await run.WriteLayerAsync(plan.ChainId, plan.ParentId, tar, cancellationToken);
            progress.Written(plan);
            return true;
        }
        finally
        {
            if (layer.TarPath != layer.Blob?.Path)
            {
                // The uncompressed copy is not kept; free the space as soon as the layer is written.
                Store.TempWorkspace.DeleteQuietly(layer.TarPath);
            }
        }
    }

    private async Task RollbackAsync(List<string> created, LayerPin pin)
    {
        if (created.Count == 0)
        {
            return;
        }
        // Not cancellable: the operation may have failed because it was cancelled, and must still leave nothing.
        using var locked = await catalog.LockAsync(CancellationToken.None);
        await LayerReleaser.ReleaseAsync(layers, catalog, created, pin, logger, CancellationToken.None);
    }
}
