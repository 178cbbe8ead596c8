using Vic.PortLayer.Qemu.Storage;
using Vic.PortLayer.Qemu.Vm;

namespace Vic.PortLayer.Qemu;

/// <summary>docker info's view of the local backend: accelerator, guest kernel, host size.</summary>
internal sealed class HostInfo(DatastoreLayout layout, HostResources host, AcceleratorProbe accelerator) : IHostInfo
{
    public async Task<HostFacts> GetFactsAsync(CancellationToken cancellationToken)
    {
        string accel = await accelerator.GetAsync().WaitAsync(cancellationToken);
        var warnings = new List<string>();
        if (accel == "tcg")
            warnings.Add("WARNING: containerVMs run under TCG emulation (KVM is not usable here): expect slower containers");
        return new HostFacts
        {
            Backend = "qemu",
            Accelerator = accel,
            GuestKernelVersion = ReadTrimmed(layout.KernelReleaseFile),
            Cpus = host.Cpus,
            MemoryBytes = host.MemoryBytes,
            DatastorePath = layout.Root,
            OperatingSystem = ReadOsName(),
            Warnings = warnings,
        };
    }

    private static string ReadTrimmed(string path)
    {
        try
        {
            return File.ReadAllText(path).Trim();
        }
        catch (IOException)
        {
            return "";
        }
    }

    private static string ReadOsName()
    {
        try
        {
            string? line = File.ReadLines("/etc/os-release").FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal));
            return line is null ? "Linux" : line["PRETTY_NAME=".Length..].Trim('"');
        }
        catch (IOException)
        {
            return "Linux";
        }
    }
}
