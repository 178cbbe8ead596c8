using Vic.PortLayer;

namespace Vic.Engine.Volumes;

/// <summary>The one volume driver a VCH has ("local": disks in its volume stores), refused otherwise as dockerd refuses a missing plugin.</summary>
internal static class VolumeDrivers
{
    public const string Local = "local";

    /// <summary>Anonymous volumes: Docker's label, so rm -v and prune can tell them from named ones.</summary>
    public const string AnonymousLabel = "com.docker.volume.anonymous";

    public static void Check(string volumeName, string? driver)
    {
        if (!string.IsNullOrEmpty(driver) && driver != Local)
            throw new NotFoundException($"create {volumeName}: error looking up volume plugin {driver}: plugin \"{driver}\" not found");
    }
}
