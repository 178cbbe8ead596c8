using Vic.PortLayer;

namespace Vic.Engine.Containers;

/// <summary>Docker's restart policy names to the port layer's policy (validated names only: see ResourceValidator).</summary>
internal static class RestartPolicies
{
    public static PortLayer.ContainerRestartPolicy ToSpec(Models.RestartPolicy? policy) => policy?.Name switch
    {
        "always" => new PortLayer.ContainerRestartPolicy(RestartMode.Always),
        "unless-stopped" => new PortLayer.ContainerRestartPolicy(RestartMode.UnlessStopped),
        "on-failure" => new PortLayer.ContainerRestartPolicy(RestartMode.OnFailure, policy.MaximumRetryCount),
        _ => PortLayer.ContainerRestartPolicy.No,
    };
}
