using System.CommandLine;

namespace Vic.Machine;

/// <summary><c>vic-machine create</c>: validates everything, then makes the VCH directory, certificates, env file
/// (and systemd unit) and starts the daemon; any failure removes what it made.</summary>
internal sealed class CreateCommand
{
    private readonly Option<string> _name = Commands.NameOption();
    private readonly Option<string?> _containerBase = new("--container-base") { Description = "Boot image directory (kernel + initramfs); default: the one built with vic-machine" };
    private readonly Option<string?> _certPath = new("--tls-cert-path") { Description = "Directory for the certificates (default: certs/ in the VCH's directory); existing ones that fit are reused" };
    private readonly Option<bool> _systemd = new("--systemd") { Description = "Also write a systemd unit that starts the VCH at boot (enable it with systemctl)" };
    private readonly Option<string> _unitDir = new("--systemd-unit-dir") { Description = "Where --systemd writes the unit", DefaultValueFactory = _ => SystemdUnit.DefaultDirectory };
    private readonly Option<string[]> _volumeStores = new("--volume-store")
    {
        Description = "Volume store as <directory>:<label> (repeatable); docker volume create uses \"default\" unless given --opt VolumeStore=<label>",
    };
    private readonly Option<int> _adminPort = new("--admin-port") { Description = "HTTPS port of vicadmin, the VCH's admin web UI, on the endpoint's address (0 picks a free one)", DefaultValueFactory = _ => AdminSetup.DefaultPort };
    private readonly Option<bool> _noAdmin = new("--no-admin") { Description = "Do not serve vicadmin" };
    private readonly SettingsOptions _settings = new(creating: true);
    private readonly RegistryFlags _registries = new();
    private readonly Vsphere.TargetOptions _target = new();
    private readonly Vsphere.VsphereCreateOptions _vsphere = new();
    private readonly NetworkFlags _networks;

    public CreateCommand() => _networks = new NetworkFlags(_vsphere.ContainerNetworks);

    public Command Build()
    {
        var command = new Command("create", "Create a local VCH: Docker API over mutual TLS on TCP (and a unix socket), then start its daemon")
        {
            _name, _containerBase, _certPath, _systemd, _unitDir, _volumeStores, _adminPort, _noAdmin, Commands.TimeoutOption, Commands.FormatOption,
        };
        _settings.AddTo(command);
        foreach (var option in _registries.All)
            command.Options.Add(option);
        _target.AddTo(command);
        foreach (var option in _vsphere.All)
            command.Options.Add(option);
        foreach (var option in _networks.LocalOnly)
            command.Options.Add(option);
        command.SetAction((parse, ct) => Commands.Run(parse, () => RunAsync(parse, ct)));
        return command;
    }

    /// <summary>The record the command line asks for, validated, before the endpoint is probed or anything is written.</summary>
    public VchRecord ReadRecord(ParseResult parse, VchStore store, DateTimeOffset now)
    {
        string vchName = parse.GetValue(_name)!;
        if (VchStore.ValidateName(vchName) is string bad)
            throw new MachineException(bad, ExitCodes.InvalidArgument);
        string basePath = Path.GetFullPath(parse.GetValue(_containerBase) ?? Layout.DefaultContainerBase());
        if (!File.Exists(Path.Combine(basePath, "vmlinuz")) || !File.Exists(Path.Combine(basePath, "initramfs.cpio")))
            throw new MachineException($"container base not found in {basePath} (expected vmlinuz and initramfs.cpio); build it with scripts/build.sh", ExitCodes.InvalidArgument);
        var registry = _registries.Validate(parse);
        string dir = store.DirectoryOf(vchName);
        var blank = new VchRecord
        {
            Name = vchName,
            Created = now,
            Directory = dir,
            DatastorePath = Path.Combine(dir, "datastore"),
            SocketPath = Path.Combine(dir, "docker.sock"),
            ContainerBasePath = basePath,
            DaemonPath = Layout.DefaultDaemon(),
            Version = Layout.Version,
            CertPath = parse.GetValue(_certPath) is string certs ? Path.GetFullPath(certs) : null,
            InsecureRegistries = registry.Insecure,
            WhitelistRegistries = registry.Whitelist,
            RegistryMirrors = registry.Mirrors,
            // The sources until create copies them into the VCH directory (RunAsync).
            RegistryCaFiles = registry.Cas,
            VolumeStores = ValidateVolumeStores(parse.GetValue(_volumeStores) ?? []),
        };
        bool adminPortGiven = parse.GetResult(_adminPort) is { Implicit: false };
        if (adminPortGiven && parse.GetValue(_noAdmin))
            throw new MachineException("--admin-port and --no-admin contradict each other: choose one", ExitCodes.InvalidArgument);
        // Asking for a free Docker port (--endpoint-port 0) asks for a free vicadmin port too, unless one is named:
        // where 2376 may be taken, so may 2378.
        int adminPort = adminPortGiven || parse.GetValue(_settings.EndpointPort) != 0 ? parse.GetValue(_adminPort) : 0;
        var vch = _networks.Apply(parse, _settings.Apply(parse, blank with { AdminPort = parse.GetValue(_noAdmin) ? null : adminPort }));
        if (parse.GetValue(_systemd))
            vch = vch with { SystemdUnitFile = Path.Combine(Path.GetFullPath(parse.GetValue(_unitDir)!), SystemdUnit.NameFor(vch)) };
        return vch;
    }

    /// <summary>"&lt;directory&gt;:&lt;label&gt;" each, labels unique; directories made absolute (the daemon runs elsewhere).</summary>
    internal static List<string> ValidateVolumeStores(IEnumerable<string> values)
    {
        var labels = new HashSet<string>(StringComparer.Ordinal);
        var stores = new List<string>();
        foreach (string value in values)
        {
            int colon = value.LastIndexOf(':');
            string path = colon < 0 ? "" : value[..colon], label = colon < 0 ? "" : value[(colon + 1)..];
            if (path.Length == 0 || label.Length == 0)
                throw new MachineException($"--volume-store \"{value}\": expected <directory>:<label>, e.g. /srv/volumes:default", ExitCodes.InvalidArgument);
            if (!System.Text.RegularExpressions.Regex.IsMatch(label, "^[a-zA-Z0-9][a-zA-Z0-9_.-]*$"))
                throw new MachineException($"--volume-store \"{value}\": the label may hold letters, digits, '_', '.' and '-'", ExitCodes.InvalidArgument);
            if (!labels.Add(label))
                throw new MachineException($"--volume-store: label \"{label}\" is given twice", ExitCodes.InvalidArgument);
            string full = Path.GetFullPath(path);
            if (File.Exists(full))
                throw new MachineException($"--volume-store \"{value}\": {full} is a file, not a directory", ExitCodes.InvalidArgument);
            stores.Add($"{full}:{label}");
        }
        return stores;
    }

    private async Task RunAsync(ParseResult parse, CancellationToken ct)
    {
        if (_target.Given(parse))
        {
            await Vsphere.VsphereCli.CreateAsync(_target.Read(parse), ReadVsphereRequest(parse), parse.GetValue(_vsphere.NoWait),
                parse.GetValue(Commands.TimeoutOption), parse.GetValue(Commands.FormatOption)!, ct);
            return;
        }
        // --container-network means a port group on vSphere and a Linux bridge here: it is taken by both.
        Vsphere.TargetOptions.RefuseVsphereOnly(parse, [_target.User, _target.Password, _target.Thumbprint, .. _vsphere.All.Where(o => o != _vsphere.ContainerNetworks)]);
        var store = new VchStore(parse.GetValue(Commands.RootOption)!);
        var progress = Console.Error;
        var vch = ReadRecord(parse, store, DateTimeOffset.UtcNow);
        if (store.Exists(vch.Name))
            throw new MachineException($"a VCH named \"{vch.Name}\" already exists in {store.Root}", ExitCodes.Conflict);
        // The failure path deletes the VCH's directory, so it must be one this create made.
        if (Directory.Exists(vch.Directory))
            throw new MachineException($"{vch.Directory} exists but is not a VCH; remove it or pick another name", ExitCodes.Conflict);
        if (vch.SystemdUnitFile is string unit && File.Exists(unit))
            throw new MachineException($"{unit} exists already; remove it or pick another name", ExitCodes.Conflict);
        progress.WriteLine($"Validating VCH {vch.Name}");
        var (resolved, plan) = VchSetup.Validate(vch, null, store, DateTimeOffset.UtcNow);
        vch = AdminSetup.Validate(resolved, parse.GetResult(_adminPort) is { Implicit: false }, store);

        // Certificates may live outside the VCH's directory (--tls-cert-path): snapshot them to put back on failure.
        var outside = FileSnapshot.Take(VchSetup.FilesWritten(vch, store).Append(vch.SystemdUnitFile).OfType<string>()
            .Where(f => !f.StartsWith(vch.Directory + "/", StringComparison.Ordinal)));
        try
        {
            Directory.CreateDirectory(vch.DatastorePath);
            vch = vch with { RegistryCaFiles = RegistryFlags.CopyCas(vch.RegistryCaFiles, vch.Directory) };
            VchSetup.Apply(vch, plan, store, progress);
            if (vch.AdminPort is not null)
            {
                AdminSetup.WriteToken(vch.AdminTokenFile);
                progress.WriteLine($"vicadmin: token written to {vch.AdminTokenFile} (0600)");
            }
            if (vch.SystemdUnitFile is string unitFile)
            {
                SystemdUnit.Write(vch, Path.GetDirectoryName(unitFile)!);
                progress.WriteLine($"Wrote {unitFile}; enable it with: systemctl enable {Path.GetFileName(unitFile)}");
            }
            await DaemonControl.StartAsync(vch, TimeSpan.FromSeconds(parse.GetValue(Commands.TimeoutOption)), progress, ct);
        }
        catch
        {
            progress.WriteLine($"Create failed: removing what it made for VCH {vch.Name}");
            await DaemonControl.StopAsync(vch, TimeSpan.FromSeconds(5), CancellationToken.None);
            if (Directory.Exists(vch.Directory))
                Directory.Delete(vch.Directory, recursive: true);
            outside.Restore();
            throw;
        }
        Commands.PrintEndpoint(vch, parse.GetValue(Commands.FormatOption)!);
    }

    /// <summary>The create request for a vSphere target; options that only mean something locally are refused.</summary>
    internal Vsphere.CreateRequest ReadVsphereRequest(ParseResult parse)
    {
        Vsphere.TargetOptions.RefuseLocalOnly(parse, [_systemd, _unitDir, _settings.EndpointAddress, _settings.Accelerator, _settings.VchBinary,
            _settings.StorageQuota, _settings.TlsServerCert, _settings.TlsServerKey, _settings.TlsCa, .. _registries.All, .. _networks.LocalOnly]);
        string vchName = parse.GetValue(_name)!;
        if (parse.GetValue(_settings.NoTls) && parse.GetValue(_settings.NoTlsVerify))
            throw new MachineException("--no-tls and --no-tlsverify contradict each other: choose one", ExitCodes.InvalidArgument);
        var target = _target.Read(parse);
        return new Vsphere.CreateRequest
        {
            Name = vchName,
            ComputeResource = parse.GetValue(_vsphere.ComputeResource),
            ImageStore = parse.GetValue(_vsphere.ImageStore),
            VolumeStores = parse.GetValue(_volumeStores) ?? [],
            BridgeNetwork = parse.GetValue(_vsphere.BridgeNetwork),
            PublicNetwork = parse.GetValue(_vsphere.PublicNetwork) ?? "VM Network",
            ContainerNetworks = parse.GetValue(_vsphere.ContainerNetworks) ?? [],
            DnsServers = parse.GetValue(_vsphere.DnsServers) ?? [],
            PublicIp = parse.GetValue(_vsphere.PublicIp),
            PublicGateway = parse.GetValue(_vsphere.PublicGateway),
            ApplianceTarget = parse.GetValue(_vsphere.ApplianceTarget),
            MaxContainers = parse.GetValue(_settings.Containers) is string c ? Vsphere.Limits.Count(c, "--containers", false) : null,
            MemoryBytes = parse.GetValue(_settings.Memory) is string m ? ByteSize.Parse(m, "--memory") : null,
            Cpus = parse.GetValue(_settings.Cpu) is string cpu ? Vsphere.Limits.Count(cpu, "--cpu", false) : null,
            TlsMode = parse.GetValue(_settings.NoTls) ? Tls.TlsMode.Off : parse.GetValue(_settings.NoTlsVerify) ? Tls.TlsMode.ServerOnly : Tls.TlsMode.Verify,
            TlsCnames = parse.GetValue(_settings.TlsCname) ?? [],
            CertPath = parse.GetValue(_certPath) is string certs ? Path.GetFullPath(certs)
                : Vsphere.VsphereCreateOptions.DefaultCertPath(parse.GetValue(Commands.RootOption)!, target, vchName),
            ApplianceDirectory = parse.GetValue(_vsphere.ApplianceDirectory) ?? Vsphere.VsphereCreateOptions.DefaultApplianceDirectory(),
            ContainerBaseDirectory = parse.GetValue(_containerBase) ?? Layout.DefaultContainerBase(),
        };
    }
}
