using System.CommandLine;
using System.Globalization;
using Vic.Machine.Tls;

namespace Vic.Machine;

/// <summary>
/// The VCH settings that create sets and configure changes: endpoint, TLS, resource limits, daemon.
/// <see cref="Apply"/> turns what was given on the command line into a new record without touching anything,
/// so both commands validate everything before they change anything.
/// </summary>
internal sealed class SettingsOptions
{
    private readonly bool _creating;

    public SettingsOptions(bool creating)
    {
        _creating = creating;
        string unlimited = creating ? "" : "; \"unlimited\" removes the limit";
        Containers = new("--containers") { Description = "Most containers that may exist at once" + unlimited };
        Memory = new("--memory") { Description = "Most guest memory all running containerVMs may use together, e.g. 8g" + unlimited };
        Cpu = new("--cpu") { Description = "Most vCPUs all running containerVMs may use together" + unlimited };
        StorageQuota = new("--storage-quota") { Description = "Most bytes the datastore may hold before new images and containers are refused, e.g. 50g" + unlimited };
    }

    public Option<string?> EndpointAddress { get; } = new("--endpoint-address") { Description = "Address to serve the Docker API on over TCP (default 127.0.0.1; 0.0.0.0 for every address)" };
    public Option<int?> EndpointPort { get; } = new("--endpoint-port") { Description = "TCP port (default 2376 with TLS, 2375 with --no-tls; 0 picks a free one)" };
    public Option<string[]> TlsCname { get; } = new("--tls-cname") { Description = "DNS name or IP address clients use for the VCH; put in the server certificate (repeatable)" };
    public Option<bool> NoTlsVerify { get; } = new("--no-tlsverify") { Description = "Server TLS only: do not require client certificates" };
    public Option<bool> NoTls { get; } = new("--no-tls") { Description = "Plain TCP without TLS: anyone who reaches the port controls the VCH" };
    public Option<bool> TlsVerify { get; } = new("--tlsverify") { Description = "Require client certificates again (mutual TLS)" };
    public Option<string?> TlsServerCert { get; } = new("--tls-server-cert") { Description = "Your own PEM server certificate (then its chain) instead of a generated one" };
    public Option<string?> TlsServerKey { get; } = new("--tls-server-key") { Description = "PEM private key of --tls-server-cert" };
    public Option<string[]> TlsCa { get; } = new("--tls-ca") { Description = "PEM file of a further CA whose client certificates are accepted (repeatable)" };
    public Option<string?> Containers { get; }
    public Option<string?> Memory { get; }
    public Option<string?> Cpu { get; }
    public Option<string?> StorageQuota { get; }
    public Option<string?> Accelerator { get; } = new("--accelerator") { Description = "auto (probe KVM, fall back to TCG), kvm or tcg" };
    public Option<string?> VchBinary { get; } = new("--vch-binary") { Description = "Path of the vic-vch daemon; default: next to vic-machine's build" };

    public void AddTo(Command command)
    {
        foreach (Option option in new Option[] { EndpointAddress, EndpointPort, TlsCname, NoTlsVerify, NoTls, TlsServerCert, TlsServerKey, TlsCa, Containers, Memory, Cpu, StorageQuota, Accelerator, VchBinary })
            command.Options.Add(option);
        if (!_creating)
            command.Options.Add(TlsVerify);
    }

    private static bool Given(ParseResult parse, Option option) => parse.GetResult(option) is { Implicit: false };

    /// <summary>The record with every given setting applied and checked; no file is read but the ones named, none written.</summary>
    public VchRecord Apply(ParseResult parse, VchRecord current)
    {
        if (Given(parse, NoTls) && Given(parse, NoTlsVerify))
            throw new MachineException("--no-tls and --no-tlsverify contradict each other: choose one", ExitCodes.InvalidArgument);
        if (Given(parse, TlsVerify) && (Given(parse, NoTls) || Given(parse, NoTlsVerify)))
            throw new MachineException("--tlsverify contradicts --no-tls and --no-tlsverify", ExitCodes.InvalidArgument);
        var mode = parse.GetValue(NoTls) ? TlsMode.Off
            : parse.GetValue(NoTlsVerify) ? TlsMode.ServerOnly
            : parse.GetValue(TlsVerify) ? TlsMode.Verify
            : current.HasTcp ? current.TlsMode : TlsMode.Verify;

        string address = parse.GetValue(EndpointAddress) ?? current.EndpointAddress ?? "127.0.0.1";
        var ip = Endpoint.ParseAddress(address);
        int port = parse.GetValue(EndpointPort)
            ?? (current.HasTcp && (mode == TlsMode.Off) == (current.TlsMode == TlsMode.Off) ? current.EndpointPort
                : mode == TlsMode.Off ? Endpoint.PlainPort : Endpoint.TlsPort);
        if (port is < 0 or > 65535)
            throw new MachineException($"invalid --endpoint-port {port}: use 1-65535, or 0 for a free one", ExitCodes.InvalidArgument);

        var cnames = Given(parse, TlsCname) ? parse.GetValue(TlsCname)!.ToList() : current.TlsCnames.ToList();
        foreach (string name in cnames)
            Endpoint.ValidateCname(name);

        string? serverCert = current.TlsServerCertSource, serverKey = current.TlsServerKeySource;
        if (Given(parse, TlsServerCert) || Given(parse, TlsServerKey))
        {
            serverCert = parse.GetValue(TlsServerCert);
            serverKey = parse.GetValue(TlsServerKey);
            if (serverCert is null || serverKey is null)
                throw new MachineException("--tls-server-cert and --tls-server-key go together", ExitCodes.InvalidArgument);
            serverCert = RequireFile(serverCert, "--tls-server-cert");
            serverKey = RequireFile(serverKey, "--tls-server-key");
        }
        var cas = Given(parse, TlsCa) ? parse.GetValue(TlsCa)!.Select(f => RequireFile(f, "--tls-ca")).ToList() : current.TlsCaSources.ToList();
        if (mode == TlsMode.Off && (Given(parse, TlsServerCert) || Given(parse, TlsCa) || Given(parse, TlsCname)))
            throw new MachineException("TLS options have no effect with --no-tls", ExitCodes.InvalidArgument);
        if (mode == TlsMode.ServerOnly && Given(parse, TlsCa))
            throw new MachineException("--tls-ca names CAs for client certificates, which --no-tlsverify does not ask for", ExitCodes.InvalidArgument);

        string accelerator = parse.GetValue(Accelerator) ?? current.Accelerator;
        if (accelerator is not ("auto" or "kvm" or "tcg"))
            throw new MachineException($"invalid --accelerator \"{accelerator}\": use auto, kvm or tcg", ExitCodes.InvalidArgument);
        string daemon = parse.GetValue(VchBinary) is string binary ? Path.GetFullPath(binary) : current.DaemonPath;
        if (!File.Exists(daemon))
            throw new MachineException($"VCH daemon not found at {daemon}; build it with scripts/build.sh", ExitCodes.InvalidArgument);

        return current with
        {
            EndpointAddress = ip.ToString(),
            EndpointPort = port,
            TlsMode = mode,
            TlsCnames = cnames,
            CertPath = mode == TlsMode.Off ? null : current.CertPath ?? Path.Combine(current.Directory, "certs"),
            TlsServerCertSource = mode == TlsMode.Off ? null : serverCert,
            TlsServerKeySource = mode == TlsMode.Off ? null : serverKey,
            TlsCaSources = mode == TlsMode.Verify ? cas : [],
            MaxContainers = Count(parse, Containers, current.MaxContainers),
            Cpus = Count(parse, Cpu, current.Cpus),
            MemoryBytes = Size(parse, Memory, current.MemoryBytes),
            StorageQuotaBytes = Size(parse, StorageQuota, current.StorageQuotaBytes),
            Accelerator = accelerator,
            DaemonPath = daemon,
            // A daemon named with --vch-binary runs where it is, outside the VCH's installed release.
            ReleaseStamp = daemon == current.DaemonPath ? current.ReleaseStamp : null,
            DaemonSource = daemon == current.DaemonPath ? current.DaemonSource : null,
        };
    }

    private int? Count(ParseResult parse, Option<string?> option, int? current)
    {
        if (parse.GetValue(option) is not string text)
            return current;
        if (!_creating && text == "unlimited")
            return null;
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= 1
            ? n
            : throw new MachineException($"invalid {option.Name} \"{text}\": give a whole number of at least 1", ExitCodes.InvalidArgument);
    }

    private long? Size(ParseResult parse, Option<string?> option, long? current)
    {
        if (parse.GetValue(option) is not string text)
            return current;
        return !_creating && text == "unlimited" ? null : ByteSize.Parse(text, option.Name);
    }

    private static string RequireFile(string path, string option)
    {
        string full = Path.GetFullPath(path);
        return File.Exists(full) ? full : throw new MachineException($"{option} {full}: no such file", ExitCodes.InvalidArgument);
    }
}
