using System.Buffers.Binary;
using System.Text;

namespace Vic.Tether;

/// <summary>
/// One DHCP message (RFC 2131 section 2) with the options the tether's client sends and reads. Addresses are IPv4 in
/// host byte order (0 for none), as <see cref="Ipv4Cidr"/> holds them. Encoding and decoding are pure, so the whole
/// exchange is tested without a network.
/// </summary>
internal sealed record DhcpMessage
{
    public const int ServerPort = 67, ClientPort = 68;

    /// <summary>Fixed BOOTP header (236 bytes) plus the magic cookie.</summary>
    private const int HeaderLength = 240;

    /// <summary>BOOTP's minimum message: some relays and servers drop anything shorter.</summary>
    private const int MinimumLength = 300;

    private const uint MagicCookie = 0x63825363;

    private const byte OptPad = 0, OptSubnetMask = 1, OptRouter = 3, OptDns = 6, OptHostName = 12, OptDomainName = 15,
        OptRequestedAddress = 50, OptLeaseTime = 51, OptOverload = 52, OptMessageType = 53, OptServerId = 54,
        OptParameterList = 55, OptMessage = 56, OptMaxSize = 57, OptRenewalTime = 58, OptRebindingTime = 59,
        OptClientId = 61, OptEnd = 255;

    /// <summary>The options the client asks for (parameter request list, option 55).</summary>
    public static readonly byte[] RequestedParameters = [OptSubnetMask, OptRouter, OptDns, OptDomainName, OptLeaseTime, OptRenewalTime, OptRebindingTime];

    /// <summary>BOOTREPLY (op 2) from a server; BOOTREQUEST (op 1) from a client.</summary>
    public bool IsReply { get; init; }
    public uint TransactionId { get; init; }
    public ushort Seconds { get; init; }

    /// <summary>The BROADCAST flag: the client cannot receive unicast before it has its address, so the server must broadcast.</summary>
    public bool Broadcast { get; init; }

    public uint ClientAddress { get; init; }
    public uint YourAddress { get; init; }
    public uint NextServerAddress { get; init; }
    public uint RelayAddress { get; init; }

    /// <summary>The client's Ethernet address (chaddr, 6 bytes).</summary>
    public byte[] HardwareAddress { get; init; } = new byte[6];

    public DhcpMessageType Type { get; init; }
    public byte[]? ClientId { get; init; }
    public uint RequestedAddress { get; init; }
    public uint ServerId { get; init; }
    public uint SubnetMask { get; init; }
    public IReadOnlyList<uint> Routers { get; init; } = [];
    public IReadOnlyList<uint> DnsServers { get; init; } = [];
    public string DomainName { get; init; } = "";
    public string HostName { get; init; } = "";
    /// <summary>Seconds; null when the option is absent.</summary>
    public uint? LeaseSeconds { get; init; }
    public uint? RenewalSeconds { get; init; }
    public uint? RebindingSeconds { get; init; }
    /// <summary>A server's explanation (option 56), mostly with a NAK.</summary>
    public string Message { get; init; } = "";
    public IReadOnlyList<byte> ParameterRequests { get; init; } = [];

    /// <summary>The wire form: header, cookie, options (type first), end, zero-padded to BOOTP's 300 bytes.</summary>
    public byte[] Encode()
    {
        var options = new List<byte>();
        void Add(byte code, ReadOnlySpan<byte> value)
        {
            options.Add(code);
            options.Add((byte)value.Length);
            options.AddRange(value.ToArray());
        }
        void AddAddresses(byte code, IReadOnlyList<uint> addresses)
        {
            if (addresses.Count == 0)
            {
                return;
            }
            var bytes = new byte[addresses.Count * 4];
            for (int i = 0; i < addresses.Count; i++)
            {
                BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(i * 4), addresses[i]);
            }
            Add(code, bytes);
        }
        void AddUInt(byte code, uint? value)
        {
            if (value is uint v)
            {
                Span<byte> bytes = stackalloc byte[4];
                BinaryPrimitives.WriteUInt32BigEndian(bytes, v);
                Add(code, bytes);
            }
        }
        void AddText(byte code, string text)
        {
            byte[] bytes = Encoding.ASCII.GetBytes(text);
            if (bytes.Length is > 0 and <= 255)
            {
                Add(code, bytes);
            }
        }

        if (Type != DhcpMessageType.None)
        {
            Add(OptMessageType, [(byte)Type]);
        }
        if (ClientId is { Length: > 1 and <= 255 } clientId)
        {
            Add(OptClientId, clientId);
        }
        if (RequestedAddress != 0)
        {
            AddUInt(OptRequestedAddress, RequestedAddress);
        }
        if (ServerId != 0)
        {
            AddUInt(OptServerId, ServerId);
        }
        if (SubnetMask != 0)
        {
            AddUInt(OptSubnetMask, SubnetMask);
        }
        AddAddresses(OptRouter, Routers);
        AddAddresses(OptDns, DnsServers);
        AddText(OptDomainName, DomainName);
        AddText(OptHostName, HostName);
        AddUInt(OptLeaseTime, LeaseSeconds);
        AddUInt(OptRenewalTime, RenewalSeconds);
        AddUInt(OptRebindingTime, RebindingSeconds);
        AddText(OptMessage, Message);
        if (ParameterRequests.Count > 0)
        {
            Add(OptParameterList, ParameterRequests.ToArray());
            // Room for a full answer: without option 57 a server may assume the 576-byte minimum and drop options.
            Add(OptMaxSize, [0x05, 0xDC]);
        }
        options.Add(OptEnd);

        var packet = new byte[Math.Max(MinimumLength, HeaderLength + options.Count)];
        Span<byte> p = packet;
        p[0] = IsReply ? (byte)2 : (byte)1;
        p[1] = 1; // htype Ethernet
        p[2] = 6; // hlen
        BinaryPrimitives.WriteUInt32BigEndian(p[4..], TransactionId);
        BinaryPrimitives.WriteUInt16BigEndian(p[8..], Seconds);
        BinaryPrimitives.WriteUInt16BigEndian(p[10..], Broadcast ? (ushort)0x8000 : (ushort)0);
        BinaryPrimitives.WriteUInt32BigEndian(p[12..], ClientAddress);
        BinaryPrimitives.WriteUInt32BigEndian(p[16..], YourAddress);
        BinaryPrimitives.WriteUInt32BigEndian(p[20..], NextServerAddress);
        BinaryPrimitives.WriteUInt32BigEndian(p[24..], RelayAddress);
        HardwareAddress.AsSpan(0, Math.Min(6, HardwareAddress.Length)).CopyTo(p[28..]);
        BinaryPrimitives.WriteUInt32BigEndian(p[236..], MagicCookie);
        options.CopyTo(packet, HeaderLength);
        return packet;
    }

    /// <summary>Parses a message; null with <paramref name="error"/> when it is not a well-formed DHCP message.</summary>
    public static DhcpMessage? Decode(ReadOnlySpan<byte> packet, out string? error)
    {
        error = null;
        if (packet.Length < HeaderLength)
        {
            error = $"{packet.Length} bytes is too short for a DHCP message";
            return null;
        }
        if (packet[0] is not (1 or 2) || packet[1] != 1 || packet[2] != 6)
        {
            error = "not an Ethernet BOOTP message";
            return null;
        }
        if (BinaryPrimitives.ReadUInt32BigEndian(packet[236..]) != MagicCookie)
        {
            error = "no DHCP magic cookie";
            return null;
        }
        var fields = new Dictionary<byte, byte[]>();
        if (!ReadOptions(packet[HeaderLength..], fields, out byte overload, out error))
        {
            return null;
        }
        // Option 52: the file and sname fields carry more options (read after the main area, as RFC 2131 says).
        if ((overload & 1) != 0 && !ReadOptions(packet.Slice(108, 128), fields, out _, out error))
        {
            return null;
        }
        if ((overload & 2) != 0 && !ReadOptions(packet.Slice(44, 64), fields, out _, out error))
        {
            return null;
        }

        uint? UInt(byte code) => fields.TryGetValue(code, out byte[]? v) && v.Length == 4 ? BinaryPrimitives.ReadUInt32BigEndian(v) : null;
        List<uint> Addresses(byte code)
        {
            var list = new List<uint>();
            if (fields.TryGetValue(code, out byte[]? v))
            {
                for (int i = 0; i + 4 <= v.Length; i += 4)
                {
                    list.Add(BinaryPrimitives.ReadUInt32BigEndian(v.AsSpan(i)));
                }
            }
            return list;
        }
        string Text(byte code) => fields.TryGetValue(code, out byte[]? v) ? Printable(v) : "";

        return new DhcpMessage
        {
            IsReply = packet[0] == 2,
            TransactionId = BinaryPrimitives.ReadUInt32BigEndian(packet[4..]),
            Seconds = BinaryPrimitives.ReadUInt16BigEndian(packet[8..]),
            Broadcast = (BinaryPrimitives.ReadUInt16BigEndian(packet[10..]) & 0x8000) != 0,
            ClientAddress = BinaryPrimitives.ReadUInt32BigEndian(packet[12..]),
            YourAddress = BinaryPrimitives.ReadUInt32BigEndian(packet[16..]),
            NextServerAddress = BinaryPrimitives.ReadUInt32BigEndian(packet[20..]),
            RelayAddress = BinaryPrimitives.ReadUInt32BigEndian(packet[24..]),
            HardwareAddress = packet.Slice(28, 6).ToArray(),
            Type = fields.TryGetValue(OptMessageType, out byte[]? type) && type.Length == 1 ? (DhcpMessageType)type[0] : DhcpMessageType.None,
            ClientId = fields.GetValueOrDefault(OptClientId),
            RequestedAddress = UInt(OptRequestedAddress) ?? 0,
            ServerId = UInt(OptServerId) ?? 0,
            SubnetMask = UInt(OptSubnetMask) ?? 0,
            Routers = Addresses(OptRouter),
            DnsServers = Addresses(OptDns),
            DomainName = Text(OptDomainName),
            HostName = Text(OptHostName),
            LeaseSeconds = UInt(OptLeaseTime),
            RenewalSeconds = UInt(OptRenewalTime),
            RebindingSeconds = UInt(OptRebindingTime),
            Message = Text(OptMessage),
            ParameterRequests = fields.GetValueOrDefault(OptParameterList) ?? [],
        };
    }

    /// <summary>Reads code/length/value triples up to End. A repeated option is concatenated (RFC 3396).</summary>
    private static bool ReadOptions(ReadOnlySpan<byte> area, Dictionary<byte, byte[]> fields, out byte overload, out string? error)
    {
        overload = 0;
        error = null;
        int i = 0;
        while (i < area.Length)
        {
            byte code = area[i++];
            if (code == OptPad)
            {
                continue;
            }
            if (code == OptEnd)
            {
                return true;
            }
            if (i >= area.Length || i + 1 + area[i] > area.Length)
            {
                error = $"option {code} runs past the end of the message";
                return false;
            }
            int length = area[i++];
            byte[] value = area.Slice(i, length).ToArray();
            i += length;
            if (code == OptOverload && length == 1)
            {
                overload = value[0];
                continue;
            }
            fields[code] = fields.TryGetValue(code, out byte[]? earlier) ? [.. earlier, .. value] : value;
        }
        // A missing End is tolerated: the options simply stop with the message.
        return true;
    }

    /// <summary>Text options as printable ASCII: they end up in /etc/resolv.conf and the VCH's records.</summary>
    private static string Printable(byte[] value)
    {
        var text = new StringBuilder(value.Length);
        foreach (byte b in value)
        {
            if (b == 0)
            {
                break;
            }
            if (b is > 0x20 and < 0x7F)
            {
                text.Append((char)b);
            }
        }
        return text.ToString();
    }
}
