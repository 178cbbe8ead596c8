using Vic.Vsphere;

namespace Vic.PortLayer.VSphere;

/// <summary>
/// The inventory objects a VCH uses, resolved once at start, and its layout on the image store:
/// <code>
/// [ds] path/&lt;vch&gt;/images/base/base.vmdk            the empty disk every chain starts from
/// [ds] path/&lt;vch&gt;/images/&lt;layer hex&gt;/layer.vmdk   a layer: child of its parent's disk
/// [ds] path/&lt;vch&gt;/images/&lt;layer hex&gt;/layer.json   written last: the layer is complete
/// [ds] path/&lt;vch&gt;/containers/&lt;vm name&gt;/          a containerVM: .vmx, its disk, output.log
/// [ds] path/&lt;vch&gt;/appliers/&lt;vm name&gt;/            a throwaway layer-applier VM while it runs
/// [ds] path/&lt;vch&gt;/metadata/&lt;key&gt;                  IMetadataStore ('/' in keys written as '+')
/// </code>
/// </summary>
internal sealed record Placement(
    Datacenter Datacenter,
    ComputeResource ComputeResource,
    ManagedObjectReference Pool,
    ManagedObjectReference Folder,
    Datastore Datastore,
    DatastorePath Root,
    Network Bridge,
    DatastorePath ContainerBaseIso,
    DatastorePath? KernelRelease)
{
    public const string BaseDiskName = "base.vmdk", LayerDiskName = "layer.vmdk", LayerTarName = "layer.tar",
        LayerMetaName = "layer.json", OutputLogName = "output.log";

    public DatastorePath Images => Root.Combine("images");
    public DatastorePath Containers => Root.Combine("containers");
    public DatastorePath Appliers => Root.Combine("appliers");
    public DatastorePath Metadata => Root.Combine("metadata");

    public DatastorePath BaseDisk => Images.Combine("base/" + BaseDiskName);
    public DatastorePath LayerDir(string hex) => Images.Combine(hex);
    public DatastorePath LayerDisk(string hex) => LayerDir(hex).Combine(LayerDiskName);

    public DatastorePath ContainerDir(string vmName) => Containers.Combine(vmName);
    public DatastorePath ApplierDir(string vmName) => Appliers.Combine(vmName);
}
