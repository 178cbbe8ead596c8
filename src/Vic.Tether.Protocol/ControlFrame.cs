using System.Buffers.Binary;

namespace Vic.Tether.Protocol;

public enum ControlFrameKind : byte
{
    /// <summary>Bytes for the process's stdin (or the terminal, with a TTY).</summary>
    Stdin = 1,
    /// <summary>Close the process's stdin (EOF). Empty payload.</summary>
    StdinClose = 2,
    /// <summary>Deliver a signal to the process. Payload: int32 big-endian signal number.</summary>
    Signal = 3,
    /// <summary>Resize the terminal. Payload: uint16 rows, uint16 columns, big-endian.</summary>
    Resize = 4,

    /// <summary>Host to guest: start an exec session with the frame's (new, nonzero) session number.
    /// Payload: <see cref="ProcessSpec"/> JSON; its Env adds to (and overrides) the container process's.</summary>
    ExecStart = 5,

    // Guest to host, only for exec sessions: the main process's output goes to the durable log port instead.
    // A host that is not connected blocks these writes, which only stalls the exec sessions' output.

    /// <summary>Guest to host: output of an exec session's stdout (or its terminal).</summary>
    ExecStdout = 6,
    /// <summary>Guest to host: output of an exec session's stderr.</summary>
    ExecStderr = 7,
    /// <summary>Guest to host: the exec session's process runs. Payload: <see cref="StartedReport"/> JSON.</summary>
    ExecStarted = 8,
    /// <summary>Guest to host: the exec session ended (or could not start). Payload: <see cref="ExitReport"/> JSON.
    /// The session's last frame: every output frame of the session was sent before it.</summary>
    ExecExit = 9,

    // File sessions (docker cp, diff, export, commit): numbered by the host like exec sessions. See FileRequest.

    /// <summary>Host to guest: start a file session with the frame's (new, nonzero) session number.
    /// Payload: <see cref="FileRequest"/> JSON.</summary>
    FileStart = 10,
    /// <summary>Either way: bytes of the session's stream (a tar, or the JSON of a change list), in order.</summary>
    FileData = 11,
    /// <summary>Host to guest: the end of the tar the host sends for <see cref="FileOperation.Put"/>. Empty payload.</summary>
    FileDataEnd = 12,
    /// <summary>Guest to host: the stat of the session's path (<see cref="PathStat"/> JSON), before any data of a Get.</summary>
    FileStat = 13,
    /// <summary>Guest to host: the session's last frame (<see cref="FileResult"/> JSON); every data frame was sent before it.</summary>
    FileDone = 14,
    /// <summary>Host to guest, session 0, only to a VM in <see cref="VmMode.Files"/>: the work is done, power off.</summary>
    PowerOff = 15,

    // The transfer disk (VmSpec.Transfer, TransferRing): a session's bulk data goes through the disk's slots, block I/O
    // that QEMU copies natively, and only these small frames go through the control port.

    /// <summary>Either way, in a session that uses the transfer disk: the next piece of the session's stream is in a
    /// slot the sender owns (payload: uint32 slot, uint32 length, big-endian). The receiver answers FileSlotFree once it
    /// has read it. Takes the place of FileData, in order with it.</summary>
    FileSlot = 16,
    /// <summary>Either way, session 0: the slot named (payload: uint32, big-endian) was read and may be written again.</summary>
    FileSlotFree = 17,

    /// <summary>Host to guest, with a new nonzero session number: plug a NIC slot into a network or unplug it
    /// (docker network connect/disconnect of a running container). Payload: <see cref="NicChange"/> JSON.</summary>
    NicChange = 20,
    /// <summary>Guest to host, same session: the NIC change is done. Payload: <see cref="NicChangeResult"/> JSON.</summary>
    NicChanged = 21,

    /// <summary>Host to guest, session 0: the user stops or kills the container, so its main process must not be
    /// relaunched by the restart policy (<see cref="VmSpec.Restart"/>) again in this VM. Sent before the stop signal;
    /// a relaunch waiting out its back-off is cancelled and the VM powers off. Empty payload.</summary>
    StopNoRelaunch = 22,

    /// <summary>Host to guest, session 0: the container's restart policy changed (docker update --restart) and applies
    /// from the next exit of the main process on. Payload: <see cref="RestartPolicySpec"/> JSON.</summary>
    RestartPolicy = 23,
}

/// <summary>
/// One frame on the control channel: kind (1 byte), session (uint32 big-endian; 0 is the container's main
/// process, other values are exec sessions numbered by the host), payload length (uint32 big-endian), payload.
/// </summary>
public readonly record struct ControlFrame(ControlFrameKind Kind, uint Session, ReadOnlyMemory<byte> Payload)
{
    public const int HeaderLength = 9;
    public const int MaxPayload = 64 * 1024;

    public byte[] Encode()
    {
        var bytes = new byte[HeaderLength + Payload.Length];
        bytes[0] = (byte)Kind;
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(1, 4), Session);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(5, 4), (uint)Payload.Length);
        Payload.Span.CopyTo(bytes.AsSpan(HeaderLength));
        return bytes;
    }

    public static ControlFrame Signal(int signal, uint session = 0)
    {
        var payload = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(payload, signal);
        return new ControlFrame(ControlFrameKind.Signal, session, payload);
    }

    public static ControlFrame Resize(ushort rows, ushort columns, uint session = 0)
    {
        var payload = new byte[4];
        BinaryPrimitives.WriteUInt16BigEndian(payload.AsSpan(0, 2), rows);
        BinaryPrimitives.WriteUInt16BigEndian(payload.AsSpan(2, 2), columns);
        return new ControlFrame(ControlFrameKind.Resize, session, payload);
    }

    /// <summary>Stdin for a session as frames of at most <see cref="MaxPayload"/> bytes.</summary>
    public static IEnumerable<ControlFrame> Stdin(uint session, ReadOnlyMemory<byte> data)
    {
        for (int offset = 0; offset < data.Length; offset += MaxPayload)
            yield return new ControlFrame(ControlFrameKind.Stdin, session, data.Slice(offset, Math.Min(MaxPayload, data.Length - offset)).ToArray());
    }

    public static ControlFrame ExecStart(uint session, ProcessSpec process) =>
        new(ControlFrameKind.ExecStart, session, System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(process, ProtocolJson.Default.ProcessSpec));

    public static ControlFrame ForNicChange(uint session, NicChange change) =>
        new(ControlFrameKind.NicChange, session, System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(change, ProtocolJson.Default.NicChange));

    public static ControlFrame ForRestartPolicy(RestartPolicySpec policy) =>
        new(ControlFrameKind.RestartPolicy, 0, System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(policy, ProtocolJson.Default.RestartPolicySpec));

    public static ControlFrame StopNoRelaunch() => new(ControlFrameKind.StopNoRelaunch, 0, Array.Empty<byte>());

    public static ControlFrame FileStart(uint session, FileRequest request) =>
        new(ControlFrameKind.FileStart, session, System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(request, ProtocolJson.Default.FileRequest));

    public static ControlFrame FileSlot(uint session, int slot, int length)
    {
        var payload = new byte[8];
        BinaryPrimitives.WriteInt32BigEndian(payload.AsSpan(0, 4), slot);
        BinaryPrimitives.WriteInt32BigEndian(payload.AsSpan(4, 4), length);
        return new ControlFrame(ControlFrameKind.FileSlot, session, payload);
    }

    public static ControlFrame FileSlotFree(int slot)
    {
        var payload = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(payload, slot);
        return new ControlFrame(ControlFrameKind.FileSlotFree, 0, payload);
    }

    /// <summary>Reads a FileSlot payload (<paramref name="length"/> -1 for FileSlotFree); false when it is malformed.</summary>
    public static bool TryReadSlot(ReadOnlySpan<byte> payload, out int slot, out int length)
    {
        slot = payload.Length >= 4 ? BinaryPrimitives.ReadInt32BigEndian(payload[..4]) : -1;
        length = payload.Length >= 8 ? BinaryPrimitives.ReadInt32BigEndian(payload[4..8]) : -1;
        return payload.Length is 4 or 8 && slot >= 0 && (payload.Length == 4 || length >= 0);
    }

    public static bool TryReadHeader(ReadOnlySpan<byte> header, out ControlFrameKind kind, out uint session, out int payloadLength)
    {
        kind = (ControlFrameKind)header[0];
        session = BinaryPrimitives.ReadUInt32BigEndian(header[1..5]);
        uint length = BinaryPrimitives.ReadUInt32BigEndian(header[5..9]);
        payloadLength = (int)Math.Min(length, int.MaxValue);
        return IsKnown(kind) && length <= MaxPayload;
    }

    /// <summary>
    /// Every kind this protocol defines. A reader refuses any other (it cannot resynchronise inside an unknown frame and
    /// drops what it buffered), so a kind added to the enum must be added here too; a test checks the two agree.
    /// </summary>
    public static bool IsKnown(ControlFrameKind kind) => kind switch
    {
        ControlFrameKind.Stdin or ControlFrameKind.StdinClose or ControlFrameKind.Signal or ControlFrameKind.Resize => true,
        ControlFrameKind.ExecStart or ControlFrameKind.ExecStdout or ControlFrameKind.ExecStderr or ControlFrameKind.ExecStarted
            or ControlFrameKind.ExecExit => true,
        ControlFrameKind.FileStart or ControlFrameKind.FileData or ControlFrameKind.FileDataEnd or ControlFrameKind.FileStat
            or ControlFrameKind.FileDone or ControlFrameKind.PowerOff => true,
        ControlFrameKind.FileSlot or ControlFrameKind.FileSlotFree => true,
        ControlFrameKind.NicChange or ControlFrameKind.NicChanged => true,
        ControlFrameKind.StopNoRelaunch or ControlFrameKind.RestartPolicy => true,
        _ => false,
    };
}
