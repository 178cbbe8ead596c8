namespace Vic.Tether.Protocol;

/// <summary>
/// Payload of <see cref="ControlFrameKind.NicChange"/>: plug a running container into a network, or unplug it, on one of
/// its VM's NIC slots. A microvm cannot hot-plug devices, so every containerVM with networking boots with spare
/// NICs (<see cref="VmSpec.SpareNics"/>); a free slot's NIC is down and carries its slot MAC, so the tether finds it by
/// that MAC. Plugging gives it the endpoint's MAC, name and address; unplugging takes them away and gives the slot MAC
/// back, so the slot can be used again.
/// </summary>
public sealed record NicChange
{
    /// <summary>MAC of the slot's NIC while it is free ("02:…", lowercase).</summary>
    public required string SlotMac { get; init; }

    /// <summary>The configuration to give the NIC (plug); null to unplug.</summary>
    public NetworkInterfaceSpec? Interface { get; init; }

    /// <summary>Unplug only: the MAC the NIC carries while plugged (the endpoint's).</summary>
    public string CurrentMac { get; init; } = "";

    /// <summary>Unplug only: the name the freed NIC gets ("spare2"), so it cannot collide with eth names of later plugs.</summary>
    public string SpareName { get; init; } = "";
}

/// <summary>Payload of <see cref="ControlFrameKind.NicChanged"/>: empty <see cref="Error"/> on success.</summary>
public sealed record NicChangeResult
{
    public string Error { get; init; } = "";
}
