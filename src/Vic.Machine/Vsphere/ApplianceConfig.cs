namespace Vic.Machine.Vsphere;

/// <summary>
/// The appliance's own configuration: the guestinfo document <c>appliance</c> in its extraConfig
/// (GuestInfo.EncodeDocument), read by the tether in appliance mode. Field names follow the tether's ApplianceSpec
/// (VchArgs, Env, DataDevice, DataMountPoint, Secrets) so the two stay one mapping apart.
/// </summary>
internal sealed record ApplianceConfig
{
    public const string DocumentName = "appliance";

    public required string Name { get; init; }
    public required string Version { get; init; }

    /// <summary>vic-vch's arguments after the executable (see the contract in README: --target, --resource-pool, ...).</summary>
    public required List<string> VchArgs { get; init; }
    public List<string> Env { get; init; } = [];

    public string DataDevice { get; init; } = "";
    public string DataMountPoint { get; init; } = "/var/lib/vic";

    public required List<ApplianceNic> Networks { get; init; }
    public List<string> DnsServers { get; init; } = [];

    /// <summary>
    /// Secrets sealed with AES-256-GCM (see <see cref="SecretSealer"/>); the key is on the appliance's key disk
    /// (<see cref="KeyDevice"/>), never in extraConfig.
    /// </summary>
    public required List<SealedSecret> Secrets { get; init; }
    public required string KeyDevice { get; init; }
}

/// <summary>One appliance NIC: its role (public, bridge), the port group, and DHCP or a static address.</summary>
internal sealed record ApplianceNic(string Role, string Network, string Address = "dhcp", string? Gateway = null);

/// <summary>A file for /run/vic/secrets: <see cref="Sealed"/> is base64 of nonce (12) | ciphertext | tag (16).</summary>
internal sealed record SealedSecret(string Name, string Sealed);
