using System.Xml.Linq;

namespace Vic.Vsphere;

/// <summary>
/// A fault vSphere returned: a SOAP fault from a call, or the error of a task. <see cref="FaultType"/> is vSphere's
/// fault type name (e.g. "InvalidPowerState"); <see cref="Exception.Message"/> is vSphere's own message
/// (faultstring or localizedMessage), or the type when the server sent none. Derived classes exist for the faults
/// callers act on; anything else arrives as this class with its <see cref="Detail"/>.
/// </summary>
public class VsphereFault : Exception
{
    public VsphereFault(string faultType, string? message, XElement? detail = null, string? method = null)
        : base(string.IsNullOrWhiteSpace(message) ? faultType : message)
    {
        FaultType = faultType;
        ServerMessage = string.IsNullOrWhiteSpace(message) ? null : message;
        Detail = detail;
        Method = method;
    }

    /// <summary>vSphere's fault type, without the "Fault" suffix of the detail element: "NotAuthenticated", "FileNotFound".</summary>
    public string FaultType { get; }

    /// <summary>The message vSphere sent, if any (faultstring, or a task error's localizedMessage).</summary>
    public string? ServerMessage { get; }

    /// <summary>The fault's detail element as the server sent it, for fields no typed property exposes.</summary>
    public XElement? Detail { get; }

    /// <summary>The API method (or task) that failed, when known.</summary>
    public string? Method { get; }
}
