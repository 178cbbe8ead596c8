using Vic.Tether.Protocol;
using Vic.Vsphere;

namespace Vic.PortLayer.VSphere.Containers;

/// <summary>Translates a container spec into what vSphere creates (a VM config spec) and what the tether reads (guestinfo).</summary>
internal static class ContainerVmFactory
{
    public const string GuestId = "otherLinux64Guest";

    /// <summary>The tether's spec: devices as a Linux guest names them on this VM (pvscsi disk sda, first CD-ROM sr0).</summary>
    public static VmSpec TetherSpec(ContainerSpec spec, DateTimeOffset now) => new()
    {
        Mode = VmMode.Container,
        Id = spec.Id,
        Hostname = spec.Hostname.Length > 0 ? spec.Hostname : spec.Id[..12],
        Domainname = spec.Domainname,
        HostTimeUnixMs = now.ToUnixTimeMilliseconds(),
        RootDevice = "/dev/sda",
        Interfaces = spec.Nics.Select((nic, i) => new NetworkInterfaceSpec
        {
            Mac = nic.Mac,
            Name = $"eth{i}",
            Address = nic.Address,
            Gateway = nic.Gateway,
            Dhcp = nic.Dhcp ? new DhcpSpec { DefaultRoute = nic.DhcpRoute, Resolvers = nic.DhcpResolvers } : null,
            Aliases = nic.Aliases,
        }).ToList(),
        Dns = spec.Dns is { } dns ? new DnsSpec { Nameservers = dns.Nameservers, Search = dns.Search, Options = dns.Options } : null,
        ExtraHosts = spec.ExtraHosts.Select(h => new HostEntry(h.Address, h.Names)).ToList(),
        ReadOnlyRoot = spec.ReadOnlyRoot,
        Process = new ProcessSpec
        {
            Args = spec.Process.Args,
            Env = spec.Process.Env,
            WorkingDir = spec.Process.WorkingDir,
            User = spec.Process.User,
            AdditionalGroups = spec.Process.AdditionalGroups.Count > 0 ? spec.Process.AdditionalGroups : null,
            Tty = spec.Process.Tty,
            OpenStdin = spec.Process.OpenStdin,
        },
    };

    /// <summary>
    /// The containerVM: memory and CPUs from the spec, the container's disk created as a child of the image's top layer
    /// on a paravirtual SCSI controller, the container base ISO on IDE 0:0, a file-backed serial port for the log
    /// (written by the hypervisor, read through the datastore) and a network-backed one for interaction, a NIC on the
    /// bridge port group per NIC of the spec, with its MAC (the tether finds interfaces by MAC).
    /// </summary>
    public static VmConfigSpec Create(VSphereContext context, ContainerSpec spec, string vmName, DatastorePath directory, DatastorePath parentDisk,
        IReadOnlyDictionary<string, string> extraConfig)
    {
        var options = context.Options;
        var devices = new List<DeviceChange>
        {
            DeviceChange.Add(new ScsiController { Key = -100, BusNumber = 0 }),
            DeviceChange.Create(new VirtualDisk
            {
                Key = -101, ControllerKey = -100, UnitNumber = 0, CapacityKb = options.RootDiskKb,
                Backing = new DiskBacking(directory.Combine(vmName + ".vmdk").ToString()) { Parent = new DiskBacking(parentDisk.ToString()) },
            }),
            DeviceChange.Add(new VirtualCdrom { Key = -102, ControllerKey = 200, UnitNumber = 0, IsoFileName = context.Placement.ContainerBaseIso.ToString() }),
            DeviceChange.Add(new VirtualSerialPort { Key = -103, Backing = new SerialFileBacking(directory.Combine(Placement.OutputLogName).ToString()) }),
            DeviceChange.Add(new VirtualSerialPort
            {
                Key = -104,
                Backing = new SerialUriBacking(options.InteractionUri ?? "tcp://127.0.0.1:0"),
                StartConnected = options.InteractionUri is not null,
            }),
        };
        int key = -110;
        foreach (var nic in spec.Nics)
            devices.Add(DeviceChange.Add(VirtualNic.On(context.Placement.Bridge, key: key--) with { MacAddress = nic.Mac }));
        return new VmConfigSpec
        {
            Name = vmName,
            GuestId = GuestId,
            Annotation = $"vic container {spec.Id} of VCH {options.VchName}",
            VmPathName = directory.Combine(vmName + ".vmx").ToString(),
            NumCpus = spec.Cpus > 0 ? spec.Cpus : options.DefaultCpus,
            MemoryMb = (spec.MemoryBytes > 0 ? spec.MemoryBytes : options.DefaultMemoryBytes) / (1024 * 1024),
            ExtraConfig = extraConfig,
            DeviceChanges = devices,
        };
    }
}
