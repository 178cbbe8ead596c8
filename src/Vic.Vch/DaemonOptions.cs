using Vic.ImageC;

namespace Vic.Vch;

internal sealed record DaemonOptions
{
    public required string Name { get; init; }
    public required string DatastorePath { get; init; }
    public required string SocketPath { get; init; }
    public required string ContainerBasePath { get; init; }
    public string? PidFile { get; init; }
    public required string Accelerator { get; init; }
    public bool Debug { get; init; }
    public RegistryPolicy Registries { get; init; } = new();
}
