using System.Text.Json;
using System.Text.Json.Serialization;

namespace Vic.Engine.Models;

/// <summary>
/// Docker's HostConfig (with the Resources fields inlined, as Docker writes them). The fields this server
/// acts on are typed; structured fields it only echoes are kept as raw JSON; anything else lands in <see cref="Extra"/>.
/// </summary>
public sealed record HostConfig
{
    public List<string>? Binds { get; init; }
    public string ContainerIDFile { get; init; } = "";
    public LogConfig LogConfig { get; init; } = new();
    public string NetworkMode { get; init; } = "";
    public Dictionary<string, List<PortBinding>?>? PortBindings { get; init; }
    public RestartPolicy RestartPolicy { get; init; } = new();
    public bool AutoRemove { get; init; }
    public string VolumeDriver { get; init; } = "";
    public List<string>? VolumesFrom { get; init; }
    public List<long>? ConsoleSize { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Dictionary<string, string>? Annotations { get; init; }

    [JsonConverter(typeof(StrSliceConverter))]
    public List<string>? CapAdd { get; init; }

    [JsonConverter(typeof(StrSliceConverter))]
    public List<string>? CapDrop { get; init; }

    public string CgroupnsMode { get; init; } = "";
    public List<string>? Dns { get; init; }
    public List<string>? DnsOptions { get; init; }
    public List<string>? DnsSearch { get; init; }
    public List<string>? ExtraHosts { get; init; }
    public List<string>? GroupAdd { get; init; }
    public string IpcMode { get; init; } = "";
    public string Cgroup { get; init; } = "";
    public List<string>? Links { get; init; }
    public int OomScoreAdj { get; init; }
    public string PidMode { get; init; } = "";
    public bool Privileged { get; init; }
    public bool PublishAllPorts { get; init; }
    public bool ReadonlyRootfs { get; init; }
    public List<string>? SecurityOpt { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Dictionary<string, string>? StorageOpt { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Dictionary<string, string>? Tmpfs { get; init; }

    public string UTSMode { get; init; } = "";
    public string UsernsMode { get; init; } = "";
    public long ShmSize { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Dictionary<string, string>? Sysctls { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Runtime { get; init; }

    public string Isolation { get; init; } = "";

    // Resources.
    public long CpuShares { get; init; }
    public long Memory { get; init; }
    public long NanoCpus { get; init; }
    public string CgroupParent { get; init; } = "";
    public int BlkioWeight { get; init; }
    public JsonElement? BlkioWeightDevice { get; init; }
    public JsonElement? BlkioDeviceReadBps { get; init; }
    public JsonElement? BlkioDeviceWriteBps { get; init; }
    public JsonElement? BlkioDeviceReadIOps { get; init; }
    public JsonElement? BlkioDeviceWriteIOps { get; init; }
    public long CpuPeriod { get; init; }
    public long CpuQuota { get; init; }
    public long CpuRealtimePeriod { get; init; }
    public long CpuRealtimeRuntime { get; init; }
    public string CpusetCpus { get; init; } = "";
    public string CpusetMems { get; init; } = "";
    public JsonElement? Devices { get; init; }
    public List<string>? DeviceCgroupRules { get; init; }
    public JsonElement? DeviceRequests { get; init; }
    public long MemoryReservation { get; init; }
    public long MemorySwap { get; init; }
    public long? MemorySwappiness { get; init; }
    public bool? OomKillDisable { get; init; }
    public long? PidsLimit { get; init; }
    public JsonElement? Ulimits { get; init; }
    public long CpuCount { get; init; }
    public long CpuPercent { get; init; }
    public long IOMaximumIOps { get; init; }
    public long IOMaximumBandwidth { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public JsonElement? Mounts { get; init; }

    public List<string>? MaskedPaths { get; init; }
    public List<string>? ReadonlyPaths { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? Init { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

public sealed record LogConfig
{
    public string Type { get; init; } = "";
    public Dictionary<string, string>? Config { get; init; }
}

public sealed record RestartPolicy
{
    public string Name { get; init; } = "";
    public int MaximumRetryCount { get; init; }
}

public sealed record PortBinding
{
    public string HostIp { get; init; } = "";
    public string HostPort { get; init; } = "";
}
