using Vic.Engine.Containers;
using Vic.Engine.Models;
using Vic.PortLayer;

namespace Vic.Engine.Mapping;

/// <summary>Port-layer containers → Docker's ps and inspect shapes (STYLE 8: translated at the edge).</summary>
internal static class ContainerMapper
{
    public static ContainerSummary ToSummary(ContainerRecord c, DateTimeOffset now) => new()
    {
        Id = c.Id,
        Names = ["/" + c.Name],
        Image = string.IsNullOrEmpty(c.Config.Image) ? c.ImageId : c.Config.Image,
        ImageID = c.ImageId,
        Command = CommandText(c),
        Created = c.Info.Created.ToUnixTimeSeconds(),
        Labels = c.Config.Labels ?? [],
        State = StatusText.StateName(c.State),
        Status = StatusText.For(c.Info.Status, now, c.Health?.Status),
        HostConfig = new SummaryHostConfig(c.HostConfig.NetworkMode),
    };

    public static ContainerInspect ToInspect(ContainerRecord c)
    {
        var status = c.Info.Status;
        return new ContainerInspect
        {
            Id = c.Id,
            Created = DockerTime.Rfc3339Nano(c.Info.Created),
            Path = c.Path,
            Args = c.Args,
            State = new ContainerStateInfo
            {
                Status = StatusText.StateName(status.State),
                Running = c.IsRunning,
                Paused = status.State == ContainerRunState.Paused,
                Restarting = status.State == ContainerRunState.Restarting,
                Dead = status.State == ContainerRunState.Dead,
                Pid = c.IsRunning ? status.Pid : 0,
                ExitCode = status.ExitCode,
                Error = status.Error,
                StartedAt = DockerTime.Rfc3339Nano(status.StartedAt),
                FinishedAt = DockerTime.Rfc3339Nano(status.FinishedAt),
                Health = c.Health,
            },
            Image = c.ImageId,
            LogPath = c.Info.LogPath,
            Name = "/" + c.Name,
            RestartCount = status.RestartCount,
            HostConfig = c.HostConfig,
            GraphDriver = new GraphDriverData
            {
                Data = string.IsNullOrEmpty(c.Info.Location) ? [] : new() { ["Location"] = c.Info.Location },
            },
            Config = c.Config,
        };
    }

    /// <summary>dockerd's Command column: argv joined by spaces.</summary>
    private static string CommandText(ContainerRecord c) => string.Join(' ', c.Info.Spec.Process.Args);
}
