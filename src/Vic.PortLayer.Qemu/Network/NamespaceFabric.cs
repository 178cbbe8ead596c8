using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Vic.PortLayer.Qemu.Vm;

namespace Vic.PortLayer.Qemu.Network;

/// <summary>
/// <see cref="INetworkFabric"/> in a network namespace of the VCH's own (/run/netns/NAME), managed with iproute2:
/// a Linux bridge per network with the gateway address on it, a tap per containerVM NIC (QEMU runs inside the
/// namespace to open it). Forwarding stays off in the namespace, so bridges cannot reach each other. Sockets the VCH
/// needs inside are created on one thread that entered the namespace with setns (a socket keeps the namespace it
/// was created in, so it can be used from any thread afterwards).
/// </summary>
internal sealed partial class NamespaceFabric : INetworkFabric, IDisposable
{
    private static readonly TimeSpan IpTimeout = TimeSpan.FromSeconds(20);
    private const int CloneNewNet = 0x40000000;

    private readonly string _ip;
    private readonly ILogger _logger;
    private readonly BlockingCollection<Action> _inside = new();
    private readonly SemaphoreSlim _changes = new(1, 1);

    private NamespaceFabric(string name, string ip, string iptablesRestore, ILogger logger)
    {
        Name = name;
        _ip = ip;
        _iptablesRestore = iptablesRestore;
        _logger = logger;
    }

    private readonly string _iptablesRestore;

    public string Name { get; }
    public bool Available => true;

    /// <summary>The tap a container's NIC uses; names live in the namespace, so only the VCH's own containers can clash.</summary>
    public static string TapName(string containerId, int index) => $"vt{containerId[..10]}{index}";

    public static string BridgeName(string networkId) => "br-" + networkId[..12];

    /// <summary>Creates the namespace when missing (loopback up, forwarding off) and enters it on a worker thread.</summary>
    public static async Task<NamespaceFabric> OpenAsync(string name, string ipBinary, string iptablesRestoreBinary, ILogger logger,
        CancellationToken cancellationToken)
    {
        if (name.Length is 0 or > 64 || name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
            throw new InvalidArgumentException($"invalid network namespace name \"{name}\"");
        var fabric = new NamespaceFabric(name, ipBinary, iptablesRestoreBinary, logger);
        string path = Path.Combine("/run/netns", name);
        if (!File.Exists(path))
            await fabric.RunIpAsync(["netns", "add", name], cancellationToken);
        await fabric.RunIpAsync(["-n", name, "link", "set", "lo", "up"], cancellationToken);
        fabric.StartInsideThread(path);
        // A new namespace inherits the host's IPv4 settings (net.core.devconf_inherit_init_net=0 means "copy init_net"
        // for IPv4), and a host running dockerd forwards: without this, containers with a default route reach every
        // other bridge network of the VCH through the namespace.
        await fabric.RunInsideAsync(() => File.WriteAllText("/proc/sys/net/ipv4/ip_forward", "0"), cancellationToken);
        return fabric;
    }

    public async Task EnsureBridgeAsync(string networkId, string gatewayCidr, CancellationToken cancellationToken)
    {
        string bridge = BridgeName(networkId);
        await SerializedAsync(async () =>
        {
            if (!await LinkExistsAsync(bridge, cancellationToken))
            {
                await IpInsideAsync(["link", "add", bridge, "type", "bridge"], cancellationToken);
                Log.BridgeCreated(_logger, bridge, gatewayCidr, Name);
            }
            var addresses = await IpInsideAsync(["-o", "-4", "addr", "show", "dev", bridge], cancellationToken);
            if (!addresses.Contains(" " + gatewayCidr + " ", StringComparison.Ordinal))
            {
                await IpInsideAsync(["addr", "flush", "dev", bridge], cancellationToken);
                await IpInsideAsync(["addr", "add", gatewayCidr, "dev", bridge], cancellationToken);
            }
            await IpInsideAsync(["link", "set", bridge, "up"], cancellationToken);
        }, cancellationToken);
    }

    public async Task RemoveBridgeAsync(string networkId, CancellationToken cancellationToken)
    {
        string bridge = BridgeName(networkId);
        await SerializedAsync(async () =>
        {
            if (await LinkExistsAsync(bridge, cancellationToken))
                await IpInsideAsync(["link", "del", bridge], cancellationToken);
            // A container network's veth: deleting this end deletes its peer on the uplink bridge too.
            if (await LinkExistsAsync(UplinkVethName(networkId), cancellationToken))
                await IpInsideAsync(["link", "del", UplinkVethName(networkId)], cancellationToken);
        }, cancellationToken);
    }

    /// <summary>The namespace's end of a container network's veth pair; the other end, on the uplink bridge, is "vx…".</summary>
    public static string UplinkVethName(string networkId) => "vu" + networkId[..12];

    private static string OuterVethName(string networkId) => "vx" + networkId[..12];

    /// <summary>"br0" (the host's namespace) or "netns/br0" (a bridge inside the named namespace).</summary>
    internal static (string? Namespace, string Bridge) ParseUplink(string uplink)
    {
        int slash = uplink.IndexOf('/', StringComparison.Ordinal);
        string? ns = slash < 0 ? null : uplink[..slash];
        string bridge = slash < 0 ? uplink : uplink[(slash + 1)..];
        static bool Valid(string name, int max) => name.Length is > 0 && name.Length <= max && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
        if (!Valid(bridge, 15) || (ns is not null && !Valid(ns, 64)))
            throw new InvalidArgumentException($"container network bridge \"{uplink}\": expected <bridge> or <netns>/<bridge> (letters, digits, '-', '_', '.')");
        return (ns, bridge);
    }

    public async Task EnsureUplinkedBridgeAsync(string networkId, string uplink, CancellationToken cancellationToken)
    {
        var (uplinkNamespace, uplinkBridge) = ParseUplink(uplink);
        string[] there = uplinkNamespace is null ? [] : ["-n", uplinkNamespace];
        string bridge = BridgeName(networkId), inner = UplinkVethName(networkId), outer = OuterVethName(networkId);
        await SerializedAsync(async () =>
        {
            var check = await ToolRunner.RunAsync(_ip, [.. there, "-d", "link", "show", "dev", uplinkBridge], IpTimeout, cancellationToken);
            if (check.ExitCode != 0 || !check.StandardOutput.Contains(" bridge ", StringComparison.Ordinal))
                throw new NotFoundException($"container network: no Linux bridge {uplinkBridge} in {(uplinkNamespace is null ? "the host's network namespace" : "network namespace " + uplinkNamespace)}");
            if (!await LinkExistsAsync(bridge, cancellationToken))
                await IpInsideAsync(["link", "add", bridge, "type", "bridge"], cancellationToken);
            // The VCH has no address on a container network: it neither routes nor answers there.
            await IpInsideAsync(["addr", "flush", "dev", bridge], cancellationToken);
            await IpInsideAsync(["link", "set", bridge, "up"], cancellationToken);
            if (!await LinkExistsAsync(inner, cancellationToken))
            {
                // Its peer is born in the uplink's namespace (the host's is named by this process's PID).
                await IpInsideAsync(["link", "add", inner, "type", "veth", "peer", "name", outer, "netns",
                    uplinkNamespace ?? Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)], cancellationToken);
            }
            await IpInsideAsync(["link", "set", inner, "master", bridge, "up"], cancellationToken);
            await RunIpAsync([.. there, "link", "set", outer, "master", uplinkBridge, "up"], cancellationToken);
            Log.BridgeCreated(_logger, bridge, "uplink " + uplink, Name);
        }, cancellationToken);
    }

    /// <summary>Makes a fresh tap on the network's bridge (a stale one of a crashed run is replaced). A missing bridge
    /// leaves the tap unplugged; the caller removes its VM's taps when the launch fails.</summary>
    public async Task CreateTapAsync(string tap, string networkId, CancellationToken cancellationToken)
    {
        await CreateSpareTapAsync(tap, cancellationToken);
        await PlugTapAsync(tap, networkId, cancellationToken);
    }

    /// <summary>A fresh tap on no bridge and down: a spare NIC slot of a VM (see <see cref="PlugTapAsync"/>).</summary>
    public async Task CreateSpareTapAsync(string tap, CancellationToken cancellationToken)
    {
        await SerializedAsync(async () =>
        {
            if (await LinkExistsAsync(tap, cancellationToken))
                await IpInsideAsync(["link", "del", tap], cancellationToken);
            await IpInsideAsync(["tuntap", "add", "dev", tap, "mode", "tap"], cancellationToken);
        }, cancellationToken);
    }

    /// <summary>Puts an existing tap (a VM's NIC slot) on the network's bridge and up.</summary>
    public async Task PlugTapAsync(string tap, string networkId, CancellationToken cancellationToken)
    {
        string bridge = BridgeName(networkId);
        await SerializedAsync(async () =>
        {
            if (!await LinkExistsAsync(bridge, cancellationToken))
                throw new NotFoundException($"network {networkId} has no bridge in {Name}");
            await IpInsideAsync(["link", "set", tap, "master", bridge, "up"], cancellationToken);
        }, cancellationToken);
    }

    /// <summary>Takes a tap off its bridge and down: its VM's NIC slot is free again.</summary>
    public async Task UnplugTapAsync(string tap, CancellationToken cancellationToken)
    {
        await SerializedAsync(async () =>
        {
            if (await LinkExistsAsync(tap, cancellationToken))
                await IpInsideAsync(["link", "set", tap, "nomaster", "down"], cancellationToken);
        }, cancellationToken);
    }

    /// <summary>Every tap whose name starts with <paramref name="prefix"/>, with the bridge it is on (null: none).
    /// The namespace is the record of which slot of a running VM is on which network, so it survives a VCH restart.</summary>
    public async Task<IReadOnlyDictionary<string, string?>> ListTapsAsync(string prefix, CancellationToken cancellationToken)
    {
        string output = await IpInsideAsync(["-o", "link", "show"], cancellationToken);
        return ParseLinks(output).Where(l => l.Name.StartsWith(prefix, StringComparison.Ordinal))
            .ToDictionary(l => l.Name, l => l.Master, StringComparer.Ordinal);
    }

    /// <summary>Parses `ip -o link show` lines ("7: vt0123456789a0: &lt;...&gt; mtu 1500 master br-x state UP ...").</summary>
    internal static IEnumerable<(string Name, string? Master)> ParseLinks(string output)
    {
        foreach (string line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 2)
                continue;
            string name = fields[1].TrimEnd(':');
            int at = name.IndexOf('@', StringComparison.Ordinal);
            if (at >= 0)
                name = name[..at];
            int master = Array.IndexOf(fields, "master");
            yield return (name, master >= 0 && master + 1 < fields.Length ? fields[master + 1] : null);
        }
    }

    public async Task DeleteTapAsync(string tap, CancellationToken cancellationToken)
    {
        await SerializedAsync(async () =>
        {
            if (await LinkExistsAsync(tap, cancellationToken))
                await IpInsideAsync(["link", "del", tap], cancellationToken);
        }, cancellationToken);
    }

    /// <summary>The firewall mark that sends relayed UDP and ICMP echo to <see cref="RelayTable"/>.</summary>
    internal const string RelayMark = "0x1/0x1";

    /// <summary>The namespace's routing table holding only "local 0.0.0.0/0 dev lo": every marked packet is for the
    /// namespace itself (TPROXY needs that to hand a datagram to the relay's socket; an echo request so routed reaches the
    /// relay's raw socket and goes no further, and the kernel cannot answer it, as the destination is none of its addresses).</summary>
    internal const int RelayTable = 100;

    public async Task SetOutboundAsync(OutboundRoutes routes, CancellationToken cancellationToken)
    {
        bool relays = routes.UdpRelayPort > 0 || routes.IcmpEcho;
        await SerializedAsync(async () =>
        {
            if (relays)
            {
                await RunInsideAsync(BridgedTrafficSkipsIptables, cancellationToken);
                await EnsureRelayRoutingAsync(cancellationToken);
            }
            try
            {
                await RestoreAsync(OutboundRules(routes), cancellationToken);
            }
            catch (UnavailableException e) when (relays)
            {
                // Most likely a kernel without the TPROXY target (xt_TPROXY): TCP must still leave.
                Log.OutboundRelaysUnavailable(_logger, Name, e.Message);
                routes = routes with { UdpRelayPort = 0, IcmpEcho = false };
                await RestoreAsync(OutboundRules(routes, withMangle: false), cancellationToken);
            }
        }, cancellationToken);
        Log.OutboundSet(_logger, Name, routes.NetworkIds.Count, routes.ProxyPort, routes.UdpRelayPort, routes.IcmpEcho);
    }

    private async Task RestoreAsync(string rules, CancellationToken cancellationToken)
    {
        ToolResult result;
        try
        {
            // Only the tables named are replaced, and they are the namespace's own: the host's firewall is never touched.
            result = await ToolRunner.RunAsync(_ip, ["netns", "exec", Name, _iptablesRestore, "--wait", "5"], IpTimeout,
                cancellationToken, standardInput: rules);
        }
        catch (FileNotFoundException e)
        {
            throw new UnavailableException($"cannot run {_iptablesRestore} (Debian package iptables) for outbound connections: {e.Message}", e);
        }
        if (result.ExitCode != 0)
            throw new UnavailableException($"outbound connections: {_iptablesRestore} in network namespace {Name} failed: {result.Message.Trim()}");
    }

    /// <summary>
    /// With br_netfilter loaded on the host, frames entering a bridge pass the IPv4 hooks while still being bridged,
    /// and the socket TPROXY assigns there is lost by the time the frame reaches the namespace's own stack (the
    /// datagram then finds no socket). Containers on one bridge talk at L2 and bridges never route to each other, so
    /// nothing here needs bridged frames filtered; the setting is per namespace, the host's stays as it is.
    /// </summary>
    private static void BridgedTrafficSkipsIptables()
    {
        const string setting = "/proc/sys/net/bridge/bridge-nf-call-iptables";
        if (File.Exists(setting))
            File.WriteAllText(setting, "0");
    }

    /// <summary>"fwmark <see cref="RelayMark"/> lookup <see cref="RelayTable"/>" and the table's one local route, in
    /// the namespace (deleted with it).</summary>
    private async Task EnsureRelayRoutingAsync(CancellationToken cancellationToken)
    {
        string table = RelayTable.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string rules = await IpInsideAsync(["rule", "show"], cancellationToken);
        if (!rules.Contains($"fwmark {RelayMark} lookup {table}", StringComparison.Ordinal))
            await IpInsideAsync(["rule", "add", "fwmark", RelayMark, "lookup", table, "priority", table], cancellationToken);
        await IpInsideAsync(["route", "replace", "local", "0.0.0.0/0", "dev", "lo", "table", table], cancellationToken);
    }

    /// <summary>
    /// The namespace's nat and mangle tables for <paramref name="routes"/>, in iptables-restore's format. TCP from a NAT'd
    /// network's bridge is redirected to the proxy unless it is for the namespace itself (the gateways: DNS, the proxy)
    /// or for any network of the VCH (isolation). In mangle, unicast UDP to the same destinations is handed to the UDP
    /// relay's transparent socket (TPROXY keeps the original destination in the datagram) and ICMP echo requests are
    /// marked for local delivery to the ICMP relay. Forwarding stays off: nothing is routed, everything is re-originated.
    /// </summary>
    internal static string OutboundRules(OutboundRoutes routes, bool withMangle = true)
    {
        var text = new System.Text.StringBuilder();
        var subnets = routes.InsideSubnets.Distinct(StringComparer.Ordinal).ToList();
        var networks = routes.NetworkIds.Distinct(StringComparer.Ordinal).ToList();
        text.Append("*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n");
        if (networks.Count > 0)
        {
            text.Append(":VIC-OUTBOUND - [0:0]\n-A PREROUTING -p tcp -j VIC-OUTBOUND\n");
            text.Append("-A VIC-OUTBOUND -m addrtype --dst-type LOCAL -j RETURN\n");
            foreach (string subnet in subnets)
                text.Append("-A VIC-OUTBOUND -d ").Append(subnet).Append(" -j RETURN\n");
            foreach (string network in networks)
                text.Append("-A VIC-OUTBOUND -i ").Append(BridgeName(network)).Append(" -p tcp -j REDIRECT --to-ports ")
                    .Append(routes.ProxyPort.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append('\n');
        }
        text.Append("COMMIT\n");
        if (!withMangle)
            return text.ToString();
        text.Append("*mangle\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n");
        if (networks.Count > 0 && (routes.UdpRelayPort > 0 || routes.IcmpEcho))
        {
            text.Append(":VIC-RELAY - [0:0]\n");
            if (routes.UdpRelayPort > 0)
                text.Append("-A PREROUTING -p udp -j VIC-RELAY\n");
            if (routes.IcmpEcho)
                text.Append("-A PREROUTING -p icmp --icmp-type echo-request -j VIC-RELAY\n");
            // Broadcast, multicast and the namespace's own addresses (DNS on the gateways) are not "outside".
            text.Append("-A VIC-RELAY -m addrtype ! --dst-type UNICAST -j RETURN\n");
            foreach (string subnet in subnets)
                text.Append("-A VIC-RELAY -d ").Append(subnet).Append(" -j RETURN\n");
            foreach (string network in networks)
            {
                if (routes.UdpRelayPort > 0)
                    text.Append("-A VIC-RELAY -i ").Append(BridgeName(network)).Append(" -p udp -j TPROXY --on-port ")
                        .Append(routes.UdpRelayPort.ToString(System.Globalization.CultureInfo.InvariantCulture))
                        .Append(" --on-ip 0.0.0.0 --tproxy-mark ").Append(RelayMark).Append('\n');
                if (routes.IcmpEcho)
                    text.Append("-A VIC-RELAY -i ").Append(BridgeName(network)).Append(" -p icmp -j MARK --set-xmark ").Append(RelayMark).Append('\n');
            }
        }
        text.Append("COMMIT\n");
        return text.ToString();
    }

    /// <summary>Changes to the namespace's links one at a time: "exists? then add" must not interleave.</summary>
    private async Task SerializedAsync(Func<Task> change, CancellationToken cancellationToken)
    {
        await _changes.WaitAsync(cancellationToken);
        try
        {
            await change();
        }
        finally
        {
            _changes.Release();
        }
    }

    /// <summary>Runs <paramref name="work"/> on the fabric's thread while it is inside the namespace (for
    /// /proc/sys/net, which is per namespace of the reading thread).</summary>
    private Task RunInsideAsync(Action work, CancellationToken cancellationToken) =>
        InsideAsync<bool>(() => { work(); return true; }, cancellationToken);

    public Task<Socket> CreateSocketAsync(AddressFamily family, SocketType type, ProtocolType protocol, CancellationToken cancellationToken) =>
        InsideAsync(() => new Socket(family, type, protocol), cancellationToken);

    /// <summary>
    /// Runs <paramref name="work"/> in the namespace and completes the task back in the host's. A thread inherits the
    /// network namespace of the thread that creates it, and completing a task can make the thread pool start a worker
    /// on the completing thread: the fabric's thread therefore enters the namespace only around the work itself and
    /// never completes anything while inside (otherwise thread-pool threads, and with them Kestrel's listeners and
    /// registry connections, ended up in the VCH's namespace).
    /// </summary>
    private Task<T> InsideAsync<T>(Func<T> work, CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _inside.Add(() =>
        {
            T? result = default;
            Exception? failure = null;
            if (SetNs(_namespaceFd!.DangerousGetHandle().ToInt32(), CloneNewNet) != 0)
            {
                failure = new UnavailableException($"cannot enter network namespace {Name} (errno {Marshal.GetLastPInvokeError()})");
            }
            else
            {
                try
                {
                    result = work();
                }
                catch (Exception e)
                {
                    failure = e is PortLayerException ? e : new UnavailableException($"network namespace {Name}: {e.Message}", e);
                }
                if (SetNs(_hostFd!.DangerousGetHandle().ToInt32(), CloneNewNet) != 0)
                    Environment.FailFast($"cannot leave network namespace {Name} (errno {Marshal.GetLastPInvokeError()}): threads started from here would live in it");
            }
            if (failure is null)
                done.TrySetResult(result!);
            else
                done.TrySetException(failure);
        }, cancellationToken);
        return done.Task;
    }

    private async Task<bool> LinkExistsAsync(string link, CancellationToken cancellationToken)
    {
        var result = await ToolRunner.RunAsync(_ip, ["-n", Name, "link", "show", "dev", link], IpTimeout, cancellationToken);
        return result.ExitCode == 0;
    }

    private Task<string> IpInsideAsync(IEnumerable<string> args, CancellationToken cancellationToken) =>
        RunIpAsync(["-n", Name, .. args], cancellationToken);

    private async Task<string> RunIpAsync(string[] args, CancellationToken cancellationToken)
    {
        ToolResult result;
        try
        {
            result = await ToolRunner.RunAsync(_ip, args, IpTimeout, cancellationToken);
        }
        catch (FileNotFoundException e)
        {
            throw new UnavailableException($"cannot run {_ip} (iproute2) for container networking: {e.Message}", e);
        }
        if (result.ExitCode != 0)
            throw new InternalException($"ip {string.Join(' ', args)} failed: {result.Message.Trim()}");
        return result.StandardOutput;
    }

    private Microsoft.Win32.SafeHandles.SafeFileHandle? _namespaceFd;
    private Microsoft.Win32.SafeHandles.SafeFileHandle? _hostFd;

    /// <summary>A dedicated thread serves namespace work one item at a time; it holds the namespace's and its own
    /// original namespace's handles to switch between them.</summary>
    private void StartInsideThread(string namespacePath)
    {
        _namespaceFd = File.OpenHandle(namespacePath);
        _hostFd = File.OpenHandle("/proc/thread-self/ns/net");
        var thread = new Thread(() =>
        {
            foreach (var work in _inside.GetConsumingEnumerable())
                work();
        })
        { IsBackground = true, Name = "netns-" + Name };
        thread.Start();
    }

    public void Dispose()
    {
        _inside.CompleteAdding();
    }

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNs(int fd, int nstype);
}
