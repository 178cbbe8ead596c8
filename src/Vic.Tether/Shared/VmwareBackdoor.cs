using System.Text;

namespace Vic.Tether;

/// <summary>
/// The VMware backdoor as the tether uses it: GETVERSION (is anyone there) and the RPCI channel, over which
/// <c>info-get guestinfo.…</c> returns a guestinfo value. Low-bandwidth only (four bytes per call): a spec is a few
/// KiB and the high-bandwidth port would need a second stub. Every step checks the status the hypervisor returns
/// and fails with a <see cref="BackdoorException"/> naming the step, so a backdoor that answers some commands and
/// not others (QEMU's vmport) ends in a clear message, never a wait.
/// </summary>
internal sealed class VmwareBackdoor(IBackdoorPort port)
{
    public const uint Magic = 0x564D5868; // "VMXh"
    public const ushort Port = 0x5658;
    public const ushort CommandGetVersion = 10;
    public const ushort CommandMessage = 30;

    // Message sub-types (ecx high word) and status bits (ecx high word of the reply).
    public const ushort MessageOpen = 0, MessageSendSize = 1, MessageSendPayload = 2, MessageReceiveSize = 3,
        MessageReceivePayload = 4, MessageReceiveStatus = 5, MessageClose = 6;
    public const ushort StatusSuccess = 0x0001, StatusDoReceive = 0x0002, StatusCheckpoint = 0x0010;

    public const uint RpciProtocol = 0x49435052; // "RPCI"
    public const uint CookieFlag = 0x80000000;

    /// <summary>Replies longer than this are refused (a corrupt size would otherwise allocate gigabytes).</summary>
    public const int MaxReply = 1024 * 1024;

    private const int Retries = 3;

    /// <summary>The backdoor's version, or null when nothing answers (ebx does not come back as the magic).</summary>
    public uint? GetVersion()
    {
        BackdoorRegisters reply = port.Call(new BackdoorRegisters { Eax = Magic, Ebx = ~Magic, Ecx = CommandGetVersion, Edx = Port });
        return reply.Ebx == Magic && reply.Eax != uint.MaxValue ? reply.Eax : null;
    }

    /// <summary>
    /// The value of guestinfo key <paramref name="key"/> (e.g. "guestinfo.vic.spec.0"), or null when the VM has no
    /// such key. Opens a channel for the request and closes it again.
    /// </summary>
    public string? GetGuestInfo(string key)
    {
        string reply = Request("info-get " + key);
        // "1 <value>" on success; "0 No value found" (or another message) when the key is not set.
        if (reply.StartsWith("1 ", StringComparison.Ordinal))
        {
            return reply[2..];
        }
        if (reply == "1")
        {
            return "";
        }
        if (reply.StartsWith('0'))
        {
            return null;
        }
        throw new BackdoorException($"RPCI info-get {key}: unexpected reply \"{Shorten(reply)}\"");
    }

    /// <summary>
    /// Sets guestinfo key <paramref name="key"/> to <paramref name="value"/> (one line: the VMX takes the rest of the
    /// request as the value), as the host then reads it from the VM's extraConfig. Throws when the VMX refuses.
    /// </summary>
    public void SetGuestInfo(string key, string value)
    {
        string reply = Request($"info-set {key} {value.ReplaceLineEndings(" ")}");
        if (!reply.StartsWith('1'))
        {
            throw new BackdoorException($"RPCI info-set {key}: refused (\"{Shorten(reply)}\")");
        }
    }

    /// <summary>Sends one RPCI request and returns the reply text.</summary>
    public string Request(string request)
    {
        (ushort channel, uint cookieHigh, uint cookieLow) = Open();
        try
        {
            for (int attempt = 0; attempt < Retries; attempt++)
            {
                // A checkpoint (snapshot, vMotion) between calls drops the message in flight: start it again.
                if (Send(channel, cookieHigh, cookieLow, Encoding.UTF8.GetBytes(request)) && Receive(channel, cookieHigh, cookieLow) is string reply)
                {
                    return reply;
                }
            }
            throw new BackdoorException($"RPCI request \"{Shorten(request)}\": interrupted by checkpoints {Retries} times");
        }
        finally
        {
            Message(MessageClose, 0, channel, cookieHigh, cookieLow);
        }
    }

    private (ushort Channel, uint CookieHigh, uint CookieLow) Open()
    {
        BackdoorRegisters reply = port.Call(new BackdoorRegisters
        {
            Eax = Magic,
            Ebx = RpciProtocol | CookieFlag,
            Ecx = CommandMessage | (uint)MessageOpen << 16,
            Edx = Port,
        });
        if ((reply.Ecx >> 16 & StatusSuccess) == 0)
        {
            throw new BackdoorException($"the backdoor refused to open an RPCI channel (status 0x{reply.Ecx >> 16:x4}): no guestinfo can be read");
        }
        return ((ushort)(reply.Edx >> 16), reply.Esi, reply.Edi);
    }

    /// <summary>Sends the request; false when a checkpoint interrupted it (retry), throws on any other failure.</summary>
    private bool Send(ushort channel, uint cookieHigh, uint cookieLow, byte[] request)
    {
        BackdoorRegisters size = Message(MessageSendSize, (uint)request.Length, channel, cookieHigh, cookieLow);
        CheckSuccess(size, "send the request size");
        for (int offset = 0; offset < request.Length; offset += 4)
        {
            uint word = 0;
            for (int i = 0; i < 4 && offset + i < request.Length; i++)
            {
                word |= (uint)request[offset + i] << (8 * i);
            }
            BackdoorRegisters sent = Message(MessageSendPayload, word, channel, cookieHigh, cookieLow);
            if (!Succeeded(sent))
            {
                return Checkpointed(sent) ? false : throw Failure(sent, "send the request");
            }
        }
        return true;
    }

    /// <summary>The reply; null when a checkpoint interrupted it (retry), throws on any other failure.</summary>
    private string? Receive(ushort channel, uint cookieHigh, uint cookieLow)
    {
        BackdoorRegisters size = Message(MessageReceiveSize, 0, channel, cookieHigh, cookieLow);
        CheckSuccess(size, "receive the reply size");
        if ((size.Ecx >> 16 & StatusDoReceive) == 0)
        {
            return "";
        }
        if (size.Ebx > MaxReply)
        {
            throw new BackdoorException($"RPCI reply of {size.Ebx} bytes is over the {MaxReply} byte limit");
        }
        var reply = new byte[size.Ebx];
        for (int offset = 0; offset < reply.Length; offset += 4)
        {
            BackdoorRegisters payload = Message(MessageReceivePayload, StatusSuccess, channel, cookieHigh, cookieLow);
            if (!Succeeded(payload))
            {
                return Checkpointed(payload) ? null : throw Failure(payload, "receive the reply");
            }
            for (int i = 0; i < 4 && offset + i < reply.Length; i++)
            {
                reply[offset + i] = (byte)(payload.Ebx >> (8 * i));
            }
        }
        BackdoorRegisters status = Message(MessageReceiveStatus, StatusSuccess, channel, cookieHigh, cookieLow);
        if (!Succeeded(status))
        {
            return Checkpointed(status) ? null : throw Failure(status, "acknowledge the reply");
        }
        return Encoding.UTF8.GetString(reply);
    }

    private BackdoorRegisters Message(ushort type, uint ebx, ushort channel, uint cookieHigh, uint cookieLow) =>
        port.Call(new BackdoorRegisters
        {
            Eax = Magic,
            Ebx = ebx,
            Ecx = CommandMessage | (uint)type << 16,
            Edx = Port | (uint)channel << 16,
            Esi = cookieHigh,
            Edi = cookieLow,
        });

    private static bool Succeeded(BackdoorRegisters reply) => (reply.Ecx >> 16 & StatusSuccess) != 0;

    private static bool Checkpointed(BackdoorRegisters reply) => (reply.Ecx >> 16 & StatusCheckpoint) != 0;

    private static void CheckSuccess(BackdoorRegisters reply, string step)
    {
        if (!Succeeded(reply))
        {
            throw Failure(reply, step);
        }
    }

    private static BackdoorException Failure(BackdoorRegisters reply, string step) =>
        new($"RPCI channel: could not {step} (status 0x{reply.Ecx >> 16:x4})");

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "…";
}
