using System.CommandLine;
using Vic.Vch;
using Vic.Vch.Limits;

// The VCH daemon's composition root: the one place that names the backend that is built in (STYLE 4).
var name = new Option<string>("--name") { Description = "Name of this VCH", DefaultValueFactory = _ => "default" };
var datastore = new Option<string?>("--datastore") { Description = "Directory holding images, containers and their logs (with --target: the VCH's local working directory for image blobs, default /var/lib/vic-vch/<name>)" };
var socket = new Option<string>("--socket") { Description = "Unix socket to serve the Docker API on", Required = true };
var containerBase = new Option<string>("--container-base") { Description = "Boot image directory (vmlinuz, initramfs.cpio, kernel-release); with --target: \"[datastore] path\" of the uploaded ISO (or of a folder holding container-base.iso)", Required = true };
var pidFile = new Option<string?>("--pid-file") { Description = "Write the daemon's PID here while it runs" };
var accelerator = new Option<string>("--accelerator") { Description = "auto (probe KVM with a timeout, else TCG), kvm or tcg", DefaultValueFactory = _ => "auto" };
var debug = new Option<bool>("--debug") { Description = "Debug logging" };
var tcp = new Option<string?>("--tcp") { Description = "Also serve the Docker API on this address:port (TLS when --tls-cert is given)" };
var tlsCert = new Option<string?>("--tls-cert") { Description = "PEM server certificate (then its chain) for --tcp" };
var tlsKey = new Option<string?>("--tls-key") { Description = "PEM private key of --tls-cert" };
var tlsClientCa = new Option<string?>("--tls-client-ca") { Description = "PEM CA bundle: require client certificates issued by one of these (mutual TLS)" };
var maxContainers = new Option<int?>("--max-containers") { Description = "Containers that may exist at once" };
var maxMemory = new Option<long?>("--max-memory") { Description = "Bytes of guest memory all running containerVMs may use together" };
var maxCpus = new Option<int?>("--max-cpus") { Description = "vCPUs all running containerVMs may use together" };
var storageQuota = new Option<long?>("--storage-quota") { Description = "Bytes the datastore may hold before new images and containers are refused" };

var netns = new Option<string?>("--network-namespace") { Description = "Network namespace for the VCH's bridges and taps (created when missing); default: vic-<hash of the datastore path>; \"none\" runs containers without networking" };
var bridgeRange = new Option<string>("--bridge-network-range") { Description = "Pool that bridge networks without --subnet get a /16 from", DefaultValueFactory = _ => "172.16.0.0/12" };

// Registry policy (vic-machine create passes what the admin chose); each may be repeated.
var insecure = new Option<string[]>("--insecure-registry") { Description = "Registry (host[:port] or CIDR) used without TLS verification, or over HTTP" };
var registryCa = new Option<string[]>("--registry-ca") { Description = "PEM file of a CA certificate trusted for registries" };
var whitelist = new Option<string[]>("--whitelist-registry") { Description = "Allow only these registries (host[:port], CIDR or *.domain)" };
var blacklist = new Option<string[]>("--blacklist-registry") { Description = "Refuse these registries (host[:port], CIDR or *.domain)" };
var mirror = new Option<string[]>("--registry-mirror") { Description = "Docker Hub mirror URL, tried before Docker Hub" };

var volumeStore = new Option<string[]>("--volume-store")
{
    Description = "Volume store as <directory>:<label>; may be repeated; volumes go to the one labelled \"default\" unless "
        + "created with --opt VolumeStore=<label> (none given: \"default\" inside the datastore)",
};

var vsphere = new VSphereFlags();
var containerNetworks = new ContainerNetworkFlags(vsphere.ContainerNetwork);

// vicadmin, the admin web UI, served from this process on its own HTTPS port with the --tls-cert certificate.
var adminPort = new Option<int>("--admin-port") { Description = "HTTPS port of vicadmin, the VCH's admin web UI (0 picks a free one)", DefaultValueFactory = _ => 2378 };
var adminAddress = new Option<string?>("--admin-address") { Description = "Address vicadmin listens on; default: the --tcp address, else 127.0.0.1" };
var noAdmin = new Option<bool>("--no-admin") { Description = "Do not serve vicadmin" };
var adminToken = new Option<string?>("--admin-token-file") { Description = "File holding vicadmin's login token (keep it 0600); without it only client certificates log in" };
var adminConfig = new Option<string[]>("--admin-config-file") { Description = "Configuration file to include, secrets masked, in vicadmin's log bundle (repeatable)" };
var sealedSecrets = new Option<string?>("--sealed-secrets") { Description = "In the appliance: directory of secrets vic-machine sealed; opened with --key-device into --secrets-dir before anything else" };
var keyDevice = new Option<string?>("--key-device") { Description = "The appliance's key disk (raw: VICKEY01 and the key) that opens --sealed-secrets" };
var secretsDir = new Option<string>("--secrets-dir") { Description = "Where opened secrets are written (0400; a tmpfs)", DefaultValueFactory = _ => ApplianceSecrets.DefaultSecretsDir };
var logFile = new Option<string?>("--log-file") { Description = "The file this daemon's output is written to, for vicadmin's log tail and bundle" };

var root = new RootCommand("vic-vch: a Virtual Container Host serving the Docker API; every container is a VM (local QEMU, or vSphere with --target)")
{
    name, datastore, socket, containerBase, pidFile, accelerator, debug, tcp, tlsCert, tlsKey, tlsClientCa,
    maxContainers, maxMemory, maxCpus, storageQuota, insecure, registryCa, whitelist, blacklist, mirror, netns, bridgeRange, volumeStore,
    adminPort, adminAddress, noAdmin, adminToken, adminConfig, logFile, sealedSecrets, keyDevice, secretsDir,
};
foreach (var option in vsphere.All.Concat(containerNetworks.All))
    root.Options.Add(option);
root.Validators.Add(result =>
{
    bool cert = result.GetValue(tlsCert) is not null, key = result.GetValue(tlsKey) is not null;
    if (cert != key)
        result.AddError("--tls-cert and --tls-key go together");
    if ((cert || result.GetValue(tlsClientCa) is not null) && result.GetValue(tcp) is null)
        result.AddError("TLS options need --tcp");
    if (result.GetValue(tlsClientCa) is not null && !cert)
        result.AddError("--tls-client-ca needs --tls-cert and --tls-key");
    bool onVsphere = result.GetValue(vsphere.Target) is not null;
    foreach (string error in vsphere.Validate(result))
        result.AddError(error);
    if (!onVsphere)
    {
        containerNetworks.Read(result, out var networkErrors);
        foreach (string error in networkErrors)
            result.AddError(error);
    }
    if (!onVsphere && result.GetValue(datastore) is null)
        result.AddError("--datastore is required (unless --target selects vSphere)");
    // On vSphere a volume store is "<datastore>/path:label"; volumes are not implemented there yet (the backend refuses them).
    if (!onVsphere && VolumeStores.TryParse(result.GetValue(volumeStore) ?? [], out _, out string? storeError) is false)
        result.AddError(storeError!);
    if ((result.GetValue(sealedSecrets) is null) != (result.GetValue(keyDevice) is null))
        result.AddError("--sealed-secrets and --key-device go together");
    if (result.GetValue(adminPort) is < 0 or > 65535)
        result.AddError("--admin-port must be 0-65535");
    if (result.GetValue(adminAddress) is string a && !System.Net.IPAddress.TryParse(a, out _))
        result.AddError($"--admin-address \"{a}\" is not an IP address");
    foreach (var limit in new[] { result.GetValue(maxContainers), result.GetValue(maxCpus) })
        if (limit is < 1)
            result.AddError("limits must be at least 1");
    foreach (var limit in new[] { result.GetValue(maxMemory), result.GetValue(storageQuota) })
        if (limit is < 1)
            result.AddError("limits must be at least 1 byte");
});
root.SetAction((parse, ct) =>
{
    if (parse.GetValue(sealedSecrets) is string sealedDir
        && ApplianceSecrets.Open(parse.GetValue(name)!, sealedDir, parse.GetValue(keyDevice)!, parse.GetValue(secretsDir)!) is string secretError)
    {
        Console.Error.WriteLine($"vic-vch: {secretError}");
        return Task.FromResult(1);
    }
    return RunDaemon(parse, ct);
});
return await root.Parse(args).InvokeAsync();

Task<int> RunDaemon(ParseResult parse, CancellationToken ct) => Daemon.RunAsync(new DaemonOptions
{
    Name = parse.GetValue(name)!,
    DatastorePath = Path.GetFullPath(parse.GetValue(datastore) ?? Path.Combine("/var/lib/vic-vch", parse.GetValue(name)!)),
    SocketPath = Path.GetFullPath(parse.GetValue(socket)!),
    ContainerBasePath = parse.GetValue(vsphere.Target) is null ? Path.GetFullPath(parse.GetValue(containerBase)!) : parse.GetValue(containerBase)!,
    VSphere = vsphere.Read(parse, parse.GetValue(name)!, parse.GetValue(containerBase)!),
    VSphereVolumeStores = parse.GetValue(vsphere.Target) is null ? [] : parse.GetValue(volumeStore) ?? [],
    PidFile = parse.GetValue(pidFile) is string p ? Path.GetFullPath(p) : null,
    Accelerator = parse.GetValue(accelerator)!,
    Debug = parse.GetValue(debug),
    NetworkNamespace = parse.GetValue(netns) switch
    {
        "none" => null,
        string named => named,
        null when parse.GetValue(vsphere.Target) is not null => null, // no local namespace: NICs join the bridge port group
        null => DaemonOptions.DefaultNetworkNamespace(Path.GetFullPath(parse.GetValue(datastore)!)),
    },
    BridgeNetworkRange = parse.GetValue(bridgeRange)!,
    ContainerNetworks = parse.GetValue(vsphere.Target) is null ? containerNetworks.Read(parse, out _) : [],
    TcpEndpoint = parse.GetValue(tcp),
    Tls = parse.GetValue(tlsCert) is string cert
        ? new DaemonTls(Path.GetFullPath(cert), Path.GetFullPath(parse.GetValue(tlsKey)!), parse.GetValue(tlsClientCa) is string ca ? Path.GetFullPath(ca) : null)
        : null,
    Limits = new ResourceLimits
    {
        MaxContainers = parse.GetValue(maxContainers),
        MemoryBytes = parse.GetValue(maxMemory),
        Cpus = parse.GetValue(maxCpus),
        StorageBytes = parse.GetValue(storageQuota),
    },
    Admin = parse.GetValue(noAdmin) ? null : new DaemonAdmin(
        AdminEndpoint.Format(parse.GetValue(adminAddress), parse.GetValue(tcp), parse.GetValue(adminPort)),
        parse.GetValue(adminToken) is string token ? Path.GetFullPath(token) : null,
        (parse.GetValue(adminConfig) ?? []).Select(Path.GetFullPath).ToList()),
    LogFile = parse.GetValue(logFile) is string log ? Path.GetFullPath(log) : null,
    VolumeStores = parse.GetValue(vsphere.Target) is null && VolumeStores.TryParse(parse.GetValue(volumeStore) ?? [], out var stores, out _) ? stores : [],
    Registries = new Vic.ImageC.RegistryPolicy
    {
        InsecureRegistries = parse.GetValue(insecure) ?? [],
        CaCertificateFiles = (parse.GetValue(registryCa) ?? []).Select(Path.GetFullPath).ToList(),
        Whitelist = parse.GetValue(whitelist) ?? [],
        Blacklist = parse.GetValue(blacklist) ?? [],
        Mirrors = parse.GetValue(mirror) ?? [],
    },
}, ct);
