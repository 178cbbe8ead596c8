using System.Text.Json.Serialization;

namespace Vic.Engine.Models;

// GET /containers/{id}/stats, shaped as dockerd's (types.StatsJSON): lowercase snake_case names, and the CLI
// computes CPU % from cpu_stats against precpu_stats and MEM USAGE / LIMIT from memory_stats.

public sealed record ContainerStatsResponse
{
    [JsonPropertyName("name")] public string Name { get; init; } = "";
    [JsonPropertyName("id")] public string Id { get; init; } = "";
    [JsonPropertyName("read")] public string Read { get; init; } = "";
    [JsonPropertyName("preread")] public string PreRead { get; init; } = "";
    [JsonPropertyName("pids_stats")] public PidsStats PidsStats { get; init; } = new();
    [JsonPropertyName("blkio_stats")] public BlkioStats BlkioStats { get; init; } = new();
    [JsonPropertyName("num_procs")] public uint NumProcs { get; init; }
    [JsonPropertyName("storage_stats")] public Dictionary<string, ulong> StorageStats { get; init; } = [];
    [JsonPropertyName("cpu_stats")] public CpuStats CpuStats { get; init; } = new();
    [JsonPropertyName("precpu_stats")] public CpuStats PreCpuStats { get; init; } = new();
    [JsonPropertyName("memory_stats")] public MemoryStats MemoryStats { get; init; } = new();
    [JsonPropertyName("networks")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Dictionary<string, NetworkStats>? Networks { get; init; }
}

public sealed record PidsStats
{
    [JsonPropertyName("current")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ulong? Current { get; init; }
}

public sealed record BlkioStats
{
    [JsonPropertyName("io_service_bytes_recursive")] public List<BlkioEntry>? IoServiceBytesRecursive { get; init; }
    [JsonPropertyName("io_serviced_recursive")] public List<BlkioEntry>? IoServicedRecursive { get; init; }
    [JsonPropertyName("io_queue_recursive")] public List<BlkioEntry>? IoQueueRecursive { get; init; }
    [JsonPropertyName("io_service_time_recursive")] public List<BlkioEntry>? IoServiceTimeRecursive { get; init; }
    [JsonPropertyName("io_wait_time_recursive")] public List<BlkioEntry>? IoWaitTimeRecursive { get; init; }
    [JsonPropertyName("io_merged_recursive")] public List<BlkioEntry>? IoMergedRecursive { get; init; }
    [JsonPropertyName("io_time_recursive")] public List<BlkioEntry>? IoTimeRecursive { get; init; }
    [JsonPropertyName("sectors_recursive")] public List<BlkioEntry>? SectorsRecursive { get; init; }
}

public sealed record BlkioEntry(
    [property: JsonPropertyName("major")] ulong Major,
    [property: JsonPropertyName("minor")] ulong Minor,
    [property: JsonPropertyName("op")] string Op,
    [property: JsonPropertyName("value")] ulong Value);

public sealed record CpuStats
{
    [JsonPropertyName("cpu_usage")] public CpuUsage CpuUsage { get; init; } = new();
    [JsonPropertyName("system_cpu_usage")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public ulong SystemCpuUsage { get; init; }
    [JsonPropertyName("online_cpus")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public uint OnlineCpus { get; init; }
    [JsonPropertyName("throttling_data")] public ThrottlingData ThrottlingData { get; init; } = new();
}

public sealed record CpuUsage
{
    [JsonPropertyName("total_usage")] public ulong TotalUsage { get; init; }
    [JsonPropertyName("usage_in_kernelmode")] public ulong UsageInKernelmode { get; init; }
    [JsonPropertyName("usage_in_usermode")] public ulong UsageInUsermode { get; init; }
}

public sealed record ThrottlingData
{
    [JsonPropertyName("periods")] public ulong Periods { get; init; }
    [JsonPropertyName("throttled_periods")] public ulong ThrottledPeriods { get; init; }
    [JsonPropertyName("throttled_time")] public ulong ThrottledTime { get; init; }
}

public sealed record MemoryStats
{
    [JsonPropertyName("usage")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public ulong Usage { get; init; }
    [JsonPropertyName("stats")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Dictionary<string, ulong>? Stats { get; init; }
    [JsonPropertyName("limit")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public ulong Limit { get; init; }
}

public sealed record NetworkStats
{
    [JsonPropertyName("rx_bytes")] public ulong RxBytes { get; init; }
    [JsonPropertyName("rx_packets")] public ulong RxPackets { get; init; }
    [JsonPropertyName("rx_errors")] public ulong RxErrors { get; init; }
    [JsonPropertyName("rx_dropped")] public ulong RxDropped { get; init; }
    [JsonPropertyName("tx_bytes")] public ulong TxBytes { get; init; }
    [JsonPropertyName("tx_packets")] public ulong TxPackets { get; init; }
    [JsonPropertyName("tx_errors")] public ulong TxErrors { get; init; }
    [JsonPropertyName("tx_dropped")] public ulong TxDropped { get; init; }
}
