namespace Vic.Machine.Vsphere;

/// <summary>What ls and inspect print about a VCH on vSphere (--format json prints this record).</summary>
internal sealed record VsphereVchView(
    string Name, string State, string? DockerHost, string Target, string Appliance, string Version, DateTimeOffset Created,
    string ResourcePool, string VmFolder, string VchDirectory, string ImageStore, IReadOnlyList<string> VolumeStores,
    string BridgeNetwork, string PublicNetwork, IReadOnlyList<string> ContainerNetworks, IReadOnlyList<string> DnsServers,
    VchLimitsView Limits, long CpuLimitMhz, string Tls, string? CertPath, string Images, string? PreviousImages, string? ApplianceDisk,
    IReadOnlyList<string> VchArgs, IReadOnlyDictionary<string, string> Secrets, IReadOnlyDictionary<string, string> Env)
{
    public static VsphereVchView Of(FoundVch vch)
    {
        var r = vch.Record;
        Vic.Tether.Protocol.ApplianceSpec? config = null;
        try
        {
            config = ApplianceSpecBuilder.Read(vch.ExtraConfig).Appliance;
        }
        catch (Exception e) when (e is Vic.Tether.Protocol.GuestInfoException or System.Text.Json.JsonException or MachineException)
        {
            // Shown as empty: ls must still list a VCH whose document is damaged, and inspect says what it has.
        }
        string? host = vch.IpAddress is string ip ? $"tcp://{(r.TlsCnames.Count > 0 ? r.TlsCnames[0] : ip)}:{r.EndpointPort}" : null;
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        if (host is not null)
        {
            env["DOCKER_HOST"] = host;
            if (r.TlsMode != Vic.Machine.Tls.TlsMode.Off && r.CertPath is not null)
            {
                env["DOCKER_TLS_VERIFY"] = "1";
                env["DOCKER_CERT_PATH"] = r.CertPath;
            }
        }
        return new VsphereVchView(r.Name, StateText(vch.PowerState), host, r.Target, vch.Appliance.Value, r.Version, r.Created,
            r.ResourcePool, r.VmFolder, r.VchDirectory, r.ImageStore, r.VolumeStores, r.BridgeNetwork, r.PublicNetwork, r.ContainerNetworks,
            r.DnsServers, new VchLimitsView(r.MaxContainers, r.MemoryBytes, r.Cpus, null), r.CpuLimitMhz, Commands.TlsText(r.TlsMode), r.CertPath,
            r.Images.Stamp, r.PreviousImages?.Stamp, r.Images.ApplianceDisk,
            config?.VchArgs ?? [],
            // Secrets are never printed, not even sealed: only that they are there.
            (config?.Secrets ?? []).ToDictionary(s => s.Name, _ => "********", StringComparer.Ordinal),
            env);
    }

    private static string StateText(Vic.Vsphere.VmPowerState state) => state switch
    {
        Vic.Vsphere.VmPowerState.PoweredOn => "running",
        Vic.Vsphere.VmPowerState.Suspended => "suspended",
        _ => "stopped",
    };
}
