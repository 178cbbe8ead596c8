namespace Vic.Machine.Vsphere;

/// <summary>What <c>vic-machine create --target</c> was asked for, before anything on vSphere is looked at.</summary>
internal sealed record CreateRequest
{
    public required string Name { get; init; }
    public string? ComputeResource { get; init; }
    /// <summary>"ds" or "ds/path"; null: the compute resource's only datastore.</summary>
    public string? ImageStore { get; init; }
    /// <summary>"ds/path:label" each.</summary>
    public IReadOnlyList<string> VolumeStores { get; init; } = [];
    public string? BridgeNetwork { get; init; }
    public string PublicNetwork { get; init; } = "VM Network";
    /// <summary>"portgroup[:alias]" each.</summary>
    public IReadOnlyList<string> ContainerNetworks { get; init; } = [];
    public IReadOnlyList<string> DnsServers { get; init; } = [];
    /// <summary>"ip/prefix" of the appliance on the public network; null: by DHCP.</summary>
    public string? PublicIp { get; init; }
    public string? PublicGateway { get; init; }
    /// <summary>The target as the appliance reaches it (https://host[:port]/dc), when not the one vic-machine used.</summary>
    public string? ApplianceTarget { get; init; }

    public int? MaxContainers { get; init; }
    public long? MemoryBytes { get; init; }
    public int? Cpus { get; init; }

    public int ApplianceCpus { get; init; } = 2;
    public long ApplianceMemoryMb { get; init; } = 2048;

    public Tls.TlsMode TlsMode { get; init; } = Tls.TlsMode.Verify;
    public IReadOnlyList<string> TlsCnames { get; init; } = [];
    public required string CertPath { get; init; }

    /// <summary>out/appliance (vmlinuz, initramfs.cpio, appliance.img); may be absent while the image is being built.</summary>
    public required string ApplianceDirectory { get; init; }
    /// <summary>out/container-base/current: vmlinuz, initramfs.cpio (required).</summary>
    public required string ContainerBaseDirectory { get; init; }

    public bool Debug { get; init; }
}

/// <summary>The parsers shared by create and configure for the text forms of stores and networks.</summary>
internal static class StoreSyntax
{
    /// <summary>"ds" or "ds/path" → (datastore, path without slashes at either end).</summary>
    public static (string Datastore, string Path)? ImageStore(string text)
    {
        string trimmed = text.Trim().Trim('/');
        int slash = trimmed.IndexOf('/');
        string ds = slash < 0 ? trimmed : trimmed[..slash];
        string path = slash < 0 ? "" : trimmed[(slash + 1)..].Trim('/');
        return ds.Length == 0 || path.Split('/').Any(p => p is ".." or ".") ? null : (ds, path);
    }

    /// <summary>"ds/path:label" → (datastore, path, label), or null when malformed.</summary>
    public static (string Datastore, string Path, string Label)? VolumeStore(string text)
    {
        int colon = text.LastIndexOf(':');
        if (colon <= 0 || colon == text.Length - 1)
            return null;
        string label = text[(colon + 1)..];
        if (!System.Text.RegularExpressions.Regex.IsMatch(label, "^[a-zA-Z0-9][a-zA-Z0-9_.-]*$"))
            return null;
        return ImageStore(text[..colon]) is { Path.Length: > 0 } store ? (store.Datastore, store.Path, label) : null;
    }

    /// <summary>"portgroup[:alias]" → (portgroup, alias defaulting to the port group's name).</summary>
    public static (string Portgroup, string Alias) ContainerNetwork(string text)
    {
        int colon = text.LastIndexOf(':');
        return colon <= 0 ? (text, text) : (text[..colon], text[(colon + 1)..]);
    }
}
