using Vic.Vsphere;

namespace Vic.Machine.Vsphere;

/// <summary>What configure was asked to change; null members stay as they are.</summary>
internal sealed record ConfigureRequest
{
    /// <summary>Set: the new limit; <c>Some(null)</c> lifts it ("unlimited").</summary>
    public Change<int?>? MaxContainers { get; init; }
    public Change<long?>? MemoryBytes { get; init; }
    public Change<int?>? Cpus { get; init; }
    public IReadOnlyList<string>? ContainerNetworks { get; init; }
    public IReadOnlyList<string>? DnsServers { get; init; }
}

/// <summary>A value to change to (which may itself be null: "unlimited").</summary>
internal sealed record Change<T>(T Value);

/// <summary>
/// vic-machine configure on vSphere: limits (the pool's allocation and vic-vch's own), container networks and DNS
/// servers (the appliance's configuration). Validates first; then updates the pool and the appliance; on failure
/// both are put back.
/// </summary>
internal sealed class VchConfigurer(VsphereSession session, TextWriter progress)
{
    public Func<string, Task>? BeforeStep { get; init; }

    public async Task<VsphereVch> ConfigureAsync(FoundVch vch, ConfigureRequest request, CancellationToken ct)
    {
        var client = session.Client;
        var before = vch.Record;
        var problems = new List<string>();
        var networks = before.ContainerNetworks;
        if (request.ContainerNetworks is { } wanted)
        {
            networks = [];
            var aliases = new HashSet<string>(StringComparer.Ordinal);
            foreach (string text in wanted)
            {
                var (portgroup, alias) = StoreSyntax.ContainerNetwork(text);
                if (!aliases.Add(alias))
                    problems.Add($"--container-network: name \"{alias}\" is given twice");
                if (await CreateValidator.Resolve(problems, () => client.Inventory.GetNetworkAsync(session.Datacenter, portgroup, ct), "--container-network") is { } net)
                {
                    if (net.Name == before.BridgeNetwork)
                        problems.Add($"--container-network {portgroup} is the bridge network");
                    networks.Add(alias == portgroup ? net.Name : $"{net.Name}:{alias}");
                }
            }
        }
        foreach (string dns in request.DnsServers ?? [])
        {
            if (!System.Net.IPAddress.TryParse(dns, out _))
                problems.Add($"invalid --dns-server \"{dns}\": give an IP address");
        }
        if (problems.Count > 0)
            throw new MachineException($"configure refused, nothing was changed:\n" + string.Join("\n", problems.Select(p => "  - " + p)), ExitCodes.InvalidArgument);

        var after = before with
        {
            MaxContainers = request.MaxContainers is { } c ? c.Value : before.MaxContainers,
            MemoryBytes = request.MemoryBytes is { } m ? m.Value : before.MemoryBytes,
            Cpus = request.Cpus is { } p ? p.Value : before.Cpus,
            ContainerNetworks = networks,
            DnsServers = request.DnsServers?.ToList() ?? before.DnsServers,
        };
        var pool = new ManagedObjectReference("ResourcePool", before.ResourcePoolId);
        var cr = await client.Inventory.GetComputeResourceAsync(session.Datacenter, before.ComputeResource, ct);
        long mhz = await CreateValidator.SlowestHostMhzAsync(client, cr, ct);
        after = after with { CpuLimitMhz = after.Cpus is int cpus ? (cpus + before.ApplianceCpus) * mhz : -1 };
        if (System.Text.Json.JsonSerializer.Serialize(after, VsphereJson.Default.VsphereVch) == System.Text.Json.JsonSerializer.Serialize(before, VsphereJson.Default.VsphereVch))
        {
            progress.WriteLine($"VCH {before.Name}: nothing to change");
            return before;
        }

        var rollback = new Rollback(progress);
        try
        {
            await Step("pool");
            var (oldCpu, oldMemory) = await client.ResourcePools.GetAllocationAsync(pool, ct);
            long memoryLimit = after.MemoryBytes is long bytes ? bytes / (1024 * 1024) + before.ApplianceMemoryMb : -1;
            progress.WriteLine($"Setting the limits of resource pool {before.ResourcePool}: CPU {(after.CpuLimitMhz < 0 ? "none" : after.CpuLimitMhz + " MHz")}, memory {(memoryLimit < 0 ? "none" : memoryLimit + " MB")}");
            await client.ResourcePools.UpdateAsync(pool, cpu: oldCpu with { Limit = after.CpuLimitMhz }, memory: oldMemory with { Limit = memoryLimit }, cancellationToken: ct);
            rollback.Add($"put the old limits back on resource pool {before.ResourcePool}", () => client.ResourcePools.UpdateAsync(pool, cpu: oldCpu, memory: oldMemory));

            await new ApplianceReconfiguration(session, progress, Step).ApplyAsync(vch, after, null, rollback, ct);
            progress.WriteLine($"VCH {after.Name} reconfigured");
            return after;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            progress.WriteLine($"Configure failed ({e.Message.Split('\n')[0]}); rolling back");
            var left = await rollback.RunAsync();
            if (left.Count > 0)
                throw new MachineException($"configure failed: {e.Message}\nand rolling back failed too:\n" + string.Join("\n", left.Select(l => "  - " + l)), ExitCodes.Failure);
            throw new MachineException($"configure failed and was rolled back; VCH {before.Name} is as before. Cause: {e.Message}",
                e is MachineException me ? me.ExitCode : ExitCodes.Failure);
        }

        async Task Step(string name)
        {
            ct.ThrowIfCancellationRequested();
            if (BeforeStep is { } hook)
                await hook(name);
        }
    }
}
