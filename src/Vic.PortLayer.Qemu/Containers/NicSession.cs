using Vic.Tether.Protocol;

namespace Vic.PortLayer.Qemu.Containers;

/// <summary>A NIC change waiting for the guest's <see cref="ControlFrameKind.NicChanged"/> answer.</summary>
internal sealed class NicSession : IChannelSession
{
    private readonly TaskCompletionSource<string> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>"" when the guest made the change, else its reason; Conflict when the VM stopped first.</summary>
    public Task<string> Result => _result.Task;

    public ValueTask DeliverAsync(ControlFrameKind kind, byte[] payload)
    {
        if (kind == ControlFrameKind.NicChanged)
        {
            NicChangeResult? result = IChannelSession.ReadJson(payload, ProtocolJson.Default.NicChangeResult);
            _result.TrySetResult(result?.Error ?? "the guest's answer to the NIC change was unreadable");
        }
        return ValueTask.CompletedTask;
    }

    public void EndWithContainer() =>
        _result.TrySetException(new ConflictException("the container stopped while its network was being changed"));
}
