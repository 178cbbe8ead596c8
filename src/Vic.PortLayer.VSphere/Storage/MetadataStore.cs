using Vic.Vsphere;

namespace Vic.PortLayer.VSphere.Storage;

/// <summary>
/// <see cref="IMetadataStore"/> as one datastore file per key in &lt;vch&gt;/metadata/, flat: '/' in a key is
/// written as '+' (which keys cannot contain), so listing is one folder search. A put uploads to a temporary
/// name and moves it over the old file, so readers see the old or the new value; writers are serialized.
/// </summary>
internal sealed class MetadataStore(VSphereContext context) : IMetadataStore
{
    private const string TempPrefix = ".tmp-"; // keys never start with '.', so temp files stay out of the key space
    private readonly SemaphoreSlim _writeLock = new(1, 1);

    private DatastorePath Folder => context.Placement.Metadata;

    public Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken) =>
        Faults.GuardAsync($"reading metadata {key}", () => context.DownloadOrNullAsync(PathOf(key), cancellationToken));

    public async Task PutAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        var temp = Folder.Combine(TempPrefix + Guid.NewGuid().ToString("N"));
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            await Faults.GuardAsync($"writing metadata {key}", async () =>
            {
                await context.Client.Datastores.UploadAsync(context.Datacenter, temp, new MemoryStream(value.ToArray()), cancellationToken);
                await context.Client.Datastores.MoveAsync(context.Datacenter, temp, path, force: true, cancellationToken);
            });
        }
        catch
        {
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await context.DeleteQuietlyAsync(temp, limit.Token);
            throw;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            await Faults.GuardAsync($"deleting metadata {key}", () => context.DeleteQuietlyAsync(path, cancellationToken));
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken cancellationToken)
    {
        if (prefix.Length > 0 && !prefix.All(IsKeyChar))
            throw new InvalidArgumentException($"invalid metadata key prefix '{prefix}'");
        IReadOnlyList<DatastoreFile> files;
        try
        {
            files = await Faults.GuardAsync("listing metadata", () => context.Client.Datastores.ListAsync(context.Placement.Datastore, Folder.Path, cancellationToken));
        }
        catch (InternalException e) when (e.InnerException is FileNotFoundFault)
        {
            return [];
        }
        return files.Where(f => !f.IsFolder && !f.Name.StartsWith(TempPrefix, StringComparison.Ordinal))
            .Select(f => f.Name.Replace('+', '/'))
            .Where(k => k.StartsWith(prefix, StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    private DatastorePath PathOf(string key)
    {
        ValidateKey(key);
        return Folder.Combine(key.Replace('/', '+'));
    }

    /// <summary>The same key rules as every backend's store: [a-z0-9._:-] segments, none empty or starting with '.'.</summary>
    internal static void ValidateKey(string key)
    {
        if (key.Length is 0 or > 1024)
            throw new InvalidArgumentException($"invalid metadata key '{key}': length must be 1..1024");
        foreach (string segment in key.Split('/'))
        {
            if (segment.Length == 0 || segment.StartsWith('.') || !segment.All(IsKeyChar) || segment.Length > 255)
                throw new InvalidArgumentException(
                    $"invalid metadata key '{key}': segments are [a-z0-9._:-], non-empty, not starting with '.'");
        }
    }

    private static bool IsKeyChar(char c) => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '.' or '_' or ':' or '-' or '/';
}
