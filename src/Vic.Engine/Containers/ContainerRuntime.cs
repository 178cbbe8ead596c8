using Vic.PortLayer;

namespace Vic.Engine.Containers;

/// <summary>
/// HostConfig.Runtime. Every container here runs the same way (its own VM), and that one way is given dockerd's default
/// runtime name: clients send "runc" (or nothing) to mean "the default", and read it back from inspect and info.
/// A name asking for something else (an OCI runtime the VCH does not have) is refused, as dockerd refuses it.
/// </summary>
internal static class ContainerRuntime
{
    public const string Default = "runc";

    public static string Validate(string? requested)
    {
        if (string.IsNullOrEmpty(requested) || requested == Default)
            return Default;
        throw new InvalidArgumentException("unknown or invalid runtime name: " + requested);
    }
}
