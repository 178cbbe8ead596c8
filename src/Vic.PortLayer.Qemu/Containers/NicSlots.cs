using System.Security.Cryptography;
using System.Text;

namespace Vic.PortLayer.Qemu.Containers;

/// <summary>
/// A containerVM's NICs are numbered slots: slot n is the n-th virtio-net device, tap vt&lt;id10&gt;&lt;n&gt;, named eth&lt;n&gt;
/// in the guest while it is on a network and spare&lt;n&gt; while free. A free slot carries its slot MAC, which the guest
/// finds it by when docker network connect plugs it.
/// </summary>
internal static class NicSlots
{
    /// <summary>At most this many NICs per VM (networks at boot plus spares).</summary>
    public const int MaxSlots = 8;

    /// <summary>Locally administered, unicast, stable for (container, slot); prefix 02:56 keeps it clear of the IPAM's
    /// 02:42 endpoint MACs.</summary>
    public static string SlotMac(string containerId, int slot)
    {
        byte[] hash = SHA256.HashData(Encoding.ASCII.GetBytes($"{containerId}/{slot}"));
        return $"02:56:{hash[0]:x2}:{hash[1]:x2}:{hash[2]:x2}:{hash[3]:x2}";
    }

    public static string GuestName(int slot) => $"eth{slot}";

    public static string SpareName(int slot) => $"spare{slot}";

    /// <summary>The slot number of a tap of this VM ("vt0123456789" + "3" → 3), or -1.</summary>
    public static int SlotOf(string containerId, string tap)
    {
        string prefix = Network.NamespaceFabric.TapName(containerId, 0)[..^1];
        return tap.StartsWith(prefix, StringComparison.Ordinal) && int.TryParse(tap.AsSpan(prefix.Length), out int slot) ? slot : -1;
    }
}
