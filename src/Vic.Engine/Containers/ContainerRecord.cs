using Vic.Engine.Models;
using Vic.PortLayer;

namespace Vic.Engine.Containers;

/// <summary>A container as the personality sees it: the port layer's view plus the Docker config kept in its annotations.</summary>
internal sealed record ContainerRecord(ContainerInfo Info, ContainerConfig Config, HostConfig HostConfig, string ImageId)
{
    /// <summary>State.Health: null until a container with a health check is first started (as dockerd's nil Health).
    /// Filled by <see cref="ContainerResolver"/>.</summary>
    public ContainerHealth? Health { get; init; }

    public string Id => Info.Spec.Id;
    public string Name => Info.Spec.Name;
    public ContainerRunState State => Info.Status.State;
    public bool Tty => Info.Spec.Process.Tty;
    public bool IsRunning => State is ContainerRunState.Running or ContainerRunState.Paused or ContainerRunState.Restarting;

    /// <summary>The command line as dockerd keeps it: Path is argv[0], Args the rest.</summary>
    public string Path => Info.Spec.Process.Args.Count > 0 ? Info.Spec.Process.Args[0] : "";
    public List<string> Args => Info.Spec.Process.Args.Skip(1).ToList();
}
