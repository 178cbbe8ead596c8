using System.Reflection;

namespace Vic.Machine;

/// <summary>Where vic-machine finds what it installs, relative to its own build output (out/machine in this repository).</summary>
internal static class Layout
{
    public static string Version { get; } =
        typeof(Layout).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    private static string OutDir => Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, ".."));

    /// <summary>out/vch/vic-vch beside out/machine/, or the VIC_VCH_BINARY environment variable.</summary>
    public static string DefaultDaemon() =>
        Environment.GetEnvironmentVariable("VIC_VCH_BINARY") is { Length: > 0 } env ? env : Path.Combine(OutDir, "vch", "vic-vch");

    /// <summary>out/container-base/current, or the VIC_CONTAINER_BASE environment variable.</summary>
    public static string DefaultContainerBase() =>
        Environment.GetEnvironmentVariable("VIC_CONTAINER_BASE") is { Length: > 0 } env ? env : Path.Combine(OutDir, "container-base", "current");
}
