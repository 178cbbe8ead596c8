namespace Vic.PortLayer;

/// <summary>
/// A small durable key-value store on the datastore for personality metadata (image configs, tags).
/// Writes are atomic (a reader sees the old or the new value, never a torn one) and durable once the call returns.
/// Keys are paths of [a-z0-9._:-] segments separated by '/'.
/// </summary>
public interface IMetadataStore
{
    Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken);
    Task PutAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken);
    /// <summary>Deleting a missing key is not an error.</summary>
    Task DeleteAsync(string key, CancellationToken cancellationToken);
    /// <summary>Keys directly or indirectly under <paramref name="prefix"/>.</summary>
    Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken cancellationToken);
}
