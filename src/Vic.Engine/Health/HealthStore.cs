using System.Text.Json;
using System.Text.Json.Serialization;
using Vic.PortLayer;

namespace Vic.Engine.Health;

/// <summary>
/// Health state on the datastore (the metadata store, one key per container), so inspect after a VCH restart shows
/// what it showed before and probing resumes where it was. Kept apart from the container's annotations so a probe
/// result never races a rename or a network change rewriting them.
/// </summary>
internal sealed class HealthStore(IMetadataStore metadata)
{
    private const string KeyPrefix = "health";

    public async Task<Dictionary<string, StoredHealth>> LoadAllAsync(CancellationToken cancellationToken)
    {
        var states = new Dictionary<string, StoredHealth>(StringComparer.Ordinal);
        foreach (string key in await metadata.ListAsync(KeyPrefix, cancellationToken))
        {
            var bytes = await metadata.GetAsync(key, cancellationToken);
            if (bytes is null)
                continue;
            try
            {
                if (JsonSerializer.Deserialize(bytes, HealthJson.Default.StoredHealth) is { } stored)
                    states[key[(KeyPrefix.Length + 1)..]] = stored;
            }
            catch (JsonException)
            {
                // A damaged record is as good as none: the next start of the container begins afresh.
            }
        }
        return states;
    }

    public Task SaveAsync(string containerId, StoredHealth state, CancellationToken cancellationToken) =>
        metadata.PutAsync(Key(containerId), JsonSerializer.SerializeToUtf8Bytes(state, HealthJson.Default.StoredHealth), cancellationToken);

    public Task DeleteAsync(string containerId, CancellationToken cancellationToken) => metadata.DeleteAsync(Key(containerId), cancellationToken);

    private static string Key(string containerId) => $"{KeyPrefix}/{containerId}";
}

[JsonSerializable(typeof(StoredHealth))]
internal sealed partial class HealthJson : JsonSerializerContext;
