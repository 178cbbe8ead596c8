namespace Vic.PortLayer.VSphere.Containers;

/// <summary>
/// The VCH's record of one container, kept in the containerVM's extraConfig as the document
/// <see cref="DocumentName"/> (<c>vic.container.*</c>): spec (name and annotations included), creation time and the
/// last known state. With it the VCH rebuilds its view from the VMs in its pool after a restart (DESIGN rules 2, 3).
/// </summary>
internal sealed record ContainerRecord
{
    public const string DocumentName = "container";

    public required ContainerSpec Spec { get; init; }
    public required DateTimeOffset Created { get; init; }
    public required ContainerStatus Status { get; init; }
}
