namespace Vic.Engine.Models;

/// <summary>GET /version.</summary>
public sealed record VersionResponse
{
    public required PlatformName Platform { get; init; }
    public required List<ComponentVersion> Components { get; init; }
    public required string Version { get; init; }
    public required string ApiVersion { get; init; }
    public required string MinAPIVersion { get; init; }
    public string GitCommit { get; init; } = "";
    public required string GoVersion { get; init; }
    public string Os { get; init; } = "linux";
    public required string Arch { get; init; }
    public required string KernelVersion { get; init; }
    public bool Experimental { get; init; }
    public string BuildTime { get; init; } = "";
}

public sealed record PlatformName(string Name);

public sealed record ComponentVersion(string Name, string Version, Dictionary<string, string> Details);

/// <summary>GET /info. Fields the docker CLI prints are present even when they have no meaning here.</summary>
public sealed record SystemInfo
{
    public required string ID { get; init; }
    public int Containers { get; init; }
    public int ContainersRunning { get; init; }
    public int ContainersPaused { get; init; }
    public int ContainersStopped { get; init; }
    public int Images { get; init; }
    public string Driver { get; init; } = "vic";
    public required List<List<string>> DriverStatus { get; init; }
    public required List<List<string>> SystemStatus { get; init; }
    public PluginsInfo Plugins { get; init; } = new();
    public bool MemoryLimit { get; init; } = true;
    public bool SwapLimit { get; init; }
    public bool CpuCfsPeriod { get; init; }
    public bool CpuCfsQuota { get; init; }
    public bool CPUShares { get; init; }
    public bool CPUSet { get; init; }
    public bool PidsLimit { get; init; }
    public bool IPv4Forwarding { get; init; }
    public bool BridgeNfIptables { get; init; }
    public bool BridgeNfIp6tables { get; init; }
    public bool Debug { get; init; }
    public int NFd { get; init; }
    public bool OomKillDisable { get; init; }
    public int NGoroutines { get; init; }
    public required string SystemTime { get; init; }
    public string LoggingDriver { get; init; } = "json-file";
    public string CgroupDriver { get; init; } = "none";
    public string CgroupVersion { get; init; } = "";
    public int NEventsListener { get; init; }
    public required string KernelVersion { get; init; }
    public required string OperatingSystem { get; init; }
    public string OSVersion { get; init; } = "";
    public string OSType { get; init; } = "linux";
    public required string Architecture { get; init; }
    public string IndexServerAddress { get; init; } = "https://index.docker.io/v1/";
    public RegistryServiceConfig? RegistryConfig { get; init; }
    public int NCPU { get; init; }
    public long MemTotal { get; init; }
    public required string DockerRootDir { get; init; }
    public string HttpProxy { get; init; } = "";
    public string HttpsProxy { get; init; } = "";
    public string NoProxy { get; init; } = "";
    public required string Name { get; init; }
    public List<string> Labels { get; init; } = [];
    public bool ExperimentalBuild { get; init; }
    public required string ServerVersion { get; init; }
    public Dictionary<string, EmptyObject> Runtimes { get; init; } = [];
    public string DefaultRuntime { get; init; } = "";
    public SwarmInfo Swarm { get; init; } = new();
    public bool LiveRestoreEnabled { get; init; } = true;
    public string Isolation { get; init; } = "";
    public string InitBinary { get; init; } = "";
    public CommitInfo ContainerdCommit { get; init; } = new();
    public CommitInfo RuncCommit { get; init; } = new();
    public CommitInfo InitCommit { get; init; } = new();
    public List<string> SecurityOptions { get; init; } = [];
    public List<string> CDISpecDirs { get; init; } = [];
    public List<string> Warnings { get; init; } = [];
}

public sealed record PluginsInfo
{
    public List<string> Volume { get; init; } = [];
    public List<string> Network { get; init; } = [];
    public List<string>? Authorization { get; init; }
    public List<string> Log { get; init; } = [];
}

public sealed record SwarmInfo
{
    public string NodeID { get; init; } = "";
    public string NodeAddr { get; init; } = "";
    public string LocalNodeState { get; init; } = "inactive";
    public bool ControlAvailable { get; init; }
    public string Error { get; init; } = "";
    public List<string>? RemoteManagers { get; init; }
}

public sealed record CommitInfo
{
    public string ID { get; init; } = "";
    public string Expected { get; init; } = "";
}
