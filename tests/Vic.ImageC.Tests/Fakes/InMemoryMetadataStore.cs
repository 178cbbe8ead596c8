using System.Collections.Concurrent;
using Vic.PortLayer;

namespace Vic.ImageC.Tests.Fakes;

/// <summary>IMetadataStore in memory, with the key rules of the contract enforced.</summary>
internal sealed class InMemoryMetadataStore : IMetadataStore
{
    private readonly ConcurrentDictionary<string, byte[]> _values = new(StringComparer.Ordinal);

    public IReadOnlyCollection<string> Keys => _values.Keys.Order(StringComparer.Ordinal).ToList();

    public Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken) =>
        Task.FromResult(_values.TryGetValue(Check(key), out var value) ? value.ToArray() : null);

    public Task PutAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken)
    {
        _values[Check(key)] = value.ToArray();
        return Task.CompletedTask;
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        _values.TryRemove(Check(key), out _);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<string>>(_values.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList());

    private static string Check(string key)
    {
        foreach (string segment in key.Split('/'))
        {
            if (segment.Length == 0 || segment.Any(c => !(c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '.' or '_' or ':' or '-')))
            {
                throw new ArgumentException($"invalid metadata key {key}");
            }
        }
        return key;
    }
}
