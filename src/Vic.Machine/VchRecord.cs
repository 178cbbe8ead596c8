using System.Text.Json.Serialization;

namespace Vic.Machine;

/// <summary>
/// What vic-machine remembers about one local VCH (vch.json in the VCH's directory). The daemon's own state
/// (containers, images) lives in the datastore; this file only says how to start and reach the daemon.
/// </summary>
internal sealed record VchRecord
{
    public required string Name { get; init; }
    public required DateTimeOffset Created { get; init; }
    public required string Directory { get; init; }
    public required string DatastorePath { get; init; }
    public required string SocketPath { get; init; }
    public required string ContainerBasePath { get; init; }
    public required string DaemonPath { get; init; }
    public string Accelerator { get; init; } = "auto";
    public string Version { get; init; } = "";
    /// <summary>Registry policy handed to the daemon (see vic-vch --help); CA files are copies inside the VCH directory.</summary>
    public List<string> InsecureRegistries { get; init; } = [];
    public List<string> RegistryCaFiles { get; init; } = [];
    public List<string> WhitelistRegistries { get; init; } = [];
    public List<string> RegistryMirrors { get; init; } = [];

    [JsonIgnore] public string PidFile => Path.Combine(Directory, "vch.pid");
    [JsonIgnore] public string LogFile => Path.Combine(Directory, "vch.log");
    [JsonIgnore] public string DockerHost => "unix://" + SocketPath;
}

[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(VchRecord))]
[JsonSerializable(typeof(VchView))]
[JsonSerializable(typeof(List<VchView>))]
internal sealed partial class MachineJson : JsonSerializerContext;

/// <summary>What ls and inspect print with --format json.</summary>
internal sealed record VchView(string Name, string State, string DockerHost, string Directory, string DatastorePath, int? Pid, string LogFile, DateTimeOffset Created);
