using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Vic.Tether.Protocol;

namespace Vic.PortLayer.Qemu.Containers;

/// <summary>One numbered session on a <see cref="ControlChannel"/> (an exec or a file session): the channel hands it the guest's frames.</summary>
internal interface IChannelSession
{
    /// <summary>A frame of this session from the guest; may wait while the session's reader is behind.</summary>
    ValueTask DeliverAsync(ControlFrameKind kind, byte[] payload);

    /// <summary>The VM stopped (or the channel closed) before the session's last frame.</summary>
    void EndWithContainer();

    static T? ReadJson<T>(byte[] payload, JsonTypeInfo<T> type) where T : class
    {
        try
        {
            return JsonSerializer.Deserialize(payload, type);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
