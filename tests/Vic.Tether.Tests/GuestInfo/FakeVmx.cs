using System.Text;

namespace Vic.Tether.Tests.GuestInfo;

/// <summary>
/// The hypervisor side of the VMware backdoor as documented (GETVERSION; the RPCI message channel: open, send
/// size, send payload four bytes a call, receive size, receive payload, receive status, close; status in ecx's high
/// word; channel in edx's high word; cookies in esi/edi), answering <c>info-get</c> from a guestinfo table.
/// Knobs make it misbehave the ways real ones do.
/// </summary>
internal sealed class FakeVmx(IReadOnlyDictionary<string, string> guestInfo) : IBackdoorPort
{
    private const ushort Success = 0x0001, DoReceive = 0x0002, Checkpoint = 0x0010;

    /// <summary>Answer GETVERSION but nothing of the message channel (what QEMU's vmport does).</summary>
    public bool MessagesUnsupported { get; init; }

    /// <summary>Report a checkpoint on this many send-payload calls (counted from the first), then behave.</summary>
    public int CheckpointsOnSend { get; set; }

    public int OpenChannels => _channels.Count;
    public int Calls { get; private set; }
    public List<string> Requests { get; } = [];

    /// <summary>What info-set requests set (the host's view of the guest's writes).</summary>
    public Dictionary<string, string> Set { get; } = [];

    private readonly Dictionary<ushort, Channel> _channels = [];
    private ushort _nextChannel = 3;

    private sealed class Channel(uint cookieHigh, uint cookieLow)
    {
        public uint CookieHigh { get; } = cookieHigh;
        public uint CookieLow { get; } = cookieLow;
        public int ExpectedLength { get; set; } = -1;
        public List<byte> Request { get; } = [];
        public byte[]? Reply { get; set; }
        public int ReplyOffset { get; set; }
    }

    public BackdoorRegisters Call(BackdoorRegisters r)
    {
        Calls++;
        if (r.Eax != VmwareBackdoor.Magic || (r.Edx & 0xffff) != VmwareBackdoor.Port)
        {
            return r with { Eax = uint.MaxValue };
        }
        ushort command = (ushort)r.Ecx;
        if (command == VmwareBackdoor.CommandGetVersion)
        {
            return r with { Eax = 6, Ebx = VmwareBackdoor.Magic };
        }
        if (command != VmwareBackdoor.CommandMessage || MessagesUnsupported)
        {
            return r; // unknown command: registers come back untouched, no status bits
        }
        ushort type = (ushort)(r.Ecx >> 16);
        if (type == VmwareBackdoor.MessageOpen)
        {
            if (r.Ebx != (VmwareBackdoor.RpciProtocol | VmwareBackdoor.CookieFlag))
            {
                return Status(r, 0);
            }
            ushort id = _nextChannel++;
            var channel = new Channel(0x1234u + id, 0xabcd0000u + id);
            _channels[id] = channel;
            return Status(r with { Edx = (uint)id << 16 | (r.Edx & 0xffff), Esi = channel.CookieHigh, Edi = channel.CookieLow }, Success);
        }
        ushort channelId = (ushort)(r.Edx >> 16);
        if (!_channels.TryGetValue(channelId, out Channel? c) || c.CookieHigh != r.Esi || c.CookieLow != r.Edi)
        {
            return Status(r, 0);
        }
        switch (type)
        {
            case VmwareBackdoor.MessageSendSize:
                c.ExpectedLength = (int)r.Ebx;
                c.Request.Clear();
                return Status(r, Success);
            case VmwareBackdoor.MessageSendPayload:
                if (CheckpointsOnSend > 0)
                {
                    CheckpointsOnSend--;
                    c.ExpectedLength = -1;
                    return Status(r, Checkpoint);
                }
                if (c.ExpectedLength < 0)
                {
                    return Status(r, 0);
                }
                for (int i = 0; i < 4 && c.Request.Count < c.ExpectedLength; i++)
                {
                    c.Request.Add((byte)(r.Ebx >> (8 * i)));
                }
                if (c.Request.Count == c.ExpectedLength)
                {
                    c.Reply = Answer(Encoding.UTF8.GetString([.. c.Request]));
                    c.ReplyOffset = 0;
                }
                return Status(r, Success);
            case VmwareBackdoor.MessageReceiveSize:
                if (c.Reply is null)
                {
                    return Status(r, Success);
                }
                return Status(r with { Ebx = (uint)c.Reply.Length, Edx = (uint)VmwareBackdoor.MessageSendSize << 16 | (r.Edx & 0xffff) }, Success | DoReceive);
            case VmwareBackdoor.MessageReceivePayload:
                if (c.Reply is null || r.Ebx != Success)
                {
                    return Status(r, 0);
                }
                uint word = 0;
                for (int i = 0; i < 4 && c.ReplyOffset < c.Reply.Length; i++)
                {
                    word |= (uint)c.Reply[c.ReplyOffset++] << (8 * i);
                }
                return Status(r with { Ebx = word, Edx = (uint)VmwareBackdoor.MessageSendPayload << 16 | (r.Edx & 0xffff) }, Success);
            case VmwareBackdoor.MessageReceiveStatus:
                c.Reply = null;
                return Status(r, Success);
            case VmwareBackdoor.MessageClose:
                _channels.Remove(channelId);
                return Status(r, Success);
            default:
                return Status(r, 0);
        }
    }

    private byte[] Answer(string request)
    {
        Requests.Add(request);
        const string InfoGet = "info-get ", InfoSet = "info-set ";
        if (request.StartsWith(InfoSet, StringComparison.Ordinal))
        {
            string[] keyValue = request[InfoSet.Length..].Split(' ', 2);
            if (!keyValue[0].StartsWith("guestinfo.", StringComparison.Ordinal) || keyValue.Length < 2)
            {
                return Encoding.UTF8.GetBytes("0 Invalid key name");
            }
            Set[keyValue[0]] = keyValue[1];
            return Encoding.UTF8.GetBytes("1 ");
        }
        if (request.StartsWith(InfoGet, StringComparison.Ordinal))
        {
            return Encoding.UTF8.GetBytes(guestInfo.TryGetValue(request[InfoGet.Length..], out string? value) ? "1 " + value : "0 No value found");
        }
        return Encoding.UTF8.GetBytes("0 Unknown command");
    }

    private static BackdoorRegisters Status(BackdoorRegisters r, ushort status) => r with { Ecx = (uint)status << 16 | (r.Ecx & 0xffff) };
}
