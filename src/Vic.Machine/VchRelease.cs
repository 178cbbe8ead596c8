namespace Vic.Machine;

/// <summary>
/// The daemon and container base a local VCH runs: either a copy vic-machine installed in the VCH's directory
/// (<c>releases/&lt;stamp&gt;/</c>, see <see cref="Releases"/>), or files used where they are (an explicit
/// <c>--vch-binary</c>, or a VCH made before releases were copied). The one before the last upgrade is kept as
/// <see cref="VchRecord.Previous"/> for <c>upgrade --rollback</c>.
/// </summary>
internal sealed record VchRelease
{
    public required string DaemonPath { get; init; }
    public required string ContainerBasePath { get; init; }
    /// <summary>vic-machine's version that installed it.</summary>
    public string Version { get; init; } = "";
    /// <summary>"&lt;version&gt;-&lt;12 hex of the contents&gt;" of an installed copy; null when the files are used in place.</summary>
    public string? Stamp { get; init; }
    /// <summary>Where an installed copy came from (the build's out/vch and container base), what <c>inspect config</c> prints.</summary>
    public string? DaemonSource { get; init; }
    public string? ContainerBaseSource { get; init; }
}
