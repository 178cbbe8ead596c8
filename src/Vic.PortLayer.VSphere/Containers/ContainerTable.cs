using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Vic.Tether.Protocol;
using Vic.Vsphere;

namespace Vic.PortLayer.VSphere.Containers;

/// <summary>The VCH's containers by ID, the lock that keeps names unique, and writing a record to its VM.</summary>
internal sealed class ContainerTable(VSphereContext context)
{
    private readonly ConcurrentDictionary<string, ContainerEntry> _entries = new(StringComparer.Ordinal);

    public SemaphoreSlim NamesLock { get; } = new(1, 1);

    public event EventHandler<ContainerStateChanged>? StateChanged;

    public IEnumerable<ContainerEntry> All => _entries.Values.Where(e => !e.Removed);

    public ContainerEntry Get(string id) =>
        _entries.TryGetValue(id, out var entry) && !entry.Removed ? entry : throw new NotFoundException($"No such container: {id}");

    public ContainerEntry? FindByVm(ManagedObjectReference vm) => _entries.Values.FirstOrDefault(e => e.Vm == vm && !e.Removed);

    public bool Contains(string id) => _entries.ContainsKey(id);

    public ContainerEntry? FindByName(string name) => All.FirstOrDefault(e => e.Record.Spec.Name == name);

    public void Add(ContainerEntry entry) => _entries[entry.Id] = entry;

    public void Remove(ContainerEntry entry) => _entries.TryRemove(new KeyValuePair<string, ContainerEntry>(entry.Id, entry));

    /// <summary>extraConfig changes writing <paramref name="record"/> (and clearing chunks a longer one left).</summary>
    public static List<KeyValuePair<string, string>> RecordKeys(ContainerRecord record, int oldChunks, out int chunks)
    {
        var pairs = ExtraConfigDocument.Encode(ContainerRecord.DocumentName, JsonSerializer.SerializeToUtf8Bytes(record, VSphereJson.Default.ContainerRecord)).ToList();
        chunks = pairs.Count - 3;
        pairs.AddRange(ExtraConfigDocument.Stale(ContainerRecord.DocumentName, guest: false, oldChunks, chunks));
        return pairs;
    }

    /// <summary>extraConfig changes writing the tether's spec as guestinfo.</summary>
    public static List<KeyValuePair<string, string>> SpecKeys(VmSpec spec, int oldChunks, out int chunks)
    {
        var pairs = GuestInfoSpec.Encode(spec).ToList();
        chunks = pairs.Count - 3;
        pairs.AddRange(ExtraConfigDocument.Stale(GuestInfoSpec.Name, guest: true, oldChunks, chunks));
        return pairs;
    }

    /// <summary>Writes <paramref name="record"/> (and, when given, a new guestinfo spec and VM name) in one reconfigure, then adopts it.</summary>
    public async Task SaveAsync(ContainerEntry entry, ContainerRecord record, CancellationToken cancellationToken, VmSpec? spec = null,
        VmConfigSpec? also = null)
    {
        var keys = RecordKeys(record, entry.RecordChunks, out int recordChunks);
        int specChunks = entry.SpecChunks;
        if (spec is not null)
            keys.AddRange(SpecKeys(spec, entry.SpecChunks, out specChunks));
        var change = (also ?? new VmConfigSpec()) with { ExtraConfig = keys.ToDictionary(k => k.Key, k => k.Value, StringComparer.Ordinal) };
        await Faults.GuardAsync($"updating containerVM {entry.Vm.Value}", () => context.Client.VirtualMachines.ReconfigureAsync(entry.Vm, change, cancellationToken: cancellationToken));
        entry.Record = record;
        entry.RecordChunks = recordChunks;
        entry.SpecChunks = specChunks;
    }

    public ContainerInfo ToInfo(ContainerEntry entry) => new()
    {
        Spec = entry.Record.Spec,
        Status = entry.Record.Status,
        Created = entry.Record.Created,
        Location = $"{entry.Directory} ({entry.Vm})",
        LogPath = entry.LogPath.ToString(),
    };

    /// <summary>Raises StateChanged; a throwing subscriber is logged and cannot break the backend's bookkeeping.</summary>
    public void Raise(string id, ContainerRunState state, int exitCode)
    {
        try
        {
            StateChanged?.Invoke(this, new ContainerStateChanged(id, state, exitCode, context.Time.GetUtcNow()));
        }
        catch (Exception e)
        {
            Log.SubscriberFailed(context.Logger, id, e);
        }
    }
}
