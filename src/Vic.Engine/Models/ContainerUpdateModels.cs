using System.Text.Json;
using System.Text.Json.Serialization;

namespace Vic.Engine.Models;

/// <summary>
/// Body of POST /containers/{id}/update (dockerd's container.UpdateConfig: the resources plus the restart policy).
/// The CLI sends every resource field, zero when not given; fields not modelled here land in <see cref="Extra"/>.
/// </summary>
public sealed record ContainerUpdateRequest
{
    public long Memory { get; set; }
    public long MemorySwap { get; set; }
    public long NanoCpus { get; set; }
    public long CpuPeriod { get; set; }
    public long CpuQuota { get; set; }
    public long CpuShares { get; set; }
    public string CpusetCpus { get; set; } = "";
    public RestartPolicy? RestartPolicy { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

public sealed record ContainerUpdateResponse(List<string> Warnings);

/// <summary>Answer of POST /containers/prune; ContainersDeleted is null when nothing was removed, as dockerd sends it.</summary>
public sealed record ContainerPruneResponse(List<string>? ContainersDeleted, ulong SpaceReclaimed);
