using Vic.Tether.Native;
using Vic.Tether.Protocol;

namespace Vic.Tether;

/// <summary>
/// Brings the guest's network up as the spec describes it, with the kernel's interface and route ioctls: there
/// is no `ip` in the initramfs and the image may have none. Loopback first, then each NIC found by its MAC:
/// renamed while down, MTU, IPv4 address and netmask, up, and the default route when it has a gateway.
/// </summary>
internal static unsafe class NetworkSetup
{
    private const string SysNet = "/sys/class/net";

    /// <summary>virtio-mmio NICs are probed while virtio_net loads, before the tether gets here; this only covers a slow probe.</summary>
    private static readonly TimeSpan NicTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Configures loopback and <paramref name="interfaces"/>. Throws <see cref="TetherException"/> naming the interface and step that failed.</summary>
    /// <param name="progress">Boot-timing lines (the debug console).</param>
    public static void Configure(IReadOnlyList<NetworkInterfaceSpec> interfaces, IReadOnlyList<string> spareMacs, Action<string> progress)
    {
        IReadOnlyList<InterfacePlan> plans = NetworkPlan.Build(interfaces, out string? error) ?? throw new TetherException(error!);
        int fd = Sys.Check(Libc.socket(NetConsts.AF_INET, NetConsts.SOCK_DGRAM | NetConsts.SOCK_CLOEXEC, 0), "open a socket to configure the network");
        try
        {
            SetAddress(fd, "lo", new Ipv4Cidr(0x7F000001, 8), "loopback");
            SetUp(fd, "lo", "loopback");
            progress("network: loopback up");
            if (plans.Count == 0)
            {
                return;
            }
            Dictionary<string, string> current = WaitForNics(plans);
            progress($"network: NICs found ({string.Join(", ", current.Select(n => $"{n.Value} {n.Key}"))})");
            Rename(fd, plans, current);
            foreach (InterfacePlan plan in plans)
            {
                Apply(fd, plan);
                progress($"network: {plan.Name} configured");
            }
            NameSpares(fd, spareMacs, firstSlot: plans.Count);
        }
        finally
        {
            Libc.close(fd);
        }
    }

    /// <summary>
    /// Spare NICs (free slots for a later docker network connect) are renamed spare0, spare1... so the names the
    /// kernel gave them (eth2...) cannot collide with the eth name a later plug asks for; they stay down. Spare n is NIC
    /// slot firstSlot+n (the host names slots so: spare&lt;slot&gt; while free, eth&lt;slot&gt; while plugged).
    /// </summary>
    private static void NameSpares(int fd, IReadOnlyList<string> spareMacs, int firstSlot)
    {
        if (spareMacs.Count == 0)
        {
            return;
        }
        long deadline = Clock.MonotonicMs() + (long)NicTimeout.TotalMilliseconds;
        for (int i = 0; i < spareMacs.Count; i++)
        {
            string mac = spareMacs[i].ToLowerInvariant();
            string? name;
            while (!ListNics().TryGetValue(mac, out name))
            {
                if (Clock.MonotonicMs() >= deadline)
                {
                    throw new TetherException($"spare network interface {i}: no NIC with MAC {mac} appeared within {NicTimeout.TotalSeconds:0} s");
                }
                Thread.Sleep(10);
            }
            string wanted = $"spare{firstSlot + i}";
            if (name != wanted)
            {
                SetDown(fd, name, $"spare NIC {mac}");
                RenameOne(fd, name, wanted, $"spare NIC {mac}");
            }
        }
    }

    /// <summary>
    /// docker network connect on a running container: the free slot NIC with <see cref="NicChange.SlotMac"/> becomes
    /// the endpoint's interface (its MAC, name, MTU, address, default route). Returns "" or why it failed; a failure
    /// part-way leaves the NIC down.
    /// </summary>
    public static string Plug(NicChange change)
    {
        if (change.Interface is null)
        {
            return "plug without an interface";
        }
        IReadOnlyList<InterfacePlan>? plans = NetworkPlan.Build([change.Interface], out string? error);
        if (plans is null)
        {
            return error!;
        }
        InterfacePlan plan = plans[0];
        return WithSocket(fd =>
        {
            Dictionary<string, string> nics = ListNics();
            if (!nics.TryGetValue(change.SlotMac.ToLowerInvariant(), out string? name))
            {
                throw new TetherException($"{Describe(plan)}: no free NIC with slot MAC {change.SlotMac} in the VM");
            }
            SetDown(fd, name, Describe(plan));
            if (name != plan.Name)
            {
                if (Directory.Exists(Path.Combine(SysNet, plan.Name)))
                {
                    throw new TetherException($"{Describe(plan)}: the name is already taken by another NIC of the VM (MAC {ReadMac(plan.Name)})");
                }
                RenameOne(fd, name, plan.Name, plan);
            }
            SetMac(fd, plan.Name, plan.Mac, Describe(plan));
            Apply(fd, plan);
        });
    }

    /// <summary>
    /// docker network disconnect on a running container: the NIC with <see cref="NicChange.CurrentMac"/> goes down
    /// (which takes its routes), loses its address, gets its slot MAC back and the spare name, ready for a later plug.
    /// </summary>
    public static string Unplug(NicChange change) => WithSocket(fd =>
    {
        string what = $"network interface with MAC {change.CurrentMac}";
        if (!ListNics().TryGetValue(change.CurrentMac.ToLowerInvariant(), out string? name))
        {
            throw new TetherException($"{what}: not in the VM");
        }
        DhcpAgent.Stop(change.CurrentMac); // its DHCPRELEASE must leave while the NIC is still up
        SetDown(fd, name, what);
        RemoveAddress(fd, name, what);
        SetMac(fd, name, change.SlotMac, what);
        if (change.SpareName.Length > 0 && name != change.SpareName)
        {
            RenameOne(fd, name, change.SpareName, what);
        }
    });

    internal static string WithSocket(Action<int> work)
    {
        int fd = Libc.socket(NetConsts.AF_INET, NetConsts.SOCK_DGRAM | NetConsts.SOCK_CLOEXEC, 0);
        if (fd < 0)
        {
            return "cannot open a socket to configure the network";
        }
        try
        {
            work(fd);
            return "";
        }
        catch (TetherException e)
        {
            return e.Message;
        }
        finally
        {
            Libc.close(fd);
        }
    }

    private static void SetMac(int fd, string name, string mac, string what)
    {
        if (!NetworkPlan.TryParseMac(mac, out byte[] bytes))
        {
            throw new TetherException($"{what}: invalid MAC address {mac}");
        }
        IfReq request = IfReq.For(name);
        request.SetHardwareAddress(bytes);
        Ioctl(fd, NetConsts.SIOCSIFHWADDR, ref request, $"{what}: set MAC {mac}");
    }

    /// <summary>MAC → current name of every planned NIC, waiting for late ones; the failure lists what the VM does have.</summary>
    private static Dictionary<string, string> WaitForNics(IReadOnlyList<InterfacePlan> plans)
    {
        long deadline = Clock.MonotonicMs() + (long)NicTimeout.TotalMilliseconds;
        while (true)
        {
            Dictionary<string, string> byMac = ListNics();
            InterfacePlan? missing = plans.FirstOrDefault(p => !byMac.ContainsKey(p.Mac));
            if (missing is null)
            {
                return byMac;
            }
            if (Clock.MonotonicMs() >= deadline)
            {
                string found = byMac.Count == 0 ? "none" : string.Join(", ", byMac.Select(n => $"{n.Value} {n.Key}"));
                throw new TetherException($"network interface {missing.Name}: no NIC with MAC {missing.Mac} appeared within {NicTimeout.TotalSeconds:0} s (NICs in the VM: {found})");
            }
            Thread.Sleep(10);
        }
    }

    /// <summary>MAC → name of every Ethernet-like interface in /sys/class/net (loopback's all-zero MAC left out).</summary>
    private static Dictionary<string, string> ListNics()
    {
        var byMac = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string dir in Directory.EnumerateDirectories(SysNet))
        {
            try
            {
                string mac = File.ReadAllText(Path.Combine(dir, "address")).Trim().ToLowerInvariant();
                if (mac.Length > 0 && mac != "00:00:00:00:00:00")
                {
                    byMac.TryAdd(mac, Path.GetFileName(dir));
                }
            }
            catch (IOException)
            {
                // An interface that went away while listing.
            }
        }
        return byMac;
    }

    /// <summary>
    /// Gives each NIC its name in two steps, first to a temporary name and then to the wanted one, so that names the
    /// kernel handed out in another order (eth0 wanted on the NIC that came up as eth1) never collide.
    /// </summary>
    private static void Rename(int fd, IReadOnlyList<InterfacePlan> plans, Dictionary<string, string> current)
    {
        var moved = new List<(InterfacePlan Plan, string Temporary)>();
        for (int i = 0; i < plans.Count; i++)
        {
            InterfacePlan plan = plans[i];
            string name = current[plan.Mac];
            if (name == plan.Name)
            {
                continue;
            }
            SetDown(fd, name, Describe(plan));
            string temporary = $"vic-rename{i}";
            RenameOne(fd, name, temporary, plan);
            moved.Add((plan, temporary));
        }
        foreach ((InterfacePlan plan, string temporary) in moved)
        {
            if (Directory.Exists(Path.Combine(SysNet, plan.Name)))
            {
                string holder = ReadMac(plan.Name);
                throw new TetherException($"{Describe(plan)}: the name is already taken by another NIC of the VM (MAC {holder})");
            }
            RenameOne(fd, temporary, plan.Name, plan);
        }
    }

    private static void RenameOne(int fd, string from, string to, InterfacePlan plan) => RenameOne(fd, from, to, Describe(plan));

    private static void RenameOne(int fd, string from, string to, string what)
    {
        IfReq request = IfReq.For(from);
        request.SetNewName(to);
        Ioctl(fd, NetConsts.SIOCSIFNAME, ref request, $"{what}: rename {from} to {to}");
    }

    private static void Apply(int fd, InterfacePlan plan)
    {
        string what = Describe(plan);
        if (plan.Mtu > 0)
        {
            IfReq request = IfReq.For(plan.Name);
            request.Mtu = plan.Mtu;
            Ioctl(fd, NetConsts.SIOCSIFMTU, ref request, $"{what}: set MTU {plan.Mtu}");
        }
        if (plan.Dhcp is not null)
        {
            // Up without an address: the DHCP client (DhcpAgent) sends from 0.0.0.0 and configures the lease.
            SetUp(fd, plan.Name, what);
            return;
        }
        SetAddress(fd, plan.Name, plan.Address, what);
        SetUp(fd, plan.Name, what);
        if (plan.Gateway is uint gateway)
        {
            AddDefaultRoute(fd, plan.Name, gateway, what);
        }
    }

    /// <summary>Address 0.0.0.0 deletes the interface's IPv4 address (the kernel drops an ifaddr set to zero), and with
    /// the last address go the routes through the interface.</summary>
    internal static void RemoveAddress(int fd, string name, string what)
    {
        IfReq request = IfReq.For(name);
        request.SetAddress(0);
        Ioctl(fd, NetConsts.SIOCSIFADDR, ref request, $"{what}: remove its address");
    }

    /// <summary>The address first, then the netmask: SIOCSIFADDR alone would give the old classful mask.</summary>
    internal static void SetAddress(int fd, string name, Ipv4Cidr address, string what)
    {
        IfReq request = IfReq.For(name);
        request.SetAddress(address.Address);
        Ioctl(fd, NetConsts.SIOCSIFADDR, ref request, $"{what}: set address {address}");
        request = IfReq.For(name);
        request.SetAddress(address.Netmask);
        Ioctl(fd, NetConsts.SIOCSIFNETMASK, ref request, $"{what}: set netmask /{address.PrefixLength}");
    }

    private static void SetUp(int fd, string name, string what) => ChangeFlags(fd, name, what, up: true);

    /// <summary>A renamed interface must be down (the kernel refuses with EBUSY otherwise).</summary>
    private static void SetDown(int fd, string name, string what) => ChangeFlags(fd, name, what, up: false);

    private static void ChangeFlags(int fd, string name, string what, bool up)
    {
        IfReq request = IfReq.For(name);
        Ioctl(fd, NetConsts.SIOCGIFFLAGS, ref request, $"{what}: read the flags of {name}");
        bool isUp = (request.Flags & NetConsts.IFF_UP) != 0;
        if (isUp == up)
        {
            return;
        }
        request.Flags = up ? (short)(request.Flags | NetConsts.IFF_UP) : (short)(request.Flags & ~NetConsts.IFF_UP);
        Ioctl(fd, NetConsts.SIOCSIFFLAGS, ref request, $"{what}: bring {name} {(up ? "up" : "down")}");
    }

    internal static void AddDefaultRoute(int fd, string name, uint gateway, string what)
    {
        var route = default(RtEntry);
        SockAddrIn.Write(route.Destination, 0);
        SockAddrIn.Write(route.Genmask, 0);
        SockAddrIn.Write(route.Gateway, gateway);
        route.Flags = NetConsts.RTF_UP | NetConsts.RTF_GATEWAY;
        byte* device = stackalloc byte[16];
        new Span<byte>(device, 16).Clear();
        for (int i = 0; i < name.Length; i++)
        {
            device[i] = (byte)name[i];
        }
        route.Device = device;
        Sys.Check(Libc.ioctl(fd, NetConsts.SIOCADDRT, &route), $"{what}: add the default route via {Ipv4Cidr.Format(gateway)}");
    }

    private static void Ioctl(int fd, ulong request, ref IfReq argument, string what)
    {
        fixed (IfReq* p = &argument)
        {
            Sys.Check(Libc.ioctl(fd, request, p), what);
        }
    }

    private static string ReadMac(string name)
    {
        try
        {
            return File.ReadAllText(Path.Combine(SysNet, name, "address")).Trim();
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    private static string Describe(InterfacePlan plan) => $"network interface {plan.Name} (MAC {plan.Mac})";
}
