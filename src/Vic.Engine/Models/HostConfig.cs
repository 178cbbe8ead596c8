using System.Text.Json;
using System.Text.Json.Serialization;

namespace Vic.Engine.Models;

/// <summary>
/// Docker's HostConfig (with the Resources fields inlined, as Docker writes them). The fields this server
/// acts on are typed; structured fields it only echoes are kept as raw JSON; anything else lands in <see cref="Extra"/>.
/// Settable (not init) because source-generated deserialization would reset init-only members the JSON omits.
/// </summary>
public sealed record HostConfig
{
    public List<string>? Binds { get; set; }
    public string ContainerIDFile { get; set; } = "";
    public LogConfig? LogConfig { get; set; }
    public string NetworkMode { get; set; } = "";
    public Dictionary<string, List<PortBinding>?>? PortBindings { get; set; }
    public RestartPolicy? RestartPolicy { get; set; }
    public bool AutoRemove { get; set; }
    public string VolumeDriver { get; set; } = "";
    public List<string>? VolumesFrom { get; set; }
    public List<long>? ConsoleSize { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Dictionary<string, string>? Annotations { get; set; }

    [JsonConverter(typeof(StrSliceConverter))]
    public List<string>? CapAdd { get; set; }

    [JsonConverter(typeof(StrSliceConverter))]
    public List<string>? CapDrop { get; set; }

    public string CgroupnsMode { get; set; } = "";
    public List<string>? Dns { get; set; }
    public List<string>? DnsOptions { get; set; }
    public List<string>? DnsSearch { get; set; }
    public List<string>? ExtraHosts { get; set; }
    public List<string>? GroupAdd { get; set; }
    public string IpcMode { get; set; } = "";
    public string Cgroup { get; set; } = "";
    public List<string>? Links { get; set; }
    public int OomScoreAdj { get; set; }
    public string PidMode { get; set; } = "";
    public bool Privileged { get; set; }
    public bool PublishAllPorts { get; set; }
    public bool ReadonlyRootfs { get; set; }
    public List<string>? SecurityOpt { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Dictionary<string, string>? StorageOpt { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Dictionary<string, string>? Tmpfs { get; set; }

    public string UTSMode { get; set; } = "";
    public string UsernsMode { get; set; } = "";
    public long ShmSize { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Dictionary<string, string>? Sysctls { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Runtime { get; set; }

    public string Isolation { get; set; } = "";

    // Resources.
    public long CpuShares { get; set; }
    public long Memory { get; set; }
    public long NanoCpus { get; set; }
    public string CgroupParent { get; set; } = "";
    public int BlkioWeight { get; set; }
    public JsonElement? BlkioWeightDevice { get; set; }
    public JsonElement? BlkioDeviceReadBps { get; set; }
    public JsonElement? BlkioDeviceWriteBps { get; set; }
    public JsonElement? BlkioDeviceReadIOps { get; set; }
    public JsonElement? BlkioDeviceWriteIOps { get; set; }
    public long CpuPeriod { get; set; }
    public long CpuQuota { get; set; }
    public long CpuRealtimePeriod { get; set; }
    public long CpuRealtimeRuntime { get; set; }
    public string CpusetCpus { get; set; } = "";
    public string CpusetMems { get; set; } = "";
    public JsonElement? Devices { get; set; }
    public List<string>? DeviceCgroupRules { get; set; }
    public JsonElement? DeviceRequests { get; set; }
    public long MemoryReservation { get; set; }
    public long MemorySwap { get; set; }
    public long? MemorySwappiness { get; set; }
    public bool? OomKillDisable { get; set; }
    public long? PidsLimit { get; set; }
    public JsonElement? Ulimits { get; set; }
    public long CpuCount { get; set; }
    public long CpuPercent { get; set; }
    public long IOMaximumIOps { get; set; }
    public long IOMaximumBandwidth { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public JsonElement? Mounts { get; set; }

    public List<string>? MaskedPaths { get; set; }
    public List<string>? ReadonlyPaths { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? Init { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

public sealed record LogConfig
{
    public string Type { get; set; } = "";
    public Dictionary<string, string>? Config { get; set; }
}

public sealed record RestartPolicy
{
    public string Name { get; set; } = "";
    public int MaximumRetryCount { get; set; }
}

public sealed record PortBinding
{
    public string HostIp { get; set; } = "";
    public string HostPort { get; set; } = "";
}
