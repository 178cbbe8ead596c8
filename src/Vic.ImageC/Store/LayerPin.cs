namespace Vic.ImageC.Store;

/// <summary>Layers an unfinished pull or load relies on; see <see cref="ImageCatalog.Pin"/>.</summary>
internal sealed class LayerPin : IDisposable
{
    private readonly ImageCatalog _catalog;
    private int _disposed;

    internal LayerPin(ImageCatalog catalog, IReadOnlyList<string> chainIds)
    {
        _catalog = catalog;
        ChainIds = chainIds;
    }

    public IReadOnlyList<string> ChainIds { get; }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _catalog.Unpin(this);
        }
    }
}
