namespace Vic.Vsphere;

/// <summary>
/// A reference to a server-side managed object (a VM, a folder, a task...): its type and the server's opaque id,
/// e.g. <c>VirtualMachine:vm-42</c>. Valid only on the server (and, for session objects, the session) that gave it.
/// </summary>
public sealed record ManagedObjectReference(string Type, string Value)
{
    /// <summary>"Type:value", the form vSphere tools print.</summary>
    public override string ToString() => $"{Type}:{Value}";
}
