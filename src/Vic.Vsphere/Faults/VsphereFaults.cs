using System.Xml.Linq;

namespace Vic.Vsphere;

// The faults callers branch on, one small class each; their fields come from the fault's detail.

/// <summary>The user name or password was refused.</summary>
public sealed class InvalidLoginFault(string? message, XElement? detail, string? method)
    : VsphereFault("InvalidLogin", message, detail, method);

/// <summary>The call needs a session and there is none (never logged in, logged out, expired or terminated).</summary>
public sealed class NotAuthenticatedFault(string? message, XElement? detail, string? method)
    : VsphereFault("NotAuthenticated", message, detail, method);

/// <summary>A managed object reference names nothing (deleted, or from another session).</summary>
public sealed class ManagedObjectNotFoundFault(string? message, XElement? detail, string? method, ManagedObjectReference? obj)
    : VsphereFault("ManagedObjectNotFound", message, detail, method)
{
    public ManagedObjectReference? Object { get; } = obj;
}

/// <summary>An object of that name already exists where one was to be created.</summary>
public sealed class DuplicateNameFault(string? message, XElement? detail, string? method, string? name)
    : VsphereFault("DuplicateName", message, detail, method)
{
    public string? Name { get; } = name;
}

/// <summary>A datastore file operation failed; <see cref="File"/> is the path vSphere named.</summary>
public class FileFault(string faultType, string? message, XElement? detail, string? method, string? file)
    : VsphereFault(faultType, message, detail, method)
{
    public string? File { get; } = file;
}

/// <summary>The datastore file or folder does not exist.</summary>
public sealed class FileNotFoundFault(string? message, XElement? detail, string? method, string? file)
    : FileFault("FileNotFound", message, detail, method, file);

/// <summary>The datastore file or folder already exists.</summary>
public sealed class FileAlreadyExistsFault(string? message, XElement? detail, string? method, string? file)
    : FileFault("FileAlreadyExists", message, detail, method, file);

/// <summary>An argument was refused; <see cref="InvalidProperty"/> names it when vSphere did.</summary>
public sealed class InvalidArgumentFault(string faultType, string? message, XElement? detail, string? method, string? invalidProperty)
    : VsphereFault(faultType, message, detail, method)
{
    public string? InvalidProperty { get; } = invalidProperty;
}

/// <summary>The VM is not in the power state the operation needs (e.g. powering on a running VM).</summary>
public sealed class InvalidPowerStateFault(string? message, XElement? detail, string? method, string? requested, string? existing)
    : VsphereFault("InvalidPowerState", message, detail, method)
{
    public string? RequestedState { get; } = requested;
    public string? ExistingState { get; } = existing;
}
