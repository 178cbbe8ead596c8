using System.CommandLine;
using System.Security.Cryptography.X509Certificates;
using Vic.PortLayer.VSphere;

namespace Vic.Vch;

/// <summary>
/// The flags that select the vSphere backend (the contract with vic-machine on vSphere): --target and the inventory
/// and network names. The password comes from VIC_VSPHERE_PASSWORD or a file (--password-file), never from argv (ps
/// would show it).
/// </summary>
internal sealed class VSphereFlags
{
    public const string PasswordVariable = "VIC_VSPHERE_PASSWORD";

    public Option<string?> Target { get; } = new("--target") { Description = "vCenter or ESXi SDK URL (https://host/sdk, or https://host/<datacenter>): runs containerVMs on vSphere instead of local QEMU" };
    public Option<string?> Thumbprint { get; } = new("--thumbprint") { Description = "SHA-1 thumbprint of the server's certificate (colon form)" };
    public Option<string?> CaFile { get; } = new("--ca-file") { Description = "PEM CA bundle the server's certificate must chain to (instead of --thumbprint)" };
    public Option<string?> User { get; } = new("--user") { Description = $"vSphere user; the password is read from {PasswordVariable} or --password-file" };
    public Option<string?> PasswordFile { get; } = new("--password-file") { Description = $"File holding the vSphere password (instead of {PasswordVariable}; in the appliance, an opened sealed secret)" };
    public Option<string?> ComputeResource { get; } = new("--compute-resource") { Description = "Cluster or host (inventory path or name); default: the datacenter's only one" };
    public Option<string?> ResourcePool { get; } = new("--resource-pool") { Description = "The VCH's resource pool (inventory path), where containerVMs are created" };
    public Option<string?> VmFolder { get; } = new("--vm-folder") { Description = "Folder for containerVMs (inventory path); default: the datacenter's vm folder" };
    public Option<string?> ImageStore { get; } = new("--image-store") { Description = "<datastore>[/path] for layer disks, containerVMs and metadata" };
    public Option<string?> BridgeNetwork { get; } = new("--bridge-network") { Description = "Port group containerVMs' NICs join" };
    public Option<string?> PublicNetwork { get; } = new("--public-network") { Description = "The appliance's public port group" };
    public Option<string[]> ContainerNetwork { get; } = new("--container-network") { Description = "A network containers may join directly, as <portgroup>[:alias] on vSphere, <bridge>[:alias] locally (bridge: br0, or netns/br0 inside a named network namespace); may be repeated" };
    public Option<string?> InteractionUri { get; } = new("--interaction-uri") { Description = "tcp://host:port containerVMs' interaction serial port connects to (default: left disconnected)" };

    public IEnumerable<Option> All => [Target, Thumbprint, CaFile, User, PasswordFile, ComputeResource, ResourcePool, VmFolder, ImageStore, BridgeNetwork, PublicNetwork, ContainerNetwork, InteractionUri];

    /// <summary>Errors for a --target command line that lacks what the vSphere backend needs.</summary>
    public IEnumerable<string> Validate(System.CommandLine.Parsing.CommandResult result)
    {
        string? target = result.GetValue(Target);
        if (target is null)
        {
            // --container-network also names a local container network's bridge (ContainerNetworkFlags).
            if (All.Skip(1).Any(o => o != ContainerNetwork && result.GetResult(o) is not null))
                yield return "vSphere options need --target";
            yield break;
        }
        if (!Uri.TryCreate(target, UriKind.Absolute, out var url) || url.Scheme is not ("https" or "http"))
            yield return $"--target \"{target}\" is not an https URL (https://host/sdk or https://host/<datacenter>)";
        foreach (var (option, name) in new (Option<string?>, string)[] { (User, "--user"), (ImageStore, "--image-store"), (BridgeNetwork, "--bridge-network") })
        {
            if (string.IsNullOrWhiteSpace(result.GetValue(option)))
                yield return $"--target needs {name}";
        }
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(PasswordVariable)) && result.GetValue(PasswordFile) is null)
            yield return $"--target needs the password in {PasswordVariable} or --password-file";
        if (result.GetValue(Thumbprint) is not null && result.GetValue(CaFile) is not null)
            yield return "--thumbprint and --ca-file are alternatives: give one";
    }

    /// <summary>The backend options from a validated command line.</summary>
    public VSphereBackendOptions? Read(ParseResult parse, string vchName, string containerBase)
    {
        if (parse.GetValue(Target) is not string targetText)
            return null;
        var target = new Uri(targetText);
        X509Certificate2Collection? cas = null;
        if (parse.GetValue(CaFile) is string caFile)
        {
            cas = [];
            cas.ImportFromPemFile(caFile);
        }
        return new VSphereBackendOptions
        {
            VchName = vchName,
            Target = target,
            Username = parse.GetValue(User)!,
            Password = parse.GetValue(PasswordFile) is string file ? File.ReadAllText(file).TrimEnd('\n') : Environment.GetEnvironmentVariable(PasswordVariable)!,
            Thumbprint = parse.GetValue(Thumbprint),
            TrustedCertificates = cas,
            ComputeResource = parse.GetValue(ComputeResource),
            ResourcePool = parse.GetValue(ResourcePool),
            VmFolder = parse.GetValue(VmFolder),
            ImageStore = parse.GetValue(ImageStore)!,
            BridgeNetwork = parse.GetValue(BridgeNetwork)!,
            PublicNetwork = parse.GetValue(PublicNetwork),
            ContainerNetworks = (parse.GetValue(ContainerNetwork) ?? []).ToDictionary(
                n => n.Split(':')[0], n => n.Contains(':') ? n[(n.IndexOf(':') + 1)..] : n, StringComparer.Ordinal),
            ContainerBase = containerBase,
            InteractionUri = parse.GetValue(InteractionUri),
        };
    }
}
