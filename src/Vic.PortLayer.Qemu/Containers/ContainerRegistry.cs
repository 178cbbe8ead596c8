using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Vic.PortLayer.Qemu.Storage;

namespace Vic.PortLayer.Qemu.Containers;

/// <summary>
/// The containers this backend knows, their persistence (config.json) and the StateChanged event.
/// Name uniqueness is checked under <see cref="NamesLock"/> by create and rename.
/// </summary>
internal sealed class ContainerRegistry(DatastoreLayout layout, TimeProvider time, ILogger logger)
{
    private readonly ConcurrentDictionary<string, ContainerEntry> _entries = new(StringComparer.Ordinal);

    public DatastoreLayout Layout { get; } = layout;
    public TimeProvider Time { get; } = time;
    public SemaphoreSlim NamesLock { get; } = new(1, 1);

    public event EventHandler<ContainerStateChanged>? StateChanged;

    public IEnumerable<ContainerEntry> All => _entries.Values;

    public ContainerEntry Get(string id) =>
        _entries.TryGetValue(id, out ContainerEntry? entry) && !entry.Removed
            ? entry
            : throw new NotFoundException($"No such container: {id}");

    public bool Contains(string id) => _entries.ContainsKey(id);

    public ContainerEntry? FindByName(string name) =>
        _entries.Values.FirstOrDefault(e => !e.Removed && string.Equals(e.Record.Spec.Name, name, StringComparison.Ordinal));

    public void Add(ContainerEntry entry) => _entries[entry.Id] = entry;

    public void Remove(ContainerEntry entry) => _entries.TryRemove(new KeyValuePair<string, ContainerEntry>(entry.Id, entry));

    /// <summary>Persists <paramref name="record"/> atomically, then makes it the entry's current view.</summary>
    public async Task SaveAsync(ContainerEntry entry, ContainerRecord record, CancellationToken cancellationToken)
    {
        await WriteRecordAsync(entry.Directory, record, cancellationToken);
        entry.Record = record;
    }

    public static Task WriteRecordAsync(string directory, ContainerRecord record, CancellationToken cancellationToken) =>
        AtomicFile.WriteAsync(Path.Combine(directory, DatastoreLayout.ConfigFile),
            JsonSerializer.SerializeToUtf8Bytes(record, QemuJson.Default.ContainerRecord), cancellationToken);

    public static ContainerRecord ReadRecord(string directory)
    {
        byte[] bytes = File.ReadAllBytes(Path.Combine(directory, DatastoreLayout.ConfigFile));
        return JsonSerializer.Deserialize(bytes, QemuJson.Default.ContainerRecord)
            ?? throw new JsonException("config.json is empty");
    }

    public ContainerInfo ToInfo(ContainerEntry entry)
    {
        ContainerRecord r = entry.Record;
        return new ContainerInfo
        {
            Spec = r.Spec,
            Status = r.Status,
            Created = r.Created,
            Location = entry.Directory,
            LogPath = entry.LogPath,
            DiskBytes = DiskBytes(entry.Directory),
        };
    }

    /// <summary>The length of the container's qcow2 (its clusters and their tables: it grows as the container writes);
    /// null while it does not exist yet.</summary>
    private static long? DiskBytes(string directory)
    {
        var disk = new FileInfo(Path.Combine(directory, DatastoreLayout.DiskFile));
        return disk.Exists ? disk.Length : null;
    }

    /// <summary>Raises StateChanged; a throwing subscriber is logged and cannot break the backend's bookkeeping.</summary>
    public void Raise(string id, ContainerRunState state, int exitCode)
    {
        try
        {
            StateChanged?.Invoke(this, new ContainerStateChanged(id, state, exitCode, Time.GetUtcNow()));
        }
        catch (Exception e)
        {
            Log.StateChangedHandlerFailed(logger, e);
        }
    }
}
