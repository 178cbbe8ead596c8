using System.Xml.Linq;
using Vic.Vsphere.Soap;

namespace Vic.Vsphere;

public enum SharesLevel
{
    Low,
    Normal,
    High,
    Custom,
}

/// <summary>
/// CPU (MHz) or memory (MB) allocation of a resource pool. <see cref="Limit"/> -1 is unlimited; an expandable
/// reservation may borrow from the parent pool.
/// </summary>
public sealed record ResourceAllocation
{
    public long Reservation { get; init; }

    public bool ExpandableReservation { get; init; } = true;

    public long Limit { get; init; } = -1;

    public SharesLevel Shares { get; init; } = SharesLevel.Normal;

    /// <summary>The share count when <see cref="Shares"/> is Custom (ignored otherwise).</summary>
    public int CustomShares { get; init; }

    /// <summary>No reservation, no limit, normal shares: what a new pool gets unless told otherwise.</summary>
    public static ResourceAllocation Default { get; } = new();
}

/// <summary>Resource pools: the unit a VCH's containerVMs run in, with its CPU and memory limits.</summary>
public sealed class ResourcePools
{
    private readonly VsphereClient _client;

    internal ResourcePools(VsphereClient client) => _client = client;

    /// <summary>Creates a child pool of <paramref name="parent"/>.</summary>
    /// <exception cref="DuplicateNameFault">The parent already has a child of that name.</exception>
    public async Task<ManagedObjectReference> CreateAsync(ManagedObjectReference parent, string name, ResourceAllocation? cpu = null,
        ResourceAllocation? memory = null, CancellationToken cancellationToken = default)
    {
        var response = await _client.InvokeAsync("CreateResourcePool", parent,
            [Vim.El("name", name), WriteSpec("spec", cpu ?? ResourceAllocation.Default, memory ?? ResourceAllocation.Default)], cancellationToken);
        return Vim.ReadRef(VsphereClient.ReturnValue(response)!);
    }

    /// <summary>Renames the pool and/or changes its allocations (a null allocation is left as is).</summary>
    public async Task UpdateAsync(ManagedObjectReference pool, string? name = null, ResourceAllocation? cpu = null, ResourceAllocation? memory = null,
        CancellationToken cancellationToken = default)
    {
        XElement? config = null;
        if (cpu is not null || memory is not null)
        {
            // UpdateConfig takes whole allocations: keep the side not being changed as it is now.
            var (currentCpu, currentMemory) = await GetAllocationAsync(pool, cancellationToken);
            config = WriteSpec("config", cpu ?? currentCpu, memory ?? currentMemory);
        }
        await _client.InvokeAsync("UpdateConfig", pool, [Vim.Opt("name", name), config], cancellationToken);
    }

    /// <summary>Destroys the pool; VMs and child pools in it move to its parent (vSphere semantics).</summary>
    public async Task DestroyAsync(ManagedObjectReference pool, CancellationToken cancellationToken = default)
    {
        var response = await _client.InvokeAsync("Destroy_Task", pool, [], cancellationToken);
        await _client.Tasks.WaitAsync(Vim.ReadRef(VsphereClient.ReturnValue(response)!), cancellationToken: cancellationToken);
    }

    /// <summary>The pool's current CPU and memory allocation (config.cpuAllocation, config.memoryAllocation).</summary>
    public async Task<(ResourceAllocation Cpu, ResourceAllocation Memory)> GetAllocationAsync(ManagedObjectReference pool, CancellationToken cancellationToken = default)
    {
        var content = await _client.Properties.RetrieveAsync(pool, ["config.cpuAllocation", "config.memoryAllocation"], cancellationToken);
        return (ReadAllocation(content.Required("config.cpuAllocation").Xml), ReadAllocation(content.Required("config.memoryAllocation").Xml));
    }

    internal static XElement WriteSpec(string name, ResourceAllocation cpu, ResourceAllocation memory) =>
        Vim.El(name, WriteAllocation("cpuAllocation", cpu), WriteAllocation("memoryAllocation", memory));

    private static XElement WriteAllocation(string name, ResourceAllocation allocation) =>
        Vim.El(name,
            Vim.El("reservation", allocation.Reservation),
            Vim.El("expandableReservation", allocation.ExpandableReservation),
            Vim.El("limit", allocation.Limit),
            Vim.El("shares",
                Vim.El("shares", allocation.Shares == SharesLevel.Custom ? allocation.CustomShares : 0),
                Vim.El("level", allocation.Shares.ToString().ToLowerInvariant())));

    private static ResourceAllocation ReadAllocation(XElement element) => new()
    {
        Reservation = Vim.Long(element, "reservation") ?? 0,
        ExpandableReservation = Vim.Bool(element, "expandableReservation") ?? false,
        Limit = Vim.Long(element, "limit") ?? -1,
        Shares = Vim.Text(Vim.Child(element, "shares"), "level") switch
        {
            "low" => SharesLevel.Low,
            "high" => SharesLevel.High,
            "custom" => SharesLevel.Custom,
            _ => SharesLevel.Normal,
        },
        CustomShares = Vim.Int(Vim.Child(element, "shares"), "shares") ?? 0,
    };
}
