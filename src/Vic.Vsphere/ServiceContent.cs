using System.Xml.Linq;
using Vic.Vsphere.Soap;

namespace Vic.Vsphere;

/// <summary>The entry points RetrieveServiceContent returns: the managers every other call starts from.</summary>
public sealed record ServiceContent(
    ManagedObjectReference RootFolder,
    ManagedObjectReference PropertyCollector,
    ManagedObjectReference SessionManager,
    ManagedObjectReference SearchIndex,
    ManagedObjectReference FileManager,
    ManagedObjectReference? VirtualDiskManager,
    ManagedObjectReference? ViewManager,
    string ApiType,
    string ApiVersion,
    string FullName,
    string InstanceUuid)
{
    /// <summary>True for vCenter ("VirtualCenter"), false for a standalone ESXi host ("HostAgent").</summary>
    public bool IsVCenter => ApiType == "VirtualCenter";

    internal static ServiceContent Parse(XElement returnval)
    {
        ManagedObjectReference Required(string name) =>
            Vim.Child(returnval, name) is { } e ? Vim.ReadRef(e) : throw new FormatException($"ServiceContent has no {name}");
        ManagedObjectReference? Optional(string name) => Vim.Child(returnval, name) is { } e ? Vim.ReadRef(e) : null;
        XElement? about = Vim.Child(returnval, "about");
        return new ServiceContent(
            Required("rootFolder"), Required("propertyCollector"), Required("sessionManager"), Required("searchIndex"),
            Required("fileManager"), Optional("virtualDiskManager"), Optional("viewManager"),
            Vim.Text(about, "apiType") ?? "", Vim.Text(about, "apiVersion") ?? "", Vim.Text(about, "fullName") ?? "",
            Vim.Text(about, "instanceUuid") ?? "");
    }
}
