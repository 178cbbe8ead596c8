using System.Xml.Linq;
using Vic.Vsphere.Soap;

namespace Vic.Vsphere;

/// <summary>Turns a fault element (SOAP detail, a task's LocalizedMethodFault) into the typed exception.</summary>
internal static class FaultParser
{
    /// <summary>File faults whose type has no class of its own still surface as <see cref="FileFault"/>.</summary>
    private static readonly HashSet<string> FileFaultTypes =
    [
        "FileFault", "CannotAccessFile", "CannotCreateFile", "CannotDeleteFile", "FileLocked", "FileNameTooLong",
        "FileTooLarge", "NotADirectory", "NotAFile", "TooManyConcurrentNativeClones", "FileBackedPortNotSupported",
    ];

    private static readonly HashSet<string> InvalidArgumentTypes =
    [
        "InvalidArgument", "InvalidRequest", "InvalidType", "MethodNotFound", "InvalidDeviceSpec", "InvalidDatastorePath",
        "InvalidDatastore", "InvalidName", "InvalidController",
    ];

    /// <summary>From a SOAP 1.1 Fault element: faultstring plus the single child of detail.</summary>
    public static VsphereFault FromSoapFault(XElement fault, string method)
    {
        string? message = fault.Element("faultstring")?.Value;
        XElement? detail = fault.Element("detail")?.Elements().FirstOrDefault();
        if (detail is null)
        {
            // Some servers answer a malformed request with a bare SOAP fault: keep its code as the type.
            string code = fault.Element("faultcode")?.Value ?? "SoapFault";
            return new VsphereFault(StripPrefix(code), message, null, method);
        }
        return Create(TypeOf(detail), message, detail, method);
    }

    /// <summary>From a LocalizedMethodFault (a task's info.error): the fault element plus localizedMessage.</summary>
    public static VsphereFault FromLocalizedFault(XElement localized, string method)
    {
        XElement? fault = Vim.Child(localized, "fault");
        string? message = Vim.Text(localized, "localizedMessage");
        if (fault is null)
        {
            return new VsphereFault("SystemError", message, localized, method);
        }
        return Create(TypeOf(fault), message, fault, method);
    }

    public static VsphereFault Create(string type, string? message, XElement? detail, string? method)
    {
        if (string.IsNullOrWhiteSpace(message))
        {
            // vSphere's faultMessage array carries the text when faultstring is empty.
            message = detail?.Descendants(Vim.N("message")).FirstOrDefault()?.Value;
        }
        string? Field(string name) => Vim.Text(detail, name);
        return type switch
        {
            "InvalidLogin" => new InvalidLoginFault(message, detail, method),
            "NotAuthenticated" => new NotAuthenticatedFault(message, detail, method),
            "ManagedObjectNotFound" => new ManagedObjectNotFoundFault(message, detail, method,
                Vim.Child(detail, "obj") is { } obj ? Vim.ReadRef(obj) : null),
            "DuplicateName" => new DuplicateNameFault(message, detail, method, Field("name")),
            "FileNotFound" => new FileNotFoundFault(message, detail, method, Field("file")),
            "FileAlreadyExists" => new FileAlreadyExistsFault(message, detail, method, Field("file")),
            "InvalidPowerState" => new InvalidPowerStateFault(message, detail, method, Field("requestedState"), Field("existingState")),
            _ when FileFaultTypes.Contains(type) => new FileFault(type, message, detail, method, Field("file")),
            _ when InvalidArgumentTypes.Contains(type) => new InvalidArgumentFault(type, message, detail, method, Field("invalidProperty")),
            _ => new VsphereFault(type, message, detail, method),
        };
    }

    /// <summary>xsi:type when present; else the element name, whose "Fault" suffix vSphere adds in SOAP details.</summary>
    private static string TypeOf(XElement element)
    {
        if (Vim.XsiType(element) is { } type)
        {
            return type;
        }
        string name = element.Name.LocalName;
        return name.EndsWith("Fault", StringComparison.Ordinal) && name != "MethodFault" ? name[..^"Fault".Length] : name;
    }

    private static string StripPrefix(string qname) => qname[(qname.IndexOf(':', StringComparison.Ordinal) + 1)..];
}
