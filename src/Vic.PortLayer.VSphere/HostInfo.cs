using Vic.Vsphere;

namespace Vic.PortLayer.VSphere;

/// <summary>docker info's view of vSphere: the compute resource's hosts (CPU cores and memory summed), the product.</summary>
internal sealed class HostInfo(VSphereContext context) : IHostInfo
{
    private string? _kernel;

    public async Task<HostFacts> GetFactsAsync(CancellationToken cancellationToken)
    {
        var hosts = context.Placement.ComputeResource.Hosts;
        int cpus = 0;
        long memory = 0;
        if (hosts.Count > 0)
        {
            var filter = new PropertyFilter([new PropertySelection("HostSystem", ["summary.hardware.numCpuCores", "summary.hardware.memorySize"])],
                hosts.Select(h => new ObjectSelection(h)).ToList());
            foreach (var host in await Faults.GuardAsync("reading the cluster's hosts", () => context.Client.Properties.RetrieveAsync(filter, cancellationToken)))
            {
                cpus += host["summary.hardware.numCpuCores"]?.AsInt() ?? 0;
                memory += host["summary.hardware.memorySize"]?.AsLong() ?? 0;
            }
        }
        _kernel ??= context.Placement.KernelRelease is { } path
            ? System.Text.Encoding.UTF8.GetString(await context.DownloadOrNullAsync(path, cancellationToken) ?? []).Trim()
            : "";
        return new HostFacts
        {
            Backend = "vsphere",
            Accelerator = "vmware",
            GuestKernelVersion = _kernel,
            Cpus = cpus,
            MemoryBytes = memory,
            DatastorePath = context.Placement.Root.ToString(),
            OperatingSystem = context.Client.ServiceContent.FullName,
            Warnings =
            [
                $"WARNING: vsphere backend ({context.Placement.ComputeResource.Name}, {hosts.Count} hosts): exec, attach, stats, pause, volumes and signals other than SIGKILL are not implemented yet",
            ],
        };
    }
}
