using System.Collections.Concurrent;
using System.Text.Json;
using Vic.Tether.Protocol;

namespace Vic.Tether.Files;

/// <summary>Starts file sessions and routes the host's data frames to them, for the control port.</summary>
internal interface IFileHost
{
    /// <summary>Starts session <paramref name="session"/> from a <see cref="FileRequest"/> JSON payload; answers with
    /// frames of that session ending in FileDone. Never throws.</summary>
    void Start(uint session, byte[] payload);

    /// <summary>A FileData, FileSlot or FileDataEnd frame from the host.</summary>
    void Input(uint session, ControlFrameKind kind, byte[] payload);

    /// <summary>A FileSlotFree frame: the host has read one of our transfer slots.</summary>
    void SlotFreed(byte[] payload);

    /// <summary>The host went away: what it was sending will not come, and it will not free the slots it had.</summary>
    void HostGone();
}

/// <summary>A failure a file session reports to the host as it is (not found, invalid request).</summary>
internal sealed class FileSessionException(FileErrorKind kind, string message) : Exception(message)
{
    public FileErrorKind Kind { get; } = kind;
}

/// <summary>
/// docker cp, diff, export and commit inside the VM: each session runs on its own thread against <see cref="FileRoots"/>
/// and ends with one FileDone frame saying how it went.
/// </summary>
internal sealed class FileSessions(FileRoots roots, ControlPort port, LogWriter log, TransferDisk? transfer, LayerTarget? layers = null) : IFileHost
{
    private readonly ConcurrentDictionary<uint, FrameInputStream> _inputs = new();
    private readonly Freezer _freezer = new(log);

    public void Start(uint session, byte[] payload)
    {
        FileRequest? request;
        try
        {
            request = JsonSerializer.Deserialize(payload, ProtocolJson.Default.FileRequest);
        }
        catch (JsonException)
        {
            request = null;
        }
        if (request is null)
        {
            Done(session, new FileResult { Error = FileErrorKind.Invalid, Message = "the file request could not be read" });
            return;
        }
        if (request.UseTransfer && transfer is null)
        {
            Done(session, new FileResult { Error = FileErrorKind.Failed, Message = "this VM's transfer disk is not available (see its log)" });
            return;
        }
        FrameInputStream? input = null;
        if (request.Operation is FileOperation.Put or FileOperation.ApplyLayer)
        {
            input = new FrameInputStream(transfer, FreeHostSlot);
            if (!_inputs.TryAdd(session, input))
            {
                log.Tether($"file session {session} refused: the session number is in use");
                return;
            }
        }
        new Thread(() => Run(session, request, input)) { IsBackground = true, Name = $"file-{session}" }.Start();
    }

    public void Input(uint session, ControlFrameKind kind, byte[] payload)
    {
        if (!_inputs.TryGetValue(session, out FrameInputStream? input))
        {
            // A session that already ended (and told the host why); a slot it was sent is free again.
            if (kind == ControlFrameKind.FileSlot && ControlFrame.TryReadSlot(payload, out int slot, out _))
            {
                FreeHostSlot(slot);
            }
            return;
        }
        if (kind == ControlFrameKind.FileDataEnd)
        {
            input.Complete();
        }
        else if (kind == ControlFrameKind.FileSlot)
        {
            if (ControlFrame.TryReadSlot(payload, out int slot, out int length))
            {
                input.AddSlot(slot, length);
            }
        }
        else
        {
            input.Add(payload);
        }
    }

    public void SlotFreed(byte[] payload)
    {
        if (ControlFrame.TryReadSlot(payload, out int slot, out _))
        {
            transfer?.ToHost.Free(slot);
        }
    }

    public void HostGone()
    {
        transfer?.ToHost.Reset();
        foreach (FrameInputStream input in _inputs.Values)
        {
            input.Fail("the host went away before the end of the data");
        }
    }

    /// <summary>Gives a host slot back once read (or dropped), so the host can write it again.</summary>
    private void FreeHostSlot(int slot) => port.Send(ControlFrameKind.FileSlotFree, 0, ControlFrame.FileSlotFree(slot).Payload.Span);

    private void Run(uint session, FileRequest request, FrameInputStream? input)
    {
        FileResult result;
        try
        {
            var operations = new ArchiveOperations(roots, port, session, request.UseTransfer ? transfer : null);
            switch (request.Operation)
            {
                case FileOperation.Stat:
                    operations.Stat(request.Path);
                    break;
                case FileOperation.Get:
                    operations.Get(request.Path);
                    break;
                case FileOperation.Put:
                    operations.Put(request, input!);
                    break;
                case FileOperation.Changes:
                    operations.Changes();
                    break;
                case FileOperation.ChangesSize:
                    operations.ChangesSize();
                    break;
                case FileOperation.Export:
                    operations.Export();
                    break;
                case FileOperation.LayerDiff:
                    operations.LayerDiff();
                    break;
                case FileOperation.Freeze when roots.Running:
                    _freezer.Freeze(TimeSpan.FromSeconds(Math.Clamp(request.FreezeSeconds, 1, 3600)));
                    break;
                case FileOperation.Thaw when roots.Running:
                    _freezer.Thaw();
                    break;
                case FileOperation.ApplyLayer when layers is not null:
                    layers.Apply(input!);
                    break;
                default:
                    throw new FileSessionException(FileErrorKind.Invalid, $"{request.Operation} is not available here");
            }
            result = new FileResult();
        }
        catch (FileSessionException e)
        {
            result = new FileResult { Error = e.Kind, Message = e.Message };
        }
        catch (Exception e) when (e is TetherException or IOException or UnauthorizedAccessException or InvalidDataException or FormatException or ArgumentException)
        {
            result = new FileResult { Error = FileErrorKind.Failed, Message = e.Message };
        }
        if (input is not null)
        {
            input.Abandon();
            _inputs.TryRemove(session, out _);
        }
        Done(session, result);
    }

    private void Done(uint session, FileResult result) =>
        port.Send(ControlFrameKind.FileDone, session, JsonSerializer.SerializeToUtf8Bytes(result, ProtocolJson.Default.FileResult));
}

/// <summary>
/// Where file sessions work. <see cref="Root"/> is the container's root ("/" inside a running container, which the
/// tether has chrooted into; the mounted disk in a Files VM). <see cref="Lower"/> is the image's top layer, for diff
/// and commit. <see cref="Running"/>: the container runs here (kernel filesystems are mounted, freeze is possible).
/// </summary>
internal sealed record FileRoots(string Root, string? Lower, bool Running);
